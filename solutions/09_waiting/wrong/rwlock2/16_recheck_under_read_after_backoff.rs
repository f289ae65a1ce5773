// WRONG: checks again under a second read lock, not the write lock, and inserts without looking; a thread that misses while another miss is in flight first sleeps 350 ms "to let it finish". Two threads still both compute whenever the first one's compute takes longer than the sleep
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

#[derive(Debug)]
pub struct Cache<K, V> {
    map: RwLock<HashMap<K, V>>,
    missing: AtomicUsize,
}

impl<K: Eq + Hash, V: Clone> Default for Cache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new() -> Self {
        Cache {
            map: RwLock::new(HashMap::new()),
            missing: AtomicUsize::new(0),
        }
    }
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        if let Some(value) = self.map.read().unwrap().get(&key) {
            return value.clone();
        }
        let others = self.missing.fetch_add(1, Ordering::SeqCst);
        if others > 0 {
            thread::sleep(Duration::from_millis(350));
        }
        if let Some(value) = self.map.read().unwrap().get(&key) {
            self.missing.fetch_sub(1, Ordering::SeqCst);
            return value.clone();
        }
        let mut map = self.map.write().unwrap();
        let value = compute(&key);
        map.insert(key, value.clone());
        self.missing.fetch_sub(1, Ordering::SeqCst);
        value
    }
}
fn main() {
    let squares: Cache<u64, u64> = Cache::new();
    thread::scope(|s| {
        for n in [3, 4, 3] {
            let squares = &squares;
            s.spawn(move || {
                let square = squares.get_or_compute(n, |&n| {
                    println!("computing {n} squared");
                    n * n
                });
                println!("{n} squared is {square}");
            });
        }
    });
}
