// WRONG: counts in an AtomicUsize: 32 bits on 32-bit targets, so the count wraps after 4 billion visitors (the forbidden list refuses AtomicU32 but not the pointer-sized one)
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    visitors: AtomicUsize,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = self.visitors.fetch_add(1, Ordering::Relaxed) as u64 + 1;
        greet(number);
    }

    pub fn total(&self) -> u64 {
        self.visitors.load(Ordering::Relaxed) as u64
    }
}

pub fn open_turnstiles(counter: &Counter, turnstiles: usize, greet: impl Fn(u64) + Sync) {
    let greet = &greet;
    thread::scope(|s| {
        for _ in 0..turnstiles {
            s.spawn(move || counter.visit(greet));
        }
    });
}

fn main() {
    let counter = Counter::new();
    open_turnstiles(&counter, 4, |number| println!("welcome, visitor {number}"));
    println!("{} visitors (expected 4)", counter.total());
}
