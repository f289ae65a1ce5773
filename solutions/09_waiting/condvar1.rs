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
        // A wake-up is only a hint that something changed: the thread may
        // have been woken for nothing (a spurious wake-up, or a notify_all
        // from elsewhere), or another taker may have taken the item between
        // the notify and this thread getting the lock back. So check again
        // after every wake-up, and go back to waiting while it is empty.
        // `wait` gives the lock up while it sleeps and has it again when it
        // returns, so the check and the pop below see the same state.
        // (`self.arrived.wait_while(items, |q| q.is_empty())` is the same loop.)
        //
        // (Hidden tests, accepted gap: a take that looks under one lock and
        // waits under another, letting go in between, loses a put's wake-up
        // only in a window of nanoseconds: a stress test with signals and lock
        // contention caught it in about one run in five, at a cost in CPU
        // that upset the other tests, so there is none.)
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
