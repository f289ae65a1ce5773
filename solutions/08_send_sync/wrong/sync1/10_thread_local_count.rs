// WRONG: a count per thread (a thread_local Cell): each turnstile counts on its own
use std::cell::Cell;
use std::thread;

thread_local! {
    static VISITORS: Cell<u64> = const { Cell::new(0) };
}

#[derive(Debug, Default)]
pub struct Counter {
    _private: (),
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = VISITORS.with(|v| {
            v.set(v.get() + 1);
            v.get()
        });
        greet(number);
    }

    pub fn total(&self) -> u64 {
        VISITORS.with(Cell::get)
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
