// WRONG: joins each thread right after spawning it, so the jobs run one after another
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    for input in inputs {
        thread::spawn(move || job(input)).join().unwrap();
    }
}

fn main() {}
