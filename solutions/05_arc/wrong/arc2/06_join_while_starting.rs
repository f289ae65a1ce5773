// WRONG: waits for each reader before starting the next, so start_readers returns only when all are done
#![allow(unused_imports)]
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let data = Arc::new(data);
    (0..readers)
        .map(|i| {
            let data = Arc::clone(&data);
            let result = thread::spawn(move || read(&data, i)).join().unwrap();
            thread::spawn(move || result)
        })
        .collect()
}

fn main() {}
