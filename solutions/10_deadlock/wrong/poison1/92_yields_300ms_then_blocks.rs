// WRONG: waits for a busy lock by trying it again and again (try_lock and yield_now, keeping a CPU busy) for up to 300 ms, and only then blocks in lock()
// poison1: a panic inside a lock, and what is left behind.
//
// A `Store` holds a value that many threads change. A change is a closure
// that may take several steps, and may panic halfway: a failed lookup, an
// overflow, a bug in someone else's code. The panic goes back to the caller
// of `update`, which is fine. What is not fine is what it leaves behind:
//
// - every later call on the store panics too, with a `PoisonError`, on
//   every thread, for as long as the program runs;
// - and if you get past that error, the value shows the first half of the
//   change that failed (run this file: the money left checking and never
//   arrived in savings).
//
// Make the store usable after a failed change, and make a failed change
// leave no trace: the value is what it was before, as if it never ran.

use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

// Tries the lock again and again for a while before it blocks in lock(). A
// poisoned lock is taken all the same.
fn grab<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(300) {
        match m.try_lock() {
            Ok(guard) => return guard,
            Err(TryLockError::Poisoned(e)) => return e.into_inner(),
            Err(TryLockError::WouldBlock) => thread::yield_now(),
        }
    }
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct Store<T> {
    value: Mutex<T>,
}

impl<T: Clone> Store<T> {
    // Don't change this signature: the hidden tests call it.
    pub fn new(value: T) -> Store<T> {
        Store {
            value: Mutex::new(value),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Runs `change` on the value, one change at a time (no change is lost
    // when several threads update at once). If `change` panics, the panic
    // goes on to the caller, and the value is left as it was before.
    pub fn update(&self, change: impl FnOnce(&mut T)) {
        // A panic in an earlier change poisoned the lock. The value behind
        // it is still the last committed one (see below), so take the guard
        // out of the error and go on.
        let mut value = grab(&self.value);
        // Compute, then commit: the change works on a copy, under the lock
        // (so no other update can slip in between). If it panics halfway,
        // the copy is thrown away and the value was never touched. Only a
        // change that finished is written back, in one step.
        let mut draft = value.clone();
        change(&mut draft);
        *value = draft;
    }

    // Don't change this signature: the hidden tests call it.
    // A copy of the value as it is now.
    pub fn get(&self) -> T {
        grab(&self.value).clone()
    }
}

// Accepted by the hidden tests, though wrong: a commit that lets go of the
// lock after the change and takes it again to write the draft back. Another
// update slipping into that gap of a few instructions is lost, but nothing of
// the tests' runs there (no callback, no allocation), so they rarely see it.

#[derive(Clone, Debug)]
struct Accounts {
    checking: u64,
    savings: u64,
}

fn main() {
    let store = Store::new(Accounts {
        checking: 100,
        savings: 0,
    });
    // Move 30 to savings: a change in two steps.
    store.update(|a| {
        a.checking -= 30;
        a.savings += 30;
    });
    println!("after one move: {:?}", store.get());
    // The same, but it fails between the two steps.
    let failed = std::panic::catch_unwind(|| {
        store.update(|a| {
            a.checking -= 30;
            panic!("the savings account is closed");
        })
    });
    println!("the failed move panicked: {}", failed.is_err());
    println!("after the failed move: {:?}", store.get());
}
