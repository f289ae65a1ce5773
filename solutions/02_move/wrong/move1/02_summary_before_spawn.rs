// WRONG: computes the summary on the caller, the thread only returns it
use std::thread::{self, JoinHandle};

pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    let summary = summarize(&numbers);
    thread::spawn(move || summary)
}

fn main() {}
