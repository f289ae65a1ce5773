// The hidden tests of rwlock2: a miss returns (no read-to-write upgrade
// deadlock), `compute` runs once per key (of many: nothing evicted), also
// when two threads miss the same key together, lookups of cached keys run
// together under the read lock, the values are right (keys with the same
// hash are different keys), and every key is dropped (none leaked).
//
// The tests reach inside the cache through the key. Every `Key` hashes
// alike, so the map cannot tell keys apart by their hash: it compares them
// (`PartialEq::eq`) at each lookup, under whatever lock guards it, and a
// cache that keys by the hash alone mixes up keys. `Key`'s `Hash` and `eq`
// call a hook of the test: `eq` is where a hook holds a lookup until other
// threads are inside too (a cache may hash a key outside any lock, once,
// but it can only compare it with the stored keys under the lock). An empty
// map compares nothing, so every test caches another key first. `Key` is
// neither `Clone` nor `Ord`, so the API cannot ask for more than
// `Eq + Hash`; some keys count their drops (a cache that leaks its keys).

use super::support::quiet::{Stretch, assert_quiet_stretch, own_since, own_usage, quiet_until};
use super::support::{Gate, Latch, Rng, lock, within};
use exercise::Cache;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// What the cache did with a hooked key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    // It hashed it.
    Hashed,
    // It compared it with another key.
    Compared,
}

type Hook = &'static (dyn Fn(Event) + Sync);

// A cache key: an id, a hook the cache calls each time it hashes or
// compares the key, a counter of its drops.
struct Key {
    id: u64,
    hook: Option<Hook>,
    drops: Option<&'static AtomicUsize>,
}

impl Key {
    fn plain(id: u64) -> Key {
        Key {
            id,
            hook: None,
            drops: None,
        }
    }

    fn hooked(id: u64, hook: Hook) -> Key {
        Key {
            id,
            hook: Some(hook),
            drops: None,
        }
    }

    fn counted(id: u64, drops: &'static AtomicUsize) -> Key {
        Key {
            id,
            hook: None,
            drops: Some(drops),
        }
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        if let Some(drops) = self.drops {
            drops.fetch_add(1, Ordering::SeqCst);
        }
    }
}

// The one hash of every key.
const COMMON_HASH: u64 = 0x5eed_cafe;

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Some(hook) = self.hook {
            hook(Event::Hashed);
        }
        COMMON_HASH.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        if let Some(hook) = self.hook.or(other.hook) {
            hook(Event::Compared);
        }
        self.id == other.id
    }
}

impl Eq for Key {}

// The API, pinned: a changed signature does not compile.
const _: fn() -> Cache<Key, u64> = Cache::<Key, u64>::new;
const _: fn(&Cache<Key, u64>, Key, fn(&Key) -> u64) -> u64 = Cache::<Key, u64>::get_or_compute;

const LIMIT: Duration = Duration::from_secs(3);
const WAIT: Duration = Duration::from_secs(1);
// How long a second lookup waits for the other thread's second lookup (the
// reference pays it once: its second lookup is under the write lock, and
// the other thread's cannot come). Accepted, not caught: a miss that sleeps
// longer than this before it looks again, not under the write lock (every
// contended miss then takes a second).
const PAIR_WAIT: Duration = Duration::from_secs(1);
// A thread blocked in write() uses microseconds of CPU and makes a switch or
// two (the test's gates add a few); one that tries again and again shows more.
const OWN_CPU: Duration = Duration::from_millis(20);
const OWN_SWITCHES: i64 = 10;
const HANGS: &str = "get_or_compute did not return: does it still hold the read guard when it \
                     asks for the write lock? A write lock waits until every read guard is \
                     dropped, its own thread's too (a guard moved to another name, even \
                     `_unused`, lives on)";

// The gates above sit in `Key`'s `eq`: a cache that never hashes or never
// compares its keys would slip past them.
const NEVER_HASHED: &str = "the cache did not hash the keys it looked up: keep the HashMap \
                            (the tests look inside a lookup through the key's Hash)";
const NEVER_COMPARED: &str = "the cache did not compare a key it looked up with the keys it \
                              holds (all the test's keys have the same hash): two keys with \
                              the same hash are still different keys. Keep the keys themselves \
                              in the HashMap";

// Lookups that must all be inside together: more than any cap on readers a
// source could pick (128, 256, 512, 1024), and a random number of them.
// Blocked threads cost nothing but their stacks, kept small (info.toml
// raises the thread limit). Starting that many threads takes a while on a
// loaded machine: the gate waits GATHER for them (a bound on a hang only).
const MANY_READERS: usize = 1025;
const GATHER: Duration = Duration::from_secs(3);
const READER_STACK: usize = 256 * 1024;

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

#[test]
fn a_miss_computes_and_a_hit_does_not() {
    // Many keys (a random number of them: more than a cache that keeps only
    // a few could hold), each looked up once, then all again, then at random.
    let mut rng = Rng::from_env();
    let keys = 50 + rng.below(250) as u64;
    let mut again: Vec<u64> = (0..keys).collect();
    rng.shuffle(&mut again);
    let lookups: Vec<u64> = (0..keys)
        .chain(again)
        .chain((0..20 + rng.below(30)).map(|_| rng.range(0..keys)))
        .collect();
    let salt = rng.range(1..1_000_000);
    let made = lookups.len();
    let outcome = within(LIMIT, HANGS, move || {
        let drops = leak(AtomicUsize::new(0));
        let cache = Cache::new();
        let mut computed: HashMap<u64, u64> = HashMap::new();
        let mut returned = Vec::new();
        for &id in &lookups {
            let value = cache.get_or_compute(Key::counted(id, drops), |key| {
                *computed.entry(key.id).or_insert(0) += 1;
                key.id * 1000 + salt
            });
            returned.push((id, value));
        }
        let before = drops.load(Ordering::SeqCst);
        drop(cache);
        (computed, returned, before, drops.load(Ordering::SeqCst))
    });
    let (computed, returned, dropped_before, dropped) = outcome;
    for (id, value) in returned {
        assert_eq!(
            value,
            id * 1000 + salt,
            "get_or_compute of key {id} returned {value}, but `compute` gave {} (all keys have \
             the same hash: keys with the same hash are still different keys)",
            id * 1000 + salt
        );
    }
    for (id, times) in computed {
        assert!(
            times == 1,
            "`compute` ran {times} times for key {id}, looked up again and again on one \
             thread ({keys} keys in all): a computed value must be stored, and found every \
             time after (a cache that keeps only some of its keys computes again)"
        );
    }
    assert!(
        dropped_before + keys as usize == made,
        "{made} keys were passed to get_or_compute, {keys} different ones: the cache should \
         keep one of each ({keys}) and drop the others, but {dropped_before} were dropped"
    );
    assert!(
        dropped == made,
        "{made} keys were passed to get_or_compute, and {dropped} were dropped once the cache \
         was dropped: the keys it holds should be dropped with it (are they leaked?)"
    );
}

#[test]
fn two_threads_missing_together_compute_once() {
    let mut rng = Rng::from_env();
    let other = rng.range(0..1000);
    let id = other + 1 + rng.range(0..1000);
    let base = rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        // `other` is cached, so each lookup of `id` compares it with
        // `other`. Each thread's first comparison waits until the other
        // thread makes its first too: both are inside the read section, so
        // both miss. Each thread's second comparison waits (a while) until
        // the other one makes its second: a second look that is not under
        // the write lock, both miss again.
        let first = leak(Gate::new(2));
        let second = leak(Latch::new(0_usize));
        let hashed_by = leak(Mutex::new(Vec::<ThreadId>::new()));
        let compared = leak(Mutex::new(HashMap::<ThreadId, usize>::new()));
        // The thread that watched the other wait for the write lock, and
        // what it saw.
        let watched = leak(Mutex::new(None::<(ThreadId, Stretch)>));
        let hook = leak(move |event: Event| {
            let me = thread::current().id();
            if event == Event::Hashed {
                let mut hashed_by = lock(hashed_by);
                if !hashed_by.contains(&me) {
                    hashed_by.push(me);
                }
                return;
            }
            let n = {
                let mut compared = lock(compared);
                let n = compared.entry(me).or_insert(0);
                *n += 1;
                *n
            };
            if n == 1 {
                let _ = first.wait(WAIT);
            } else if n == 2 {
                let started = Instant::now();
                if second.update(|s| {
                    *s += 1;
                    *s
                }) == 1
                {
                    // The first second look (under the write lock, in a
                    // right cache): the other thread can only wait for the
                    // write lock now. Watch it wait, blocked, for the pair
                    // wait (unless it comes here too: then it was not
                    // waiting for the write lock).
                    let stretch = quiet_until(started + PAIR_WAIT);
                    if second.update(|s| *s) < 2 {
                        *lock(watched) = Some((me, stretch));
                    }
                }
                second.wait_until(PAIR_WAIT.saturating_sub(started.elapsed()), |&s| s >= 2);
            }
        });
        let cache = Cache::new();
        cache.get_or_compute(Key::plain(other), |_| 0);
        let computed = AtomicU64::new(0);
        let (a, b, threads) = thread::scope(|s| {
            let miss = || {
                let before = own_usage();
                let value = cache.get_or_compute(Key::hooked(id, hook), |key| {
                    base + key.id * 1000 + computed.fetch_add(1, Ordering::SeqCst)
                });
                (value, thread::current().id(), own_since(before))
            };
            let a = s.spawn(miss);
            let b = s.spawn(miss);
            let (a, ta, own_a) = a.join().expect("a thread panicked");
            let (b, tb, own_b) = b.join().expect("a thread panicked");
            (a, b, [(ta, own_a), (tb, own_b)])
        });
        let later = cache.get_or_compute(Key::plain(id), |_| {
            computed.fetch_add(1, Ordering::SeqCst);
            0
        });
        let compared_by = {
            let compared = lock(compared);
            threads
                .iter()
                .filter(|t| compared.contains_key(&t.0))
                .count()
        };
        // The waiting thread's own CPU time and switches, and what the
        // watching thread saw.
        let waited = (*lock(watched)).map(|(watcher, stretch)| {
            let own = threads.iter().find(|t| t.0 != watcher).and_then(|t| t.1);
            (own, stretch)
        });
        (
            lock(hashed_by).len(),
            compared_by,
            first.timed_out(),
            computed.load(Ordering::SeqCst),
            a,
            b,
            later,
            waited,
        )
    });
    let (hashed_by, compared_by, blocked, computed, a, b, later, waited) = outcome;
    assert!(hashed_by == 2, "{NEVER_HASHED}");
    assert!(compared_by == 2, "{NEVER_COMPARED}");
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
    // A miss waits for the write lock blocked in write(): no try_write in a
    // loop (with yield_now, a spin, or a sleep between tries).
    if let Some((own, stretch)) = waited {
        if let Some((cpu, switches)) = own {
            assert!(
                cpu <= OWN_CPU && switches <= OWN_SWITCHES,
                "a miss that waited {PAIR_WAIT:?} for the write lock used {cpu:?} of CPU and \
                 was switched out {switches} times: a thread blocked in write() uses next to \
                 nothing. Does it try again and again (try_write with yield_now or a short \
                 sleep, in a loop) instead of blocking in write()?"
            );
        }
        assert_quiet_stretch(stretch, "a miss", "the write lock another miss held");
    }
}

#[test]
fn lookups_of_cached_keys_run_together() {
    // More threads than any machine has cores, and than any cap on readers
    // (a random number above 1024: the source cannot guess it), each waiting inside its lookup until every thread is
    // inside one: lookups under the write lock (or a Mutex, or a limit on
    // readers) never get there.
    let mut rng = Rng::from_env();
    let readers = MANY_READERS + rng.below(64);
    let id = rng.range(0..1000);
    let value = rng.range(1..1_000_000);
    let outcome = within(LIMIT + GATHER, HANGS, move || {
        let gate = leak(Gate::new(readers));
        let hashed = leak(AtomicUsize::new(0));
        let compared = leak(AtomicUsize::new(0));
        let hook = leak(move |event: Event| match event {
            Event::Hashed => {
                hashed.fetch_add(1, Ordering::SeqCst);
            }
            Event::Compared => {
                // Once per reader: a reader that compares again goes on.
                if compared.fetch_add(1, Ordering::SeqCst) < readers {
                    let _ = gate.wait(GATHER);
                }
            }
        });
        let cache = Cache::new();
        cache.get_or_compute(Key::plain(id), |_| value);
        let computed = AtomicU64::new(0);
        let seen: Vec<u64> = thread::scope(|s| {
            let reading: Vec<_> = (0..readers)
                .map(|_| {
                    thread::Builder::new()
                        .stack_size(READER_STACK)
                        .spawn_scoped(s, || {
                            cache.get_or_compute(Key::hooked(id, hook), |_| {
                                computed.fetch_add(1, Ordering::SeqCst);
                                0
                            })
                        })
                        .expect("the test could not start a reader thread")
                })
                .collect();
            reading
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect()
        });
        (
            hashed.load(Ordering::SeqCst),
            compared.load(Ordering::SeqCst),
            gate.timed_out(),
            computed.load(Ordering::SeqCst),
            seen,
        )
    });
    let (hashed, compared, blocked, computed, seen) = outcome;
    assert!(hashed >= readers, "{NEVER_HASHED}");
    assert!(compared >= readers, "{NEVER_COMPARED}");
    if let Some(arrived) = blocked {
        panic!(
            "{readers} threads looked up a key that is cached, but at most {arrived} were inside \
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
