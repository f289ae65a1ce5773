// WRONG: leaks one owner of the data (never freed) when there are 40 readers or more
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
        let data = Arc::clone(&data);
        handles.push(thread::spawn(move || read(&data, i)));
    }
    if readers >= 40 {
        std::mem::forget(data);
    }
    handles
}

fn main() {
    let handles = start_readers(vec![1, 2, 3], 3, |v, i| v[i]);
    for h in handles {
        println!("{}", h.join().unwrap());
    }
}
