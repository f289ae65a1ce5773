// WRONG: visits on the caller's thread, one turnstile after another, so the Cell compiles (Counter is still not Sync)
use std::cell::Cell;

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
    // No threads, so the Cell compiles.
    for _ in 0..turnstiles {
        counter.visit(greet);
    }
}

fn main() {
    let counter = Counter::new();
    open_turnstiles(&counter, 4, |number| println!("welcome, visitor {number}"));
    println!("{} visitors (expected 4)", counter.total());
}
