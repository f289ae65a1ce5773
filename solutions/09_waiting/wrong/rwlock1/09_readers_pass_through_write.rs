// WRONG: each reader first takes and drops the write lock ("let writers finish first"), which waits for the readers inside
use std::sync::RwLock;

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
        drop(self.data.write().unwrap());
        let data = self.data.read().unwrap();
        look(&data)
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}

fn main() {}
