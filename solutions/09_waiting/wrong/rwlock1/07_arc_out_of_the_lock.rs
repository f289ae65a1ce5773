// WRONG: readers take an Arc out of a Mutex and look outside the lock; the writer spins until it holds the only Arc
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Debug)]
pub struct Shared<T> {
    data: Mutex<Arc<T>>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: Mutex::new(Arc::new(value)),
        }
    }

    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        let data = Arc::clone(&self.data.lock().unwrap());
        look(&data)
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.lock().unwrap();
        loop {
            if let Some(value) = Arc::get_mut(&mut data) {
                return change(value);
            }
            thread::yield_now();
        }
    }
}

fn main() {}
