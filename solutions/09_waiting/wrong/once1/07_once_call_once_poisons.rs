// WRONG: std::sync::Once around set: exactly once and waiters block, but a panicking init poisons the Once and every later call panics
use std::sync::{Once, OnceLock};

#[derive(Debug)]
pub struct Lazy<T> {
    once: Once,
    cell: OnceLock<T>,
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            once: Once::new(),
            cell: OnceLock::new(),
        }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        self.once.call_once(|| {
            let _ = self.cell.set(init());
        });
        self.cell.get().unwrap()
    }
}

fn main() {}
