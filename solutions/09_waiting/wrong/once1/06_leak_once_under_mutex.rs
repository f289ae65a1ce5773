// WRONG: makes the value once under a Mutex (poison handled) but leaks it to hand out a reference, so it is never dropped
use std::sync::Mutex;

#[derive(Debug)]
pub struct Lazy<T: 'static> {
    slot: Mutex<Option<&'static T>>,
}

impl<T: 'static> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            slot: Mutex::new(None),
        }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = *slot {
            return value;
        }
        let value: &'static T = Box::leak(Box::new(init()));
        *slot = Some(value);
        value
    }
}

fn main() {}
