// rwlock2: a cache that hangs on its first miss.
//
// `Cache` remembers values that are expensive to compute (a rendered page, a
// price fetched from far away). `get_or_compute(key, compute)` returns the
// value cached for `key`; if there is none yet, it calls `compute`, stores
// what it returned and returns that. Lookups of keys already cached should
// run together, under a read lock: only a miss needs the write lock, to
// insert.
//
// `compute` is expensive: it must run at most once per key, also when two
// threads miss the same key at the same moment.
//
// The symptom: the first miss never returns.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::thread;

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
    // Don't change this signature: the hidden tests call it.
    pub fn new() -> Self {
        Cache {
            map: RwLock::new(HashMap::new()),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // The value cached for `key`, or `compute(&key)`, cached from now on.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        // Look under a read lock, in a block of its own: the read guard is
        // dropped at its end. (A thread that still holds a read lock when it
        // asks for the write lock waits for itself, forever.)
        {
            let map = self.map.read().unwrap();
            if let Some(value) = map.get(&key) {
                return value.clone();
            }
        }

        // A miss: compute the value and store it, under the write lock.
        let mut map = self.map.write().unwrap();
        // Check again: between the read guard's drop and this write lock,
        // another thread may have missed too and inserted the value. The
        // entry API looks once and computes only if the key is absent, while
        // the write lock keeps every other thread out.
        map.entry(key).or_insert_with_key(compute).clone()
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

// Known gap of the hidden tests (accepted): a miss that sleeps over a second
// before it looks again, not under the write lock, and then inserts without
// looking is not caught: the tests wait 1 s for the other thread's second
// look. Every contended miss of such a cache takes over a second.
// Also accepted: a limit on lookups at once of 1088 or more (the tests let
// 1025..1088 lookups in together, past caps at 512 or 1024: blocked threads
// are cheap, but not free), and a miss that polls try_write with sleeps of
// about a second or more.
