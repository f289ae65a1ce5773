// sync1: a visitor counter that many threads share.
//
// A museum's turnstiles each run on a thread of their own, and every
// visitor who passes one gets a number: 1 for the first visitor of the day,
// 2 for the next, and so on, whichever turnstile they used. All turnstiles
// count on the one `Counter`, which they borrow from `open_turnstiles`.
//
// It does not compile: the turnstile threads may not share the `Counter`.
//
// Make `Counter` a counter that threads can share, so that every visitor
// gets a number of their own and none is lost, without any visitor ever
// waiting for another (no lock).

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    // A `Cell` may be moved to another thread (it is `Send`) but not shared:
    // its `get` and `set` assume no other thread is in between, so
    // `Cell<u64>` is not `Sync`, and neither is a struct holding it. An
    // atomic is the `Sync` counterpart: every operation on it is one
    // indivisible step, even through a shared `&`.
    visitors: AtomicU64,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        // One read-add-write: no other visitor can get the same number or
        // overwrite this count. A `load` then a `store` would be two steps,
        // and another turnstile could count in between. `Relaxed` is enough:
        // no other data is published together with the number.
        let number = self.visitors.fetch_add(1, Ordering::Relaxed) + 1;
        greet(number);
    }

    pub fn total(&self) -> u64 {
        self.visitors.load(Ordering::Relaxed)
    }
}

pub fn open_turnstiles(counter: &Counter, turnstiles: usize, greet: impl Fn(u64) + Sync) {
    let greet = &greet;
    thread::scope(|s| {
        for _ in 0..turnstiles {
            // Every thread gets a `&Counter`: that is allowed because
            // `Counter` is `Sync` (`&Counter` is `Send` exactly when it is).
            s.spawn(move || counter.visit(greet));
        }
    });
}

fn main() {
    let counter = Counter::new();
    open_turnstiles(&counter, 4, |number| println!("welcome, visitor {number}"));
    println!("{} visitors (expected 4)", counter.total());
}
