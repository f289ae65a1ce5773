// WRONG: tries compare_exchange once and gives up on a conflict instead of retrying: the visit is lost
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    visitors: AtomicU64,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let current = self.visitors.load(Ordering::SeqCst);
        if self
            .visitors
            .compare_exchange(current, current + 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            greet(current + 1);
        }
    }

    pub fn total(&self) -> u64 {
        self.visitors.load(Ordering::SeqCst)
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
