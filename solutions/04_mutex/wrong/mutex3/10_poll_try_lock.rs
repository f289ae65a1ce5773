// WRONG: waits for the lock by trying try_lock again every millisecond instead of blocking in lock()
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
        let mut balance = loop {
            match self.balance.try_lock() {
                Ok(guard) => break guard,
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
            }
        };
        match change(*balance) {
            Some(new) => {
                *balance = new;
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
