// WRONG: catches the change's panic and raises a NEW panic with the same text (panic!("{msg}")) instead of resuming the original: the payload's type is lost (a panic_any(MyError) arrives as a String, a non-string payload as "Box<dyn Any>"), and the panic hook runs a second time at the wrong place.
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
        let mut draft = value.clone();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change(&mut draft))) {
            Ok(()) => *value = draft,
            Err(payload) => {
                drop(value);
                let msg = if let Some(s) = payload.downcast_ref::<&str>() {
                    s.to_string()
                } else if let Some(s) = payload.downcast_ref::<String>() {
                    s.clone()
                } else {
                    String::from("Box<dyn Any>")
                };
                panic!("{msg}");
            }
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
