// WRONG: leaks the Vec to get a 'static slice (the buffer is never freed)
use std::thread::{self, JoinHandle};

pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    let numbers: &'static [u64] = numbers.leak();
    thread::spawn(move || summarize(numbers))
}

fn main() {}
