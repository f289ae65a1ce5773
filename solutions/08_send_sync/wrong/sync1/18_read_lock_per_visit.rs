// WRONG: every visit holds a read lock of an RwLock (total() takes the write lock): a lock, which the exercise forbids. Visitors wait for total() and, since a waiting writer blocks new readers, for each other; a visit nested in a signal handler while total() waits deadlocks. The tests never call total() during visits, so readers never block.
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    visitors: AtomicU64,
    gate: RwLock<()>,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let guard = self.gate.read().unwrap_or_else(|e| e.into_inner());
        let number = self.visitors.fetch_add(1, Ordering::SeqCst) + 1;
        drop(guard);
        greet(number);
    }

    pub fn total(&self) -> u64 {
        let _guard = self.gate.write().unwrap_or_else(|e| e.into_inner());
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
