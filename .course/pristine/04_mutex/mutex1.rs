// mutex1: a program-wide event log.
//
// Any thread may call `record`, `count` and `take_all`, so the log lives in a
// `static` that every thread can reach, and a `Mutex` makes changing it safe.
// `lock()` hands you a `MutexGuard`: it derefs to the `Vec<String>` inside, so
// you call `Vec` methods on it directly, and it unlocks when it goes away.
//
// Make the hidden tests pass: declare the static log and write the three
// functions below.

use std::thread;

// TODO: declare the log here: a `static` holding a `std::sync::Mutex<Vec<String>>`.
// (A static needs an initial value the compiler can build: `Mutex::new` and
// `Vec::new` can do that.)

// Don't change this signature: the hidden tests call it.
// Appends `event` to the end of the log.
pub fn record(event: &str) {
    // TODO: lock the log and push an owned copy of `event`.
    todo!("record {event:?}")
}

// Don't change this signature: the hidden tests call it.
// How many events the log holds right now.
pub fn count() -> usize {
    // TODO
    todo!()
}

// Don't change this signature: the hidden tests call it.
// Returns every event in the log, oldest first, and leaves the log empty.
pub fn take_all() -> Vec<String> {
    // TODO: the guard derefs mutably too, so you can move the whole Vec out
    // and leave an empty one behind (see `std::mem::take`).
    todo!()
}

fn main() {
    record("main: start");
    let worker = thread::spawn(|| record("worker: hello"));
    worker.join().unwrap();
    record("main: end");
    println!("{} events", count());
    for event in take_all() {
        println!("{event}");
    }
    println!("{} events left", count());
}
