// mutex1: a program-wide event log.
//
// Any thread may call `record`, `count` and `take_all`, so the log lives in a
// `static` that every thread can reach, and a `Mutex` makes changing it safe.
// `lock()` hands you a `MutexGuard`: it derefs to the `Vec<String>` inside, so
// you call `Vec` methods on it directly, and it unlocks when it goes away.
//
// Make the hidden tests pass: declare the static log and write the three
// functions below.

use std::sync::Mutex;
use std::thread;

// `Mutex::new` and `Vec::new` are `const fn`, so they may initialise a static.
// (An `RwLock` would pass the hidden tests too: with one writer at a time it
// behaves like a `Mutex` here, so the tests accept it.)
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

// Don't change this signature: the hidden tests call it.
// Appends `event` to the end of the log.
pub fn record(event: &str) {
    LOG.lock().unwrap().push(event.to_string());
}

// Don't change this signature: the hidden tests call it.
// How many events the log holds right now.
pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

// Don't change this signature: the hidden tests call it.
// Returns every event in the log, oldest first, and leaves the log empty.
pub fn take_all() -> Vec<String> {
    let mut log = LOG.lock().unwrap();
    std::mem::take(&mut *log)
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

// Not wrong (adversary review): `count` read from a separate atomic counter,
// updated next to the log, passes and cannot be told apart from outside.
// (A record that polled try_lock with a nap longer than the tests' watch of
// the waiting records used to pass: `forbidden` in info.toml now refuses
// try_lock, sleep and every timed wait, which this exercise never needs.)
