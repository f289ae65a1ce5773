// WRONG: one static count shared by every Counter
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

static VISITORS: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Default)]
pub struct Counter {
    _private: (),
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = VISITORS.fetch_add(1, Ordering::SeqCst) + 1;
        greet(number);
    }

    pub fn total(&self) -> u64 {
        VISITORS.load(Ordering::SeqCst)
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
