// WRONG: keeps a backup made in new() and restores it after a failed change, losing every change made since
use std::sync::{Mutex, PoisonError};

pub struct Store<T> {
    value: Mutex<T>,
    backup: T,
}

impl<T: Clone> Store<T> {
    pub fn new(value: T) -> Store<T> {
        Store {
            backup: value.clone(),
            value: Mutex::new(value),
        }
    }

    pub fn update(&self, change: impl FnOnce(&mut T)) {
        let mut value = match self.value.lock() {
            Ok(value) => value,
            Err(poisoned) => {
                let mut value = poisoned.into_inner();
                *value = self.backup.clone();
                self.value.clear_poison();
                value
            }
        };
        change(&mut value);
    }

    pub fn get(&self) -> T {
        match self.value.lock() {
            Ok(value) => value.clone(),
            Err(_) => self.backup.clone(),
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
