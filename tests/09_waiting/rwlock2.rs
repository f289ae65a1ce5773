// The hidden tests of rwlock2: a miss returns (no read-to-write upgrade
// deadlock), `compute` runs once per key, also when two threads miss the
// same key together, lookups of cached keys run together under the read
// lock, and the values are right.
//
// The tests reach inside the cache through the key: `Key`'s `Hash` calls a
// hook of the test each time the map hashes it, that is, at every lookup
// (`get`, `entry`, `insert`, `contains_key`). A hook can hold a lookup until
// other threads are inside too. (An empty HashMap answers `get` without
// hashing, so every test caches another key first.) `Key` is neither `Clone`
// nor `Ord`, so the API cannot ask for more than `Eq + Hash`.

use super::support::{Gate, Latch, Rng, lock, within};
use exercise::Cache;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{self, ThreadId};
use std::time::Duration;

// A cache key: an id, and a hook the map calls each time it hashes the key.
struct Key {
    id: u64,
    on_hash: Option<&'static (dyn Fn() + Sync)>,
}

impl Key {
    fn plain(id: u64) -> Key {
        Key { id, on_hash: None }
    }

    fn hooked(id: u64, on_hash: &'static (dyn Fn() + Sync)) -> Key {
        Key {
            id,
            on_hash: Some(on_hash),
        }
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Some(on_hash) = self.on_hash {
            on_hash();
        }
        self.id.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.id == other.id
    }
}

impl Eq for Key {}

// The API, pinned: a changed signature does not compile.
const _: fn() -> Cache<Key, u64> = Cache::<Key, u64>::new;
const _: fn(&Cache<Key, u64>, Key, fn(&Key) -> u64) -> u64 = Cache::<Key, u64>::get_or_compute;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
// How long a second lookup waits for the other thread's second lookup.
const PAIR_WAIT: Duration = Duration::from_millis(300);
const HANGS: &str = "get_or_compute did not return: does it still hold the read guard when it \
                     asks for the write lock? A write lock waits until every read guard is \
                     dropped, its own thread's too (a guard moved to another name, even \
                     `_unused`, lives on)";

// The gates above sit in `Key::hash`: a cache that never hashes its keys
// would slip past them.
const NEVER_HASHED: &str = "the cache did not hash the keys it looked up: keep the HashMap \
                            (the tests look inside a lookup through the key's Hash)";

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

#[test]
fn a_miss_computes_and_a_hit_does_not() {
    let mut rng = Rng::from_env();
    let keys = 2 + rng.below(8);
    let lookups: Vec<u64> = (0..20 + rng.below(30))
        .map(|_| rng.below(keys) as u64)
        .collect();
    let salt = rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        let cache = Cache::new();
        let mut computed: HashMap<u64, u64> = HashMap::new();
        let mut returned = Vec::new();
        for &id in &lookups {
            let value = cache.get_or_compute(Key::plain(id), |key| {
                *computed.entry(key.id).or_insert(0) += 1;
                key.id * 1000 + salt
            });
            returned.push((id, value));
        }
        (computed, returned)
    });
    let (computed, returned) = outcome;
    for (id, value) in returned {
        assert_eq!(
            value,
            id * 1000 + salt,
            "get_or_compute of key {id} returned {value}, but `compute` gave {}",
            id * 1000 + salt
        );
    }
    for (id, times) in computed {
        assert!(
            times == 1,
            "`compute` ran {times} times for key {id}, looked up again and again on one \
             thread: a computed value must be stored and found the next time"
        );
    }
}

#[test]
fn two_threads_missing_together_compute_once() {
    let mut rng = Rng::from_env();
    let other = rng.range(0..1000);
    let id = other + 1 + rng.range(0..1000);
    let base = rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        // Each thread's first lookup of `id` waits until the other thread
        // is in its first lookup too: both are inside the read section, so
        // both miss. Each thread's second lookup waits (a while) until the
        // other one makes its second lookup: a second look that is not
        // under the write lock, both miss again.
        let first = leak(Gate::new(2));
        let second = leak(Latch::new(0_usize));
        let lookups = leak(Mutex::new(HashMap::<ThreadId, usize>::new()));
        let on_hash = leak(move || {
            let n = {
                let mut lookups = lock(lookups);
                let n = lookups.entry(thread::current().id()).or_insert(0);
                *n += 1;
                *n
            };
            if n == 1 {
                let _ = first.wait(WAIT);
            } else if n == 2 {
                second.update(|s| *s += 1);
                second.wait_until(PAIR_WAIT, |&s| s >= 2);
            }
        });
        let cache = Cache::new();
        cache.get_or_compute(Key::plain(other), |_| 0);
        let computed = AtomicU64::new(0);
        let (a, b) = thread::scope(|s| {
            let miss = || {
                cache.get_or_compute(Key::hooked(id, on_hash), |key| {
                    base + key.id * 1000 + computed.fetch_add(1, Ordering::SeqCst)
                })
            };
            let a = s.spawn(miss);
            let b = s.spawn(miss);
            (
                a.join().expect("a thread panicked"),
                b.join().expect("a thread panicked"),
            )
        });
        let later = cache.get_or_compute(Key::plain(id), |_| {
            computed.fetch_add(1, Ordering::SeqCst);
            0
        });
        (
            lock(lookups).len(),
            first.timed_out(),
            computed.load(Ordering::SeqCst),
            a,
            b,
            later,
        )
    });
    let (hashed_by, blocked, computed, a, b, later) = outcome;
    assert!(hashed_by == 2, "{NEVER_HASHED}");
    if let Some(arrived) = blocked {
        panic!(
            "two threads looked up the same key together, but only {arrived} of them was inside \
             a lookup at a time: do lookups take the write lock (or a Mutex)? Look under a read \
             lock, so that lookups run together"
        );
    }
    assert!(
        computed == 1,
        "two threads missed the same key together and `compute` ran {computed} times: after \
         the read lock is dropped and before the write lock is taken, another thread may have \
         stored the value. Check again under the write lock, and compute only if it is still \
         missing"
    );
    assert!(
        a == b && b == later,
        "two threads missing the same key together got {a} and {b}, and a later lookup got \
         {later}: every caller should get the one value stored"
    );
    assert_eq!(
        a,
        base + id * 1000,
        "the value should be what `compute` returned"
    );
}

#[test]
fn lookups_of_cached_keys_run_together() {
    // More threads than any machine has cores, each waiting inside its
    // lookup until every thread is inside one: lookups under the write
    // lock (or a Mutex) never get there.
    const READERS: usize = 32;
    let mut rng = Rng::from_env();
    let id = rng.range(0..1000);
    let value = rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        let gate = leak(Gate::new(READERS));
        let hashed = leak(AtomicU64::new(0));
        let on_hash = leak(move || {
            hashed.fetch_add(1, Ordering::SeqCst);
            let _ = gate.wait(WAIT);
        });
        let cache = Cache::new();
        cache.get_or_compute(Key::plain(id), |_| value);
        let computed = AtomicU64::new(0);
        let seen: Vec<u64> = thread::scope(|s| {
            let readers: Vec<_> = (0..READERS)
                .map(|_| {
                    s.spawn(|| {
                        cache.get_or_compute(Key::hooked(id, on_hash), |_| {
                            computed.fetch_add(1, Ordering::SeqCst);
                            0
                        })
                    })
                })
                .collect();
            readers
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect()
        });
        (
            hashed.load(Ordering::SeqCst),
            gate.timed_out(),
            computed.load(Ordering::SeqCst),
            seen,
        )
    });
    let (hashed, blocked, computed, seen) = outcome;
    assert!(hashed >= READERS as u64, "{NEVER_HASHED}");
    if let Some(arrived) = blocked {
        panic!(
            "{READERS} threads looked up a key that is cached, but at most {arrived} were inside \
             a lookup at the same time: a lookup of a cached key should need only the read \
             lock, which many threads hold together (a write lock or a Mutex lets one in at a \
             time)"
        );
    }
    assert!(
        computed == 0,
        "`compute` ran {computed} times for a key that was already cached"
    );
    for got in seen {
        assert_eq!(
            got, value,
            "a lookup of a cached key should return its value"
        );
    }
}

#[test]
fn many_threads_many_keys() {
    let mut rng = Rng::from_env();
    let threads = 2 + rng.below(6);
    let keys = 1 + rng.below(6) as u64;
    let plans: Vec<Vec<u64>> = (0..threads)
        .map(|_| {
            (0..30 + rng.below(30))
                .map(|_| rng.range(0..keys))
                .collect()
        })
        .collect();
    let outcome = within(LIMIT, HANGS, move || {
        let cache = Cache::new();
        // Each call of `compute` returns a new number, so that the test
        // sees which call's value a lookup returned.
        let counter = AtomicU64::new(1);
        let computed = Mutex::new(HashMap::<u64, u64>::new());
        let seen: Vec<Vec<(u64, u64)>> = thread::scope(|s| {
            let workers: Vec<_> = plans
                .iter()
                .map(|plan| {
                    let (cache, counter, computed) = (&cache, &counter, &computed);
                    s.spawn(move || {
                        plan.iter()
                            .map(|&id| {
                                let value = cache.get_or_compute(Key::plain(id), |key| {
                                    *lock(computed).entry(key.id).or_insert(0) += 1;
                                    thread::yield_now();
                                    counter.fetch_add(1, Ordering::SeqCst) * 100 + key.id
                                });
                                thread::yield_now();
                                (id, value)
                            })
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a thread panicked"))
                .collect()
        });
        (
            computed.into_inner().unwrap_or_else(|e| e.into_inner()),
            seen,
        )
    });
    let (computed, seen) = outcome;
    for (id, times) in &computed {
        assert!(
            *times == 1,
            "{threads} threads looked up keys 0..{keys}, and `compute` ran {times} times for \
             key {id}: a value must be computed once, then found. Between dropping the read \
             lock and getting the write lock, another thread may have stored it: check again"
        );
    }
    let mut value_of: HashMap<u64, u64> = HashMap::new();
    for (id, value) in seen.into_iter().flatten() {
        assert!(
            value % 100 == id,
            "a lookup of key {id} returned {value}, which `compute` returned for another key"
        );
        let first = *value_of.entry(id).or_insert(value);
        assert!(
            first == value,
            "lookups of key {id} returned {first} and {value}: every lookup of a key should \
             return the one value stored for it"
        );
    }
}
