// WRONG: at most 1024 readers inside at once (a seat count in front of the RwLock): the 1025th reader waits for a seat although readers may all share the data
use std::sync::{Condvar, Mutex, RwLock};
use std::thread;

const SEATS: usize = 1024;

#[derive(Debug)]
pub struct Shared<T> {
    data: RwLock<T>,
    taken: Mutex<usize>,
    freed: Condvar,
}

// Gives the seat back when the reader leaves, also during a panic.
struct Seat<'a> {
    taken: &'a Mutex<usize>,
    freed: &'a Condvar,
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        *self.taken.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.freed.notify_one();
    }
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: RwLock::new(value),
            taken: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        {
            let taken = self.taken.lock().unwrap();
            let mut taken = self.freed.wait_while(taken, |t| *t >= SEATS).unwrap();
            *taken += 1;
        }
        let _seat = Seat {
            taken: &self.taken,
            freed: &self.freed,
        };
        let data = self.data.read().unwrap();
        look(&data)
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
