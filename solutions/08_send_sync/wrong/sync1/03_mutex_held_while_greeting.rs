// WRONG: a Mutex around the count, held while greet runs: visitors wait for each other
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
        let mut visitors = self.visitors.lock().unwrap();
        *visitors += 1;
        greet(*visitors);
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
