// WRONG: returns the handles in reverse order of i
#![allow(unused_imports)]
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let data = Arc::new(data);
    let mut handles: Vec<_> = (0..readers)
        .map(|i| {
            let data = Arc::clone(&data);
            thread::spawn(move || read(&data, i))
        })
        .collect();
    handles.reverse();
    handles
}

fn main() {}
