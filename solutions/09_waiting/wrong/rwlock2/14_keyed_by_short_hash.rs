// WRONG: keys the map by a 16-bit hash of the key and never compares keys with ==: two keys whose hashes collide share one entry, so a lookup returns another key's value (the Eq bound is never used)
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::RwLock;
use std::thread;

pub struct Cache<K, V> {
    hasher: RandomState,
    map: RwLock<HashMap<u16, V>>,
    _keys: std::marker::PhantomData<K>,
}

impl<K: Eq + Hash, V: Clone> Default for Cache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new() -> Self {
        Cache {
            hasher: RandomState::new(),
            map: RwLock::new(HashMap::new()),
            _keys: std::marker::PhantomData,
        }
    }
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        let short = self.hasher.hash_one(&key) as u16;
        {
            let map = self.map.read().unwrap();
            if let Some(value) = map.get(&short) {
                return value.clone();
            }
        }
        let mut map = self.map.write().unwrap();
        map.entry(short).or_insert_with(|| compute(&key)).clone()
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
