// WRONG: one static lock shared by every wallet: applies on two different wallets wait for each other (and one nested in another deadlocks)
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

static LOCK: Mutex<()> = Mutex::new(());

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
        let _guard = LOCK.lock().unwrap();
        self.balance.load(Ordering::SeqCst)
    }
    pub fn apply(&self, change: impl FnOnce(u64) -> Option<u64>) -> bool {
        let _guard = LOCK.lock().unwrap();
        match change(self.balance.load(Ordering::SeqCst)) {
            Some(new) => {
                self.balance.store(new, Ordering::SeqCst);
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
