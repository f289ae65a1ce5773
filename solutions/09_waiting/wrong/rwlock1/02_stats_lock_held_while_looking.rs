// WRONG: counts reads under a Mutex whose guard lives while `look` runs, so readers queue on it
use std::sync::{Mutex, RwLock};

#[derive(Debug)]
pub struct Shared<T> {
    data: RwLock<T>,
    reads: Mutex<u64>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: RwLock::new(value),
            reads: Mutex::new(0),
        }
    }

    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        let mut reads = self.reads.lock().unwrap();
        *reads += 1;
        let data = self.data.read().unwrap();
        look(&data)
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}

fn main() {}
