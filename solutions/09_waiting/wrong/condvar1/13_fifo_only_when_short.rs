// WRONG: only works for the test's sizes: returns the oldest item while at most 32 are queued, the newest once more pile up (a "fast path" for long queues).
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

pub struct Inbox<T> {
    pub items: Mutex<VecDeque<T>>,
    pub arrived: Condvar,
}

impl<T> Inbox<T> {
    pub fn new() -> Self {
        Inbox {
            items: Mutex::new(VecDeque::new()),
            arrived: Condvar::new(),
        }
    }

    pub fn put(&self, item: T) {
        self.items.lock().unwrap().push_back(item);
        self.arrived.notify_one();
    }

    pub fn take(&self) -> T {
        let mut items = self.items.lock().unwrap();
        while items.is_empty() {
            items = self.arrived.wait(items).unwrap();
        }
        if items.len() > 32 {
            items.pop_back().unwrap()
        } else {
            items.pop_front().unwrap()
        }
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
