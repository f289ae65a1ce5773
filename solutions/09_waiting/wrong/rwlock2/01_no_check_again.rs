// WRONG: drops the read guard and takes the write lock, but inserts without looking again, so two threads that missed together both compute
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
        {
            let map = self.map.read().unwrap();
            if let Some(value) = map.get(&key) {
                return value.clone();
            }
        }
        let mut map = self.map.write().unwrap();
        let value = compute(&key);
        map.insert(key, value.clone());
        value
    }
}

fn main() {}
