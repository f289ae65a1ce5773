// WRONG: open_turnstiles opens at most 64 threads; with more turnstiles than that, several share a thread and their visitors go through one after another (a cap just past the earlier test's 33..64 turnstiles)
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
        let number = self.visitors.fetch_add(1, Ordering::Relaxed) + 1;
        greet(number);
    }

    pub fn total(&self) -> u64 {
        self.visitors.load(Ordering::Relaxed)
    }
}

const MAX_THREADS: usize = 64;

pub fn open_turnstiles(counter: &Counter, turnstiles: usize, greet: impl Fn(u64) + Sync) {
    let greet = &greet;
    let threads = turnstiles.min(MAX_THREADS);
    thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for _ in (t..turnstiles).step_by(threads) {
                    counter.visit(greet);
                }
            });
        }
    });
}

fn main() {
    let counter = Counter::new();
    open_turnstiles(&counter, 4, |number| println!("welcome, visitor {number}"));
    println!("{} visitors (expected 4)", counter.total());
}
