// WRONG: reads on the calling thread and only hands the finished results to threads
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
            let result = read(&data, i);
            thread::spawn(move || result)
        })
        .collect()
}

fn main() {}
