// WRONG: lets at most four readers in at once ("as many as cores")
use std::sync::{Condvar, Mutex, RwLock};

#[derive(Debug)]
pub struct Shared<T> {
    data: RwLock<T>,
    inside: Mutex<usize>,
    left: Condvar,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: RwLock::new(value),
            inside: Mutex::new(0),
            left: Condvar::new(),
        }
    }

    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        let mut inside = self
            .left
            .wait_while(self.inside.lock().unwrap(), |n| *n >= 4)
            .unwrap();
        *inside += 1;
        drop(inside);
        let result = {
            let data = self.data.read().unwrap();
            look(&data)
        };
        *self.inside.lock().unwrap() -= 1;
        self.left.notify_one();
        result
    }

    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}

fn main() {}
