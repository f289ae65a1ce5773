// WRONG: a thread for every item, its JoinHandle queued in a sync_channel(capacity) and joined in order by next: the order is kept, but `workers` is ignored (capacity + 2 calls at once, a new thread each)
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};

pub struct Ordered<U> {
    handles: Receiver<JoinHandle<U>>,
}

impl<U> Iterator for Ordered<U> {
    type Item = U;

    fn next(&mut self) -> Option<U> {
        self.handles.recv().ok()?.join().ok()
    }
}

pub fn map_ordered<I, U, F>(source: I, workers: usize, capacity: usize, f: F) -> Ordered<U>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
    U: Send + 'static,
    F: Fn(I::Item) -> U + Send + Sync + 'static,
{
    assert!(workers > 0, "a stage needs at least one worker");
    let (tx, rx) = mpsc::sync_channel(capacity);
    let f = Arc::new(f);
    thread::spawn(move || {
        for item in source {
            let f = Arc::clone(&f);
            if tx.send(thread::spawn(move || f(item))).is_err() {
                break;
            }
        }
    });
    Ordered { handles: rx }
}

fn main() {
    for square in map_ordered(1..=8_u64, 4, 2, |n| n * n) {
        println!("{square}");
    }
}
