// WRONG: swaps the HashMap for a Vec scanned with ==, behind one Mutex held across the whole call: never hashes, so lookups never run together
use std::hash::Hash;
use std::sync::Mutex;

#[derive(Debug)]
pub struct Cache<K, V> {
    entries: Mutex<Vec<(K, V)>>,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new() -> Self {
        Cache {
            entries: Mutex::new(Vec::new()),
        }
    }

    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        let mut entries = self.entries.lock().unwrap();
        if let Some((_, value)) = entries.iter().find(|(k, _)| *k == key) {
            return value.clone();
        }
        let value = compute(&key);
        entries.push((key, value.clone()));
        value
    }
}

fn main() {}
