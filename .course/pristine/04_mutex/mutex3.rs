// mutex3: a wallet shared by many threads.
//
// Every change to the balance goes through `apply`: it reads the balance,
// asks `change` for the new one (`None` refuses the change, for example a
// withdrawal the balance cannot cover), and stores it. Each of those steps
// takes the lock, yet the wallet loses deposits and pays out money it does
// not have when several threads use it at once: between the read and the
// write the lock is free, so another thread can read the same old balance.
// Checking under one lock and acting under another is not one step.
//
// Make `apply` one step: nothing may happen to the balance between reading
// it and storing the new value.

use std::sync::Mutex;
use std::thread;

#[derive(Debug)]
pub struct Wallet {
    balance: Mutex<u64>,
}

impl Wallet {
    // Don't change this signature: the hidden tests call it.
    pub fn new(balance: u64) -> Self {
        Wallet {
            balance: Mutex::new(balance),
        }
    }

    // Don't change this signature: the hidden tests call it.
    pub fn balance(&self) -> u64 {
        *self.balance.lock().unwrap()
    }

    // Don't change this signature: the hidden tests call it.
    // Calls `change` once with the current balance. `Some(new)`: the balance
    // becomes `new` and `apply` returns true. `None`: nothing changes and
    // `apply` returns false.
    pub fn apply(&self, change: impl FnOnce(u64) -> Option<u64>) -> bool {
        // TODO: the read (check) and the write (act) each take the lock on
        // their own. Hold one guard from the read until after the write.
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

fn main() {
    let wallet = Wallet::new(100);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let paid = wallet.withdraw(30);
                println!("withdraw 30: {paid}");
            });
        }
    });
    println!("balance {}", wallet.balance());
}
