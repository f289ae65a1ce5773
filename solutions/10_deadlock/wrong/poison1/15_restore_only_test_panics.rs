// WRONG: cheats: changes the value in place, and restores a backup only when the panic message starts with "injected" (the tests' marker); any other failed change leaves its half-done state behind.
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
        let backup = value.clone();
        if let Err(payload) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change(&mut value)))
        {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if text.starts_with("injected") {
                *value = backup;
            }
            drop(value);
            self.value.clear_poison();
            std::panic::resume_unwind(payload);
        }
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
