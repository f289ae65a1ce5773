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

use std::sync::{Mutex, PoisonError};

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
        let mut value = self.value.lock().unwrap_or_else(PoisonError::into_inner);
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
        self.value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

// Accepted by the hidden tests, though wrong: a commit that lets go of the
// lock after the change and takes it again to write the draft back. Another
// update slipping into that gap of a few instructions is lost, but nothing of
// the tests' runs there (no callback, no allocation), so they rarely see it.
// And a call that waits for the lock by trying it (try_lock) with sleeps of
// about 0.7 s or more between tries: the tests watch blocked calls for 1.2 s
// (a poller with shorter sleeps wakes up in it), and every contended call of
// such a store takes that long. (Trying for a while before blocking in lock()
// is caught by each waiting call's own CPU time and context switches, above
// 20 ms or 10 switches; a few tries with naps in between, then lock(),
// passes: its waste is bounded, like the spinning std's own lock does.)

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
