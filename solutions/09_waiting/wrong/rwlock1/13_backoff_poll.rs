// WRONG: polls try_read/try_write with exponential back-off sleeps (1 ms doubling up to 250 ms) instead of blocking: a waiter wakes again and again, and sees a free lock up to 250 ms late
use std::sync::{RwLock, TryLockError};
use std::thread;
use std::time::Duration;

#[derive(Debug)]
pub struct Shared<T> {
    data: RwLock<T>,
}

fn backoff(pause: &mut u64) {
    thread::sleep(Duration::from_millis(*pause));
    *pause = (*pause * 2).min(250);
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: RwLock::new(value),
        }
    }
    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        let mut pause = 1;
        loop {
            match self.data.try_read() {
                Ok(data) => return look(&data),
                Err(TryLockError::Poisoned(e)) => panic!("{e}"),
                Err(TryLockError::WouldBlock) => backoff(&mut pause),
            }
        }
    }
    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut pause = 1;
        loop {
            match self.data.try_write() {
                Ok(mut data) => return change(&mut data),
                Err(TryLockError::Poisoned(e)) => panic!("{e}"),
                Err(TryLockError::WouldBlock) => backoff(&mut pause),
            }
        }
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
