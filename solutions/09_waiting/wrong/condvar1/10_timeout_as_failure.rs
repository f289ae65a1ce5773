// WRONG: waits with wait_timeout_while(3 s) and then pop_front().expect(): a take that has to wait longer than 3 s for an item panics. A timeout is not "an item is there"; take must wait as long as it takes.
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

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
        let items = self.items.lock().unwrap();
        let (mut items, _) = self
            .arrived
            .wait_timeout_while(items, Duration::from_secs(3), |q| q.is_empty())
            .unwrap();
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
