// WRONG: leaks the data (Box::leak) to share a &'static reference; it is never freed
#![allow(unused_imports)]
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let data: &'static D = Box::leak(Box::new(data));
    (0..readers)
        .map(|i| thread::spawn(move || read(data, i)))
        .collect()
}

fn main() {}
