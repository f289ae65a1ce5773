// WRONG: lets thread::scope wait for the closures and never joins a thread
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    thread::scope(|s| {
        for input in inputs {
            s.spawn(move || job(input));
        }
    });
}

fn main() {}
