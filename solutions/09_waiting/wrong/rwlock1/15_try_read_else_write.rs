// WRONG: a reader tries try_read and, when that fails (a writer inside or waiting), queues up as a writer with write(): after every write the waiting readers come in one at a time, shutting each other out, instead of together
use std::sync::{RwLock, TryLockError};
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
        match self.data.try_read() {
            Ok(data) => look(&data),
            Err(TryLockError::WouldBlock) => {
                let data = self.data.write().unwrap();
                look(&data)
            }
            Err(TryLockError::Poisoned(e)) => panic!("{e}"),
        }
    }
    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}
fn main() {
    let prices = Shared::new(vec![120_u32, 80, 45]);
    thread::scope(|s| {
        for shop in 0..4 {
            let prices = &prices;
            s.spawn(move || {
                let total: u32 = prices.read(|p| p.iter().sum());
                println!("shop {shop} sees a total of {total}");
            });
        }
        s.spawn(|| prices.write(|p| p.push(10)));
    });
    println!("prices now: {:?}", prices.read(|p| p.clone()));
}
