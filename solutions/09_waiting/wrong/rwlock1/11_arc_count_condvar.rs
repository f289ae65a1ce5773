// WRONG: no RwLock at all (the lesson): readers clone an Arc out of a Mutex and look outside any lock; the writer holds the Mutex and sleeps on a Condvar until it owns the only Arc. Writers starve under steady reads, and a `look` that panics never notifies, so a waiting writer sleeps forever
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

#[derive(Debug)]
pub struct Shared<T> {
    data: Mutex<Arc<T>>,
    released: Condvar,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: Mutex::new(Arc::new(value)),
            released: Condvar::new(),
        }
    }
    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        let mine = Arc::clone(&self.data.lock().unwrap());
        let result = look(&mine);
        drop(mine);
        drop(self.data.lock().unwrap());
        self.released.notify_all();
        result
    }
    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let mut data = self.data.lock().unwrap();
        while Arc::strong_count(&data) > 1 {
            data = self.released.wait(data).unwrap();
        }
        let value = Arc::get_mut(&mut data).expect("only Arc");
        change(value)
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
