// WRONG: readers spin on try_read (yield_now) "so they never block", burning the CPU while a writer is inside
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
        loop {
            if let Ok(data) = self.data.try_read() {
                return look(&data);
            }
            thread::yield_now();
        }
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}

fn main() {}
