// WRONG: readers take the write lock too, so they still come in one at a time
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
        let data = self.data.write().unwrap();
        look(&data)
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}

fn main() {}
