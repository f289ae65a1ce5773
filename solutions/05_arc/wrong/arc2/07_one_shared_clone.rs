// WRONG: shares one Arc, but of a clone of the data (one needless deep copy)
#![allow(unused_imports)]
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let data = Arc::new(data.clone());
    (0..readers)
        .map(|i| {
            let data = Arc::clone(&data);
            thread::spawn(move || read(&data, i))
        })
        .collect()
}

fn main() {}
