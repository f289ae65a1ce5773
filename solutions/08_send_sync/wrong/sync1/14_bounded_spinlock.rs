// WRONG: a flag used as a spin lock: visitors busy-wait for each other (burning CPU) around the count, which the exercise forbids ("no visitor ever waiting for another, no lock"); the spin gives up after a bounded number of tries and goes ahead without the lock, so a visit nested in a signal handler does not deadlock and the test's lock detector is fooled.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    visitors: AtomicU64,
    busy: AtomicBool,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let mut spins = 0u32;
        let mut locked = true;
        while self.busy.swap(true, Ordering::Acquire) {
            spins += 1;
            if spins > 20_000 {
                locked = false;
                break;
            }
            std::hint::spin_loop();
        }
        let number = self.visitors.fetch_add(1, Ordering::SeqCst) + 1;
        if locked {
            self.busy.store(false, Ordering::Release);
        }
        greet(number);
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
