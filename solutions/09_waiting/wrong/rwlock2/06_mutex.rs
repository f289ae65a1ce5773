// WRONG: a Mutex instead of the RwLock: correct values, but lookups of cached keys never run together
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

#[derive(Debug)]
pub struct Cache<K, V> {
    map: Mutex<HashMap<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new() -> Self {
        Cache {
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        let mut map = self.map.lock().unwrap();
        map.entry(key).or_insert_with_key(compute).clone()
    }
}

fn main() {}
