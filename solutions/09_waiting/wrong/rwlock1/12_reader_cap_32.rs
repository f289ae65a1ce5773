// WRONG: lets at most 32 readers in at once (a counting semaphore in front of the read lock, sized to "more than enough"); the 33rd reader waits for a free slot although readers never need to shut each other out
use std::sync::{Condvar, Mutex, RwLock};
use std::thread;

const MAX_READERS: usize = 32;

#[derive(Debug)]
pub struct Shared<T> {
    data: RwLock<T>,
    slots: Mutex<usize>,
    freed: Condvar,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: RwLock::new(value),
            slots: Mutex::new(0),
            freed: Condvar::new(),
        }
    }
    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        {
            let mut inside = self.slots.lock().unwrap();
            while *inside >= MAX_READERS {
                inside = self.freed.wait(inside).unwrap();
            }
            *inside += 1;
        }
        let result = {
            let data = self.data.read().unwrap();
            look(&data)
        };
        *self.slots.lock().unwrap() -= 1;
        self.freed.notify_one();
        result
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
