// WRONG: commits with value.clone_from(&draft): a commit step that runs T's Clone and can panic halfway (a Vec of elements whose clone panics), leaving a half-written value behind; the README asks for a last step that cannot panic (move the draft in).
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
        change(&mut draft);
        value.clone_from(&draft);
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
