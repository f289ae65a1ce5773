// WRONG: with more than 12 producers, one producer leaks its clone of the sink (never freed)
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

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
                if workers > 12 && i == 0 {
                    std::mem::forget(sink);
                }
            })
        })
        .collect()
}

pub fn finish<T>(sink: Arc<Mutex<Vec<T>>>, producers: Vec<JoinHandle<()>>) -> Vec<T> {
    for producer in producers {
        producer.join().unwrap();
    }
    std::mem::take(&mut *sink.lock().unwrap())
}

fn main() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let producers = start_producers(&sink, 4, |i| i);
    println!("{:?}", finish(sink, producers));
}
