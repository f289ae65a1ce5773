// WRONG: reads under one lock and writes under another (the original bug)
use std::sync::Mutex;

#[derive(Debug)]
pub struct Wallet {
    balance: Mutex<u64>,
}

impl Wallet {
    pub fn new(balance: u64) -> Self {
        Wallet {
            balance: Mutex::new(balance),
        }
    }

    pub fn balance(&self) -> u64 {
        *self.balance.lock().unwrap()
    }

    pub fn apply(&self, change: impl FnOnce(u64) -> Option<u64>) -> bool {
        let current = *self.balance.lock().unwrap();
        match change(current) {
            Some(new) => {
                *self.balance.lock().unwrap() = new;
                true
            }
            None => false,
        }
    }

    pub fn deposit(&self, amount: u64) -> bool {
        self.apply(|balance| balance.checked_add(amount))
    }

    pub fn withdraw(&self, amount: u64) -> bool {
        self.apply(|balance| balance.checked_sub(amount))
    }
}

fn main() {}
