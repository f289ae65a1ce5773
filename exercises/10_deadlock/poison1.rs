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

use std::sync::Mutex;

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
        // TODO: what happens to the value, and to the lock, when `change`
        // panics halfway?
        let mut value = self.value.lock().unwrap();
        change(&mut value);
    }

    // Don't change this signature: the hidden tests call it.
    // A copy of the value as it is now.
    pub fn get(&self) -> T {
        // TODO: this too must work after a change has panicked.
        self.value.lock().unwrap().clone()
    }
}

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
