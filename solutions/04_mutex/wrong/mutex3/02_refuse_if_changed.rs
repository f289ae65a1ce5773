// WRONG: compares and writes under a second lock, refusing the change if the balance moved meanwhile
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
        let Some(new) = change(current) else {
            return false;
        };
        let mut balance = self.balance.lock().unwrap();
        if *balance != current {
            return false;
        }
        *balance = new;
        true
    }

    pub fn deposit(&self, amount: u64) -> bool {
        self.apply(|balance| balance.checked_add(amount))
    }

    pub fn withdraw(&self, amount: u64) -> bool {
        self.apply(|balance| balance.checked_sub(amount))
    }
}

fn main() {}
