// mutex3: a wallet shared by many threads.
//
// Every change to the balance goes through `apply`: it reads the balance,
// asks `change` for the new one (`None` refuses the change, for example a
// withdrawal the balance cannot cover), and stores it. Many threads call
// `apply` at once, and every call must behave as if it ran alone.
//
// With one thread at a time the wallet is right. With several at once it
// loses deposits and pays out money it does not have: the tests see a
// balance short of the deposits made, and a wallet of 100 granting more
// than three withdrawals of 30.

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
        // TODO: can another thread change the balance between this read and
        // the write below?
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
