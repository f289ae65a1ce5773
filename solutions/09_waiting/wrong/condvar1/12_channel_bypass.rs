// WRONG: cheats: adds an mpsc channel to the type and hands items through it; the items queue and the condvar are never used (the type was not to be changed, and the lesson, waiting on a condvar in a loop, is bypassed). Items put into the shared queue by other code are never taken.
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Condvar, Mutex};

pub struct Inbox<T> {
    pub items: Mutex<VecDeque<T>>,
    pub arrived: Condvar,
    tx: Mutex<Sender<T>>,
    rx: Mutex<Receiver<T>>,
}

impl<T> Inbox<T> {
    pub fn new() -> Self {
        let (tx, rx) = channel();
        Inbox {
            items: Mutex::new(VecDeque::new()),
            arrived: Condvar::new(),
            tx: Mutex::new(tx),
            rx: Mutex::new(rx),
        }
    }

    pub fn put(&self, item: T) {
        let _ = self.tx.lock().unwrap().send(item);
    }

    pub fn take(&self) -> T {
        self.rx.lock().unwrap().recv().unwrap()
    }
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Self::new()
    }
}

fn main() {
    let inbox = Inbox::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            for word in ["wait", "in", "a", "loop"] {
                inbox.put(word);
            }
        });
        let words: Vec<&str> = (0..4).map(|_| inbox.take()).collect();
        println!("took {words:?}");
    });
}
