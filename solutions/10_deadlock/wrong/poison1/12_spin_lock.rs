// WRONG: never blocks on the lock: try_lock() in a loop with yield_now() while another update holds it (recovering from poison when it gets it): a busy wait that keeps a CPU busy for as long as a slow change runs. poison1 has no CPU check.
use std::sync::{Mutex, PoisonError, TryLockError};

pub struct Store<T> {
    value: Mutex<T>,
}

impl<T: Clone> Store<T> {
    pub fn new(value: T) -> Store<T> {
        Store {
            value: Mutex::new(value),
        }
    }
    pub fn update(&self, change: impl FnOnce(&mut T)) {
        let mut value = loop {
            match self.value.try_lock() {
                Ok(g) => break g,
                Err(TryLockError::Poisoned(e)) => break e.into_inner(),
                Err(TryLockError::WouldBlock) => std::thread::yield_now(),
            }
        };
        let mut draft = value.clone();
        change(&mut draft);
        *value = draft;
    }
    pub fn get(&self) -> T {
        loop {
            match self.value.try_lock() {
                Ok(g) => return g.clone(),
                Err(TryLockError::Poisoned(e)) => return e.into_inner().clone(),
                Err(TryLockError::WouldBlock) => std::thread::yield_now(),
            }
        }
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
