// WRONG: waits for the summary thread, then returns the handle of a second thread
use std::thread::{self, JoinHandle};

pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    let summary = thread::spawn(move || summarize(&numbers))
        .join()
        .expect("the summary thread panicked");
    thread::spawn(move || summary)
}

fn main() {}
