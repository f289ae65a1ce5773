// WRONG: sleeps 300 ms instead of joining the threads
use std::thread;
use std::time::Duration;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    for input in inputs {
        thread::spawn(move || job(input));
    }
    thread::sleep(Duration::from_millis(300));
}

fn main() {}
