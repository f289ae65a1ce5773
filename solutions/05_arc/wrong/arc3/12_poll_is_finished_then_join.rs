// WRONG: finish polls is_finished (sleeping 1 ms between looks) before joining: it checks again and again instead of blocking in join
// arc3: many writers, one Vec, and getting it back.
//
// `Arc` alone only shares: `Arc<Vec<T>>` gives every owner a `&Vec<T>`, and
// nobody may push. To change shared data, put a lock inside the Arc:
// `Arc<Mutex<Vec<T>>>`, where each thread locks before it pushes.
//
// When every thread has finished, their `Arc` clones are gone and the caller
// holds the last one. `Arc::try_unwrap` (or `Arc::into_inner`) then hands back
// the `Mutex` itself, and `Mutex::into_inner` the `Vec`: no copy, no lock.
// While another owner is still alive they fail instead.
//
// Write `start_producers` and `finish`.

use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

// Don't change this signature: the hidden tests call it.
// Starts `workers` threads; worker i pushes `make(i)` onto `sink`. Returns
// their handles at once, without waiting for them.
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

// Don't change this signature: the hidden tests call it.
// Waits for every producer, then returns the Vec from `sink` itself (in any
// order).
pub fn finish<T>(sink: Arc<Mutex<Vec<T>>>, producers: Vec<JoinHandle<()>>) -> Vec<T> {
    while !producers.iter().all(|p| p.is_finished()) {
        thread::sleep(std::time::Duration::from_millis(1));
    }
    for producer in producers {
        producer.join().unwrap();
    }
    let Some(mutex) = Arc::into_inner(sink) else {
        panic!("a producer still owns the sink after being joined");
    };
    mutex.into_inner().unwrap()
}

fn main() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let producers = start_producers(&sink, 4, |i| format!("item {i}"));
    println!("started {} producers", producers.len());
    let mut items = finish(sink, producers);
    items.sort();
    println!("{items:?}");
}
