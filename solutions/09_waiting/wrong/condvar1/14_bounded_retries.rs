// WRONG: waits in a loop, but gives up after 500 wake-ups and then panics on an empty inbox: a busy program whose shared condvar is notified often for other reasons (the exercise says it is) makes take panic. The test sends only about 100 wake-ups.
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
        // Wait in a loop, but not forever: give up after 500 wake-ups.
        for _ in 0..500 {
            if !items.is_empty() {
                break;
            }
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
