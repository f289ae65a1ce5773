// WRONG: the first caller claims a flag and makes the value; the others spin (yield_now) until it is there, and spin forever after a panicking init
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

#[derive(Debug)]
pub struct Lazy<T> {
    started: AtomicBool,
    cell: OnceLock<T>,
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            started: AtomicBool::new(false),
            cell: OnceLock::new(),
        }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if !self.started.swap(true, Ordering::SeqCst) {
            let _ = self.cell.set(init());
        }
        loop {
            if let Some(value) = self.cell.get() {
                return value;
            }
            thread::yield_now();
        }
    }
}

fn main() {
    let _ = Duration::ZERO;
}
