// WRONG: busy-waits with is_finished() and yield_now() before joining
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    let handles: Vec<_> = inputs
        .into_iter()
        .map(|input| thread::spawn(move || job(input)))
        .collect();
    while !handles.iter().all(|h| h.is_finished()) {
        thread::yield_now();
    }
    for handle in handles {
        handle.join().unwrap();
    }
}

fn main() {}
