// WRONG: leaks the numbers as a boxed slice to make them 'static
use std::thread::{self, JoinHandle};

pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    let numbers: &'static [u64] = Box::leak(numbers.into_boxed_slice());
    thread::spawn(move || summarize(numbers))
}

fn main() {}
