// WRONG: shares the data for up to 39 readers, but gives each reader its own deep copy past that
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let data = Arc::new(data);
    let mut handles = Vec::new();
    for i in 0..readers {
        if readers < 40 {
            let data = Arc::clone(&data);
            handles.push(thread::spawn(move || read(&data, i)));
        } else {
            let data = (*data).clone();
            handles.push(thread::spawn(move || read(&data, i)));
        }
    }
    handles
}

fn main() {
    let handles = start_readers(vec![1, 2, 3], 3, |v, i| v[i]);
    for h in handles {
        println!("{}", h.join().unwrap());
    }
}
