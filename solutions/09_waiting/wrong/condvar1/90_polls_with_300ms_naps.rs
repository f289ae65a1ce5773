// WRONG: take never waits on the condvar: it looks, sleeps 300 ms, and looks again (a poller whose naps are longer than the two 60 ms quiet windows the test asks for)
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
        // Look, and if there is nothing, nap a while and look again: no
        // wake-up to miss, spurious or not.
        loop {
            if let Some(item) = items.pop_front() {
                return item;
            }
            drop(items);
            thread::sleep(std::time::Duration::from_millis(300));
            items = self.items.lock().unwrap();
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
