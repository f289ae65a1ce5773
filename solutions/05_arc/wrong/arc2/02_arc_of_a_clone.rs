// WRONG: wraps a fresh clone of the data in an Arc for every reader: still a copy each
#![allow(unused_imports)]
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let mut handles = Vec::new();
    for i in 0..readers {
        let data = Arc::new(data.clone());
        handles.push(thread::spawn(move || read(&data, i)));
    }
    handles
}

fn main() {}
