// WRONG: moves the Vec in but also keeps a copy that it forgets (leaks) on return
use std::thread::{self, JoinHandle};

pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    let backup = numbers.clone();
    std::mem::forget(backup);
    thread::spawn(move || summarize(&numbers))
}

fn main() {}
