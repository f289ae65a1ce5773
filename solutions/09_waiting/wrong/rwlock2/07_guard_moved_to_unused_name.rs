// WRONG: `let _unused = map;` (what the compiler suggests for `let _ = map;`) only moves the read guard to another name; the write lock still waits for it
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
        let _unused = map;
        let mut map = self.map.write().unwrap();
        map.entry(key).or_insert_with_key(compute).clone()
    }
}

fn main() {}
