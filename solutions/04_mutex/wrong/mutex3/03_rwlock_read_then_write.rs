// WRONG: reads under an RwLock read guard, then writes under a separate write guard
use std::sync::RwLock;

#[derive(Debug)]
pub struct Wallet {
    balance: RwLock<u64>,
}

impl Wallet {
    pub fn new(balance: u64) -> Self {
        Wallet {
            balance: RwLock::new(balance),
        }
    }

    pub fn balance(&self) -> u64 {
        *self.balance.read().unwrap()
    }

    pub fn apply(&self, change: impl FnOnce(u64) -> Option<u64>) -> bool {
        let current = *self.balance.read().unwrap();
        match change(current) {
            Some(new) => {
                *self.balance.write().unwrap() = new;
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
