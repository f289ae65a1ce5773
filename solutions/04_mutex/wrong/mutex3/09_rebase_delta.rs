// WRONG: re-bases the change as a delta on the balance found under a second lock (the check ran on a stale balance)
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
        let new = change(current);
        let mut balance = self.balance.lock().unwrap();
        match new {
            Some(new) if *balance == current => {
                *balance = new;
                true
            }
            Some(new) => {
                *balance = balance.wrapping_add(new).wrapping_sub(current);
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
