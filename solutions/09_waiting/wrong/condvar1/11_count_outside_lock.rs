// WRONG: take waits on an atomic count kept outside the mutex; put bumps it and notifies without the lock. Between a taker's check (count == 0) and its wait, put can bump and notify, and the notify is lost: the taker sleeps with an item in the inbox. The state checked must be the state under the mutex.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

pub struct Inbox<T> {
    pub items: Mutex<VecDeque<T>>,
    pub arrived: Condvar,
    count: AtomicUsize,
}

impl<T> Inbox<T> {
    pub fn new() -> Self {
        Inbox {
            items: Mutex::new(VecDeque::new()),
            arrived: Condvar::new(),
            count: AtomicUsize::new(0),
        }
    }

    pub fn put(&self, item: T) {
        self.items.lock().unwrap().push_back(item);
        self.count.fetch_add(1, Ordering::SeqCst);
        self.arrived.notify_one();
    }

    pub fn take(&self) -> T {
        let mut items = self.items.lock().unwrap();
        while self.count.load(Ordering::SeqCst) == 0 {
            items = self.arrived.wait(items).unwrap();
        }
        self.count.fetch_sub(1, Ordering::SeqCst);
        items.pop_front().expect("counted, but the inbox is empty")
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
