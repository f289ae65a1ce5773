// WRONG: leaks every key it stores (Box::leak, to key the map by &'static K): keys are never dropped, not even with the cache
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::thread;

#[derive(Debug)]
pub struct Cache<K: 'static, V> {
    map: RwLock<HashMap<&'static K, V>>,
}

impl<K: Eq + Hash + 'static, V: Clone> Default for Cache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash + 'static, V: Clone> Cache<K, V> {
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
        let key: &'static K = Box::leak(Box::new(key));
        let value = compute(key);
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
