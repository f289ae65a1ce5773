// WRONG: visitors on different threads wait for each other on a Mutex (the exercise demands no lock); a thread-local "already visiting" flag skips the lock only for a visit nested in another on the same thread, which is exactly what the signal-handler test probes, so the deadlock check never sees the lock.
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

thread_local! {
    static VISITING: Cell<bool> = const { Cell::new(false) };
}

#[derive(Debug, Default)]
pub struct Counter {
    visitors: AtomicU64,
    turnstile: Mutex<()>,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = if VISITING.get() {
            self.visitors.fetch_add(1, Ordering::SeqCst) + 1
        } else {
            VISITING.set(true);
            let guard = self.turnstile.lock().unwrap_or_else(|e| e.into_inner());
            let n = self.visitors.fetch_add(1, Ordering::SeqCst) + 1;
            drop(guard);
            VISITING.set(false);
            n
        };
        greet(number);
    }

    pub fn total(&self) -> u64 {
        let _guard = self.turnstile.lock().unwrap_or_else(|e| e.into_inner());
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
