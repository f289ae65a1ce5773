// WRONG: total() counts a visitor only once its greeting has returned (a second counter bumped after greet): while visitors are being greeted, total() is lower than the numbers already given out, and a greet that panics leaves a visitor numbered but never counted, so total and numbers disagree for good.
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    next: AtomicU64,
    greeted: AtomicU64,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        greet(number);
        self.greeted.fetch_add(1, Ordering::SeqCst);
    }

    pub fn total(&self) -> u64 {
        self.greeted.load(Ordering::SeqCst)
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
