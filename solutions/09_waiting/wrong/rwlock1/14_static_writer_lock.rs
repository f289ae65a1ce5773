// WRONG: every write also takes one static Mutex "so that writers go one at a time": writers of different Shared values wait for each other, and a write whose change writes to another Shared deadlocks on the static lock
use std::sync::{Mutex, RwLock};
use std::thread;

static WRITERS: Mutex<()> = Mutex::new(());

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
        let _one_writer = WRITERS.lock().unwrap_or_else(|e| e.into_inner());
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
