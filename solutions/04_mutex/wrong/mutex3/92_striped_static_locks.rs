// WRONG: wallets share 64 static locks picked by address: two wallets on the same stripe wait for each other (nested applies deadlock)
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

static STRIPES: [Mutex<()>; 64] = [const { Mutex::new(()) }; 64];

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

    fn stripe(&self) -> &'static Mutex<()> {
        let at = self as *const Wallet as usize;
        &STRIPES[(at >> 4) % STRIPES.len()]
    }

    pub fn balance(&self) -> u64 {
        let _guard = self.stripe().lock().unwrap();
        self.balance.load(Ordering::SeqCst)
    }

    pub fn apply(&self, change: impl FnOnce(u64) -> Option<u64>) -> bool {
        let _guard = self.stripe().lock().unwrap();
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

fn main() {
    let wallet = Wallet::new(100);
    thread::scope(|s| {
        s.spawn(|| wallet.withdraw(30));
    });
    println!("{}", wallet.balance());
}
