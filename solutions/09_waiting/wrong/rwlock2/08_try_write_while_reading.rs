// WRONG: keeps the read guard and retries try_write in a loop: its own read lock never lets it in
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

#[derive(Debug)]
pub struct Cache<K, V> {
    map: RwLock<HashMap<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new() -> Self {
        Cache {
            map: RwLock::new(HashMap::new()),
        }
    }

    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        let map = self.map.read().unwrap();
        if let Some(value) = map.get(&key) {
            return value.clone();
        }
        loop {
            if let Ok(mut map) = self.map.try_write() {
                return map.entry(key).or_insert_with_key(compute).clone();
            }
            std::thread::yield_now();
        }
    }
}

fn main() {}
