// WRONG: calls make on the calling thread; the threads only push
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
    (0..workers)
        .map(|i| {
            let sink = Arc::clone(sink);
            let item = make(i);
            thread::spawn(move || sink.lock().unwrap().push(item))
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
