// WRONG: keeps the Cell and declares Counter Sync with an unsafe impl (a data race; and unsafe code is forbidden here)
use std::cell::Cell;
use std::thread;

// SAFETY: none: two turnstiles may get and set at once.
unsafe impl Sync for Counter {}

#[derive(Debug, Default)]
pub struct Counter {
    visitors: Cell<u64>,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = self.visitors.get() + 1;
        self.visitors.set(number);
        greet(number);
    }

    pub fn total(&self) -> u64 {
        self.visitors.get()
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
