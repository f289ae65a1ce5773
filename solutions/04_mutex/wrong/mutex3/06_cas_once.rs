// WRONG: tries one compare_exchange and gives up (returns false) when another thread got in first
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub struct Wallet {
    balance: AtomicU64,
}

impl Wallet {
    pub fn new(balance: u64) -> Self {
        Wallet {
            balance: AtomicU64::new(balance),
        }
    }

    pub fn balance(&self) -> u64 {
        self.balance.load(Ordering::SeqCst)
    }

    pub fn apply(&self, change: impl FnOnce(u64) -> Option<u64>) -> bool {
        let current = self.balance.load(Ordering::SeqCst);
        match change(current) {
            Some(new) => self
                .balance
                .compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok(),
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
