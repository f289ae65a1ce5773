// WRONG: moves a clone of the numbers into the thread
use std::thread::{self, JoinHandle};

pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    let copy = numbers.clone();
    thread::spawn(move || summarize(&copy))
}

fn main() {}
