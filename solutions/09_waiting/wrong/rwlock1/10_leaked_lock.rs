// WRONG: leaks the data: the RwLock is Box::leak-ed to get a &'static, so the T inside is never dropped (a Shared dropped leaks its whole value, e.g. a routing table rebuilt per request)
use std::sync::RwLock;
use std::thread;

#[derive(Debug)]
pub struct Shared<T: 'static> {
    data: &'static RwLock<T>,
}

impl<T: 'static> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            data: Box::leak(Box::new(RwLock::new(value))),
        }
    }
    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
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
