// WRONG: finish joins every producer but the first, which it joins only if it still owns the sink
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
            })
        })
        .collect()
}

pub fn finish<T>(sink: Arc<Mutex<Vec<T>>>, producers: Vec<JoinHandle<()>>) -> Vec<T> {
    let mut producers = producers.into_iter();
    let first = producers.next();
    for producer in producers {
        producer.join().unwrap();
    }
    let sink = match Arc::try_unwrap(sink) {
        Ok(mutex) => mutex,
        Err(sink) => {
            if let Some(first) = first {
                first.join().unwrap();
            }
            Arc::try_unwrap(sink).ok().unwrap()
        }
    };
    sink.into_inner().unwrap()
}

fn main() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let producers = start_producers(&sink, 4, |i| i);
    println!("{:?}", finish(sink, producers));
}
