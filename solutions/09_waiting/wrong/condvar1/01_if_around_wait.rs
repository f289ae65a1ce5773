// WRONG: waits with `if` instead of `while`: one wake-up without an item and take panics (the starting state)
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;

// Don't change this type: the hidden tests use both fields.
pub struct Inbox<T> {
    pub items: Mutex<VecDeque<T>>,
    // Notified whenever an item may have arrived.
    pub arrived: Condvar,
}

impl<T> Inbox<T> {
    // Don't change this signature: the hidden tests call it.
    pub fn new() -> Self {
        Inbox {
            items: Mutex::new(VecDeque::new()),
            arrived: Condvar::new(),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Adds `item` at the back and wakes one waiting taker.
    pub fn put(&self, item: T) {
        self.items.lock().unwrap().push_back(item);
        self.arrived.notify_one();
    }

    // Don't change this signature: the hidden tests call it.
    // Waits until the inbox holds an item, then removes and returns the
    // oldest one.
    pub fn take(&self) -> T {
        let mut items = self.items.lock().unwrap();
        if items.is_empty() {
            items = self.arrived.wait(items).unwrap();
        }
        items.pop_front().expect("woken up, but the inbox is empty")
    }
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Self::new()
    }
}

fn main() {
    let inbox = Inbox::new();
    thread::scope(|s| {
        s.spawn(|| {
            for word in ["wait", "in", "a", "loop"] {
                inbox.put(word);
            }
        });
        let words: Vec<&str> = (0..4).map(|_| inbox.take()).collect();
        println!("took {words:?}");
    });
}
