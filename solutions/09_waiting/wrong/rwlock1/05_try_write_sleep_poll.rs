// WRONG: the writer polls try_write with a 1 ms sleep instead of blocking in write()
use std::sync::RwLock;
use std::thread;
use std::time::Duration;

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
            thread::sleep(Duration::from_millis(1));
        }
    }
}

fn main() {}
