// WRONG: write() first takes a read guard (to look before changing) and keeps it while it asks for the write lock
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
        let data = self.data.read().unwrap();
        look(&data)
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let before = self.data.read().unwrap();
        let _ = &*before;
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}

fn main() {}
