// WRONG: counts in an AtomicU32 behind a u64 API: after 4294967295 visitors the count wraps to 0 and numbers repeat (visitor 2^32+1 gets number 1 again, total drops to 0); it only works for the small counts the tests reach.
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    visitors: AtomicU32,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = self
            .visitors
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        greet(u64::from(number));
    }

    pub fn total(&self) -> u64 {
        u64::from(self.visitors.load(Ordering::Relaxed))
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
