// WRONG: a Mutex around the count, locked only to count: correct totals, but a lock where an atomic is asked for (a visit waits for the one it interrupted)
use std::sync::Mutex;
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    visitors: Mutex<u64>,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = {
            let mut visitors = self.visitors.lock().unwrap();
            *visitors += 1;
            *visitors
        };
        greet(number);
    }

    pub fn total(&self) -> u64 {
        *self.visitors.lock().unwrap()
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
