// WRONG: computes with no lock held, then inserts only if absent: the value stored is one, but compute runs in every thread that missed
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
        let value = compute(&key);
        let mut map = self.map.write().unwrap();
        map.entry(key).or_insert(value).clone()
    }
}

fn main() {}
