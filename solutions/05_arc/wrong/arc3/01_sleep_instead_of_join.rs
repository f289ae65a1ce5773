// WRONG: sleeps a fixed time in finish instead of joining the producers
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
    (0..workers)
        .map(|i| {
            let sink = Arc::clone(sink);
            let make = Arc::clone(&make);
            thread::spawn(move || {
                let item = make(i);
                sink.lock().unwrap().push(item);
            })
        })
        .collect()
}

pub fn finish<T>(sink: Arc<Mutex<Vec<T>>>, producers: Vec<JoinHandle<()>>) -> Vec<T> {
    thread::sleep(Duration::from_millis(300));
    drop(producers);
    match Arc::try_unwrap(sink) {
        Ok(mutex) => mutex.into_inner().unwrap(),
        Err(_) => panic!("a producer is still running"),
    }
}

fn main() {}
