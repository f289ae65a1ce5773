// WRONG: collects the results from a channel and never joins the threads
#![allow(unused_imports)]
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..count {
        let task = Arc::clone(&task);
        let tx = tx.clone();
        thread::spawn(move || {
            let _ = tx.send((i, task(i)));
        });
    }
    drop(tx);
    let mut results: Vec<(usize, T)> = rx.iter().collect();
    results.sort_by_key(|&(i, _)| i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn main() {}
