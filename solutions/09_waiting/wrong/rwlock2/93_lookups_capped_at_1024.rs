// WRONG: at most 1024 lookups under the read lock at once (a seat count in front of it): the 1025th waits for a seat although lookups of cached keys may all run together
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
use std::sync::{Condvar, Mutex, RwLock};

const SEATS: usize = 1024;

// Gives the seat back when the lookup ends, also during a panic.
struct Seat<'a> {
    taken: &'a Mutex<usize>,
    freed: &'a Condvar,
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        *self.taken.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.freed.notify_one();
    }
}
use std::thread;

#[derive(Debug)]
pub struct Cache<K, V> {
    map: RwLock<HashMap<K, V>>,
    taken: Mutex<usize>,
    freed: Condvar,
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
            taken: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // The value cached for `key`, or `compute(&key)`, cached from now on.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        // Look under a read lock, in a block of its own: the read guard is
        // dropped at its end. (A thread that still holds a read lock when it
        // asks for the write lock waits for itself, forever.)
        {
            {
                let taken = self.taken.lock().unwrap();
                let mut taken = self.freed.wait_while(taken, |t| *t >= SEATS).unwrap();
                *taken += 1;
            }
            let _seat = Seat {
                taken: &self.taken,
                freed: &self.freed,
            };
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
