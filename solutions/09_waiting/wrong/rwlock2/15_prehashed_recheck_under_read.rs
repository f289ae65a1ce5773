// WRONG: checks again under a second read lock and then inserts under the write lock without looking (the known race: two threads can both pass the second check and both compute), disguised by hashing each key once, outside the locks, so the map never hashes the key while a lock is held
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::RwLock;
use std::thread;

#[derive(Default)]
pub struct PassThrough(u64);
impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub struct Prehashed<K> {
    hash: u64,
    key: K,
}
impl<K> Hash for Prehashed<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash)
    }
}
impl<K: Eq> PartialEq for Prehashed<K> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.key == other.key
    }
}
impl<K: Eq> Eq for Prehashed<K> {}

pub struct Cache<K, V> {
    hasher: RandomState,
    map: RwLock<HashMap<Prehashed<K>, V, BuildHasherDefault<PassThrough>>>,
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
            map: RwLock::new(HashMap::default()),
        }
    }
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        let key = Prehashed {
            hash: self.hasher.hash_one(&key),
            key,
        };
        if let Some(value) = self.map.read().unwrap().get(&key) {
            return value.clone();
        }
        // Someone may have stored it meanwhile: look again.
        if let Some(value) = self.map.read().unwrap().get(&key) {
            return value.clone();
        }
        let mut map = self.map.write().unwrap();
        let value = compute(&key.key);
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
