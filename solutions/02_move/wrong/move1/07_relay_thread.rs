// WRONG: summarizes on one thread and returns the handle of another that relays the value
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(summarize(&numbers)).unwrap());
    thread::spawn(move || rx.recv().expect("the summary thread panicked"))
}

fn main() {}
