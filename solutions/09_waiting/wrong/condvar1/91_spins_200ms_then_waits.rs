// WRONG: take spins (lock, look, yield_now) for 200 ms before it waits on the condvar: a CPU kept busy by every take that waits
// condvar1: wait in a loop.
//
// An `Inbox` is a queue that hands items from threads that `put` them to
// threads that `take` them. `take` must wait (blocked, not spinning) until
// an item is there, and return the oldest one. With one sender and one
// receiver it seems to work, yet in a busy program `take` sometimes panics
// with "woken up, but the inbox is empty".
//
// The condvar is public: other parts of the program share it and may call
// `notify_all` on it when nothing was put in (the hidden tests do that too).
// The operating system may also wake a waiting thread for no reason at all.
//
// Make `take` correct. The topic's lesson is in README.md beside this file.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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
        // Looks again and again for a while first: an item often comes soon.
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(200) {
            if let Some(item) = self.items.lock().unwrap().pop_front() {
                return item;
            }
            thread::yield_now();
        }
        let mut items = self.items.lock().unwrap();
        while items.is_empty() {
            items = self.arrived.wait(items).unwrap();
        }
        items
            .pop_front()
            .expect("the loop only ends with an item there")
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

// Accepted by the hidden tests, though wrong: a take that waits through at
// most some large number of wake-ups without an item (65 536, say) and then
// gives up. The tests wake a waiting take about 12 000 times for nothing,
// which costs them most of a second on a loaded machine; no affordable
// number of wake-ups exceeds every cap a source could pick. (The
// adversary's wrong solution for it, a cap of 65 536, was removed from
// wrong/condvar1/ as an accepted escape.)
