// WRONG: forgets one Arc clone (mem::forget), so the data is never freed
#![allow(unused_imports)]
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let data = Arc::new(data);
    std::mem::forget(Arc::clone(&data));
    (0..readers)
        .map(|i| {
            let data = Arc::clone(&data);
            thread::spawn(move || read(&data, i))
        })
        .collect()
}

fn main() {}
