// WRONG: starts at most four producer threads, each making several items
#![allow(unused_imports)]
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub fn start_producers<T, F>(
    sink: &Arc<Mutex<Vec<T>>>,
    workers: usize,
    make: F,
) -> Vec<JoinHandle<()>>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let threads = workers.min(4);
    (0..threads)
        .map(|t| {
            let sink = Arc::clone(sink);
            let make = Arc::clone(&make);
            thread::spawn(move || {
                for i in (t..workers).step_by(threads) {
                    let item = make(i);
                    sink.lock().unwrap().push(item);
                }
            })
        })
        .collect()
}

pub fn finish<T>(sink: Arc<Mutex<Vec<T>>>, producers: Vec<JoinHandle<()>>) -> Vec<T> {
    for producer in producers {
        producer.join().unwrap();
    }
    Arc::into_inner(sink).unwrap().into_inner().unwrap()
}

fn main() {}
