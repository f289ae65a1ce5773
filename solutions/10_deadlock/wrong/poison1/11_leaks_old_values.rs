// WRONG: compute-then-commit, but commits with mem::forget(mem::replace(..)) ("dropping the old value could panic") and forgets a failed draft too: every update leaks the old value (a Vec's buffer, say), forever.
use std::sync::{Mutex, PoisonError};

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
        let mut value = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        let mut draft = std::mem::ManuallyDrop::new(value.clone());
        change(&mut draft);
        std::mem::forget(std::mem::replace(
            &mut *value,
            std::mem::ManuallyDrop::into_inner(draft),
        ));
    }
    pub fn get(&self) -> T {
        self.value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
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
