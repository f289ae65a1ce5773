// WRONG: the writer spins on try_write (yield_now) instead of blocking in write()
use std::sync::RwLock;
use std::thread;

#[derive(Debug)]
pub struct Shared<T> {
    data: RwLock<T>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: RwLock::new(value),
        }
    }

    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        let data = self.data.read().unwrap();
        look(&data)
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        loop {
            if let Ok(mut data) = self.data.try_write() {
                return change(&mut data);
            }
            thread::yield_now();
        }
    }
}

fn main() {}
