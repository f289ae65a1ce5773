// WRONG: holds a Mutex across check, init and set; a panicking init poisons it, and every later call panics on unwrap
use std::sync::{Mutex, OnceLock};

#[derive(Debug)]
pub struct Lazy<T> {
    making: Mutex<()>,
    cell: OnceLock<T>,
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            making: Mutex::new(()),
            cell: OnceLock::new(),
        }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        let _making = self.making.lock().unwrap();
        if let Some(value) = self.cell.get() {
            return value;
        }
        let _ = self.cell.set(init());
        self.cell.get().unwrap()
    }
}

fn main() {}
