// WRONG: guards the balance with a hand-made spin lock (AtomicBool) that burns CPU while waiting
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static BUSY: AtomicBool = AtomicBool::new(false);

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
        while BUSY
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::hint::spin_loop();
        }
        let current = *self.balance.lock().unwrap();
        let changed = match change(current) {
            Some(new) => {
                *self.balance.lock().unwrap() = new;
                true
            }
            None => false,
        };
        BUSY.store(false, Ordering::Release);
        changed
    }

    pub fn deposit(&self, amount: u64) -> bool {
        self.apply(|balance| balance.checked_add(amount))
    }

    pub fn withdraw(&self, amount: u64) -> bool {
        self.apply(|balance| balance.checked_sub(amount))
    }
}

fn main() {}
