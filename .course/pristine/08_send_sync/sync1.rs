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

use std::cell::Cell;
use std::thread;

#[derive(Debug, Default)]
pub struct Counter {
    // TODO: what may threads do with a `Cell`, and what may they not?
    visitors: Cell<u64>,
}

impl Counter {
    // Don't change this signature: the hidden tests call it.
    pub fn new() -> Self {
        Self::default()
    }

    // Don't change this signature: the hidden tests call it.
    // Counts one visitor and calls `greet` with their number (1, 2, 3, ...).
    // Many threads call it at once on the same counter.
    pub fn visit(&self, greet: impl FnOnce(u64)) {
        // TODO: the number and the count must stay right when threads
        // visit at the same time.
        let number = self.visitors.get() + 1;
        self.visitors.set(number);
        greet(number);
    }

    // Don't change this signature: the hidden tests call it.
    // How many visitors were counted so far.
    pub fn total(&self) -> u64 {
        // TODO
        self.visitors.get()
    }
}

// Don't change this signature: the hidden tests call it.
// Opens `turnstiles` turnstiles, each on a thread of its own, and lets one
// visitor through each: every turnstile calls `counter.visit(..)` once and
// passes the number to `greet`. Returns once every visitor is through.
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
