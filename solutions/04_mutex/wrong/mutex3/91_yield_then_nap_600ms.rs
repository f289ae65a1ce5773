// WRONG: apply tries try_lock with yields for a while, then naps 600 ms between tries instead of blocking in lock()
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

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
        let mut tries = 0;
        let mut balance = loop {
            if let Ok(guard) = self.balance.try_lock() {
                break guard;
            }
            tries += 1;
            if tries < 5000 {
                thread::yield_now();
            } else {
                thread::sleep(Duration::from_millis(600));
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

fn main() {
    let wallet = Wallet::new(100);
    println!("{}", wallet.withdraw(30));
}
