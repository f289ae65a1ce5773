// WRONG: keeps at most 16 entries and evicts one when full ("a cache must not grow forever"): with more than 16 keys in use, an evicted key is computed again, breaking "compute at most once per key"
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::thread;

const CAPACITY: usize = 16;

#[derive(Debug)]
pub struct Cache<K, V> {
    map: RwLock<HashMap<K, V>>,
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
        }
    }
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        {
            let map = self.map.read().unwrap();
            if let Some(value) = map.get(&key) {
                return value.clone();
            }
        }
        let mut map = self.map.write().unwrap();
        if let Some(value) = map.get(&key) {
            return value.clone();
        }
        if map.len() >= CAPACITY {
            let mut first = true;
            map.retain(|_, _| !std::mem::replace(&mut first, false));
        }
        let value = compute(&key);
        map.insert(key, value.clone());
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
