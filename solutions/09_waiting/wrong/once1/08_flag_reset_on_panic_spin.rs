// WRONG: a busy flag, reset if init panics, so it recovers; but callers that come mid-init spin on the flag instead of blocking
use std::hint;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug)]
pub struct Lazy<T> {
    busy: AtomicBool,
    cell: OnceLock<T>,
}

struct Reset<'a>(&'a AtomicBool);

impl Drop for Reset<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            busy: AtomicBool::new(false),
            cell: OnceLock::new(),
        }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        let mut init = Some(init);
        loop {
            if let Some(value) = self.cell.get() {
                return value;
            }
            if !self.busy.swap(true, Ordering::SeqCst) {
                let _reset = Reset(&self.busy);
                if self.cell.get().is_none() {
                    let make = init.take().expect("init taken once");
                    let _ = self.cell.set(make());
                }
                return self.cell.get().unwrap();
            }
            hint::spin_loop();
        }
    }
}

fn main() {}
