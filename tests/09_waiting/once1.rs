// The hidden tests of once1: `init` runs once while other callers arrive
// in the middle of it (the first `init` is held until they are calling),
// those callers block (no spinning, no polling) and return the same value,
// at the same address, only after `init` has finished; a panicking `init`
// leaves nothing behind, so a later call succeeds; the value is dropped
// exactly once, with the `Lazy` (nothing leaked).
//
// The value is a type of the test's own, neither `Clone` nor `Default`.

use super::support::quiet::{assert_quiet, wait_until_quiet};
use super::support::{Latch, Rng, panic_message, process_cpu_time, within};
use exercise::Lazy;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

// A value the test can recognise (`id`), whose drops it counts.
#[derive(Debug)]
struct Value {
    id: u64,
    drops: &'static AtomicUsize,
}

impl Drop for Value {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

// The API, pinned: a changed signature does not compile.
const _: fn() -> Lazy<Value> = Lazy::<Value>::new;
const _: for<'a> fn(&'a Lazy<Value>, fn() -> Value) -> &'a Value = Lazy::<Value>::get_or_init;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
// After that, how long it gives a caller that does not wait to start an
// `init` of its own.
const EXTRA: Duration = Duration::from_millis(200);
const HANGS: &str = "get_or_init did not return: does a caller wait for a value that never \
                     comes (after an `init` that panicked, say)?";

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn address(value: &Value) -> usize {
    value as *const Value as usize
}

// What one caller got: the value's address and id, and whether the first
// `init` had finished when the call returned.
type Got = (usize, u64, bool);

#[test]
fn init_runs_once_while_others_wait() {
    let mut rng = Rng::from_env();
    let late = 1 + rng.below(6);
    let id = rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        let drops = leak(AtomicUsize::new(0));
        let lazy: Lazy<Value> = Lazy::new();
        // (first `init` running, first `init` released, first `init` done)
        let first = Latch::new((false, false, false));
        // (late callers about to call, `init`s run by late callers)
        let later = Latch::new((0_usize, 0_usize));
        thread::scope(|s| {
            let (lazy, first, later) = (&lazy, &first, &later);
            let first_caller = s.spawn(move || {
                let value = lazy.get_or_init(|| {
                    first.update(|f| f.0 = true);
                    first.wait_until(WAIT, |f| f.1);
                    first.update(|f| f.2 = true);
                    Value { id, drops }
                });
                (address(value), value.id, true)
            });
            if !first.wait_until(WAIT, |f| f.0) {
                return None;
            }
            let late_callers: Vec<_> = (0..late as u64)
                .map(|i| {
                    s.spawn(move || {
                        later.update(|l| l.0 += 1);
                        let value = lazy.get_or_init(|| {
                            later.update(|l| l.1 += 1);
                            Value {
                                id: 1_000_000 + i,
                                drops,
                            }
                        });
                        let done = first.update(|f| f.2);
                        (address(value), value.id, done)
                    })
                })
                .collect();
            later.wait_until(WAIT, |l| l.0 == late);
            // Let them reach get_or_init, then watch them wait.
            thread::sleep(Duration::from_millis(5));
            let quiet = wait_until_quiet();
            // A caller that does not wait starts its own `init` by now.
            later.wait_until(EXTRA, |l| l.1 > 0);
            let late_inits = later.update(|l| l.1);
            first.update(|f| f.1 = true);
            let mut got: Vec<Got> = vec![first_caller.join().expect("the first caller panicked")];
            for caller in late_callers {
                got.push(caller.join().expect("a late caller panicked"));
            }
            Some((late_inits, got, quiet))
        })
    });
    let Some((late_inits, got, quiet)) = outcome else {
        panic!("the first caller's `init` never ran: get_or_init should call it");
    };
    assert!(
        late_inits == 0,
        "{late} caller(s) came while the first caller's `init` was still running, and {late_inits} \
         of them ran an `init` of their own: looking (\"not there yet\") and storing are two steps, \
         and another caller can look in between. A caller that comes while the value is being \
         made should wait for it"
    );
    let (first_address, _, _) = got[0];
    for (i, &(at, got_id, done)) in got.iter().enumerate() {
        let who = if i == 0 {
            "the first caller"
        } else {
            "a late caller"
        };
        assert!(
            got_id == id,
            "{who} got a value made by another `init` than the first caller's"
        );
        assert!(
            at == first_address,
            "{who} got a value at another address than the first caller's: every caller should \
             get the one value stored"
        );
        assert!(
            done,
            "{who} returned before the first caller's `init` had finished"
        );
    }
    assert_quiet(
        quiet,
        &format!("{late} caller(s)"),
        "the first caller's `init` to finish",
    );
}

#[test]
fn a_panicking_init_stores_nothing() {
    let mut rng = Rng::from_env();
    let id = rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        let drops = leak(AtomicUsize::new(0));
        let lazy: Lazy<Value> = Lazy::new();
        let failed = panic::catch_unwind(AssertUnwindSafe(|| {
            lazy.get_or_init(|| panic!("init failed (a panic the test provoked)"))
                .id
        }));
        if let Ok(got) = failed {
            return Err(format!(
                "get_or_init returned a value (id {got}) although its `init` panicked: the panic \
                 should reach the caller"
            ));
        }
        let inits = AtomicUsize::new(0);
        let second = panic::catch_unwind(AssertUnwindSafe(|| {
            let value = lazy.get_or_init(|| {
                inits.fetch_add(1, Ordering::SeqCst);
                Value { id, drops }
            });
            (address(value), value.id)
        }));
        let (at, got) = match second {
            Ok(got) => got,
            Err(payload) => {
                return Err(format!(
                    "after an `init` that panicked, the next call of get_or_init panicked too \
                     (\"{}\"): is a lock poisoned, or a `Once` that remembers the panic? A \
                     failed `init` should leave the value unmade, to be made by the next call",
                    panic_message(&payload)
                ));
            }
        };
        let third = lazy.get_or_init(|| {
            inits.fetch_add(1, Ordering::SeqCst);
            Value { id: id + 1, drops }
        });
        Ok((at, got, address(third), third.id, inits.into_inner()))
    });
    let (at, got, third_at, third_id, inits) = match outcome {
        Ok(outcome) => outcome,
        Err(message) => panic!("{message}"),
    };
    assert!(
        got == id,
        "after an `init` that panicked, the next call should run its own `init` and return \
         that value"
    );
    assert!(
        third_id == id && third_at == at && inits == 1,
        "once the value was made, a later call should return it again without running `init` \
         (`init` ran {inits} times)"
    );
}

#[test]
fn the_value_is_dropped_once_with_the_lazy() {
    let mut rng = Rng::from_env();
    let threads = 2 + rng.below(6);
    let calls = 1 + rng.below(20);
    let outcome = within(LIMIT, HANGS, move || {
        let drops = leak(AtomicUsize::new(0));
        let inits = AtomicUsize::new(0);
        let unused: Lazy<Value> = Lazy::new();
        let lazy: Lazy<Value> = Lazy::new();
        let addresses: Vec<usize> = thread::scope(|s| {
            let callers: Vec<_> = (0..threads as u64)
                .map(|t| {
                    let (lazy, inits) = (&lazy, &inits);
                    s.spawn(move || {
                        (0..calls)
                            .map(|_| {
                                address(lazy.get_or_init(|| {
                                    inits.fetch_add(1, Ordering::SeqCst);
                                    thread::yield_now();
                                    Value { id: t, drops }
                                }))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            callers
                .into_iter()
                .flat_map(|c| c.join().expect("a caller panicked"))
                .collect()
        });
        let before = drops.load(Ordering::SeqCst);
        drop(unused);
        drop(lazy);
        (
            addresses,
            inits.into_inner(),
            before,
            drops.load(Ordering::SeqCst),
        )
    });
    let (addresses, inits, dropped_before, dropped) = outcome;
    assert!(
        inits == 1,
        "{threads} threads called get_or_init {calls} times each, and `init` ran {inits} times: \
         it should run once, and every other call should get that value"
    );
    assert!(
        addresses.iter().all(|&a| a == addresses[0]),
        "{threads} threads called get_or_init {calls} times each and got values at different \
         addresses: every caller should get the one value stored"
    );
    assert!(
        dropped_before == 0,
        "the value was dropped while the Lazy was still in use"
    );
    assert!(
        dropped == 1,
        "the value made once was dropped {dropped} times when the Lazy was dropped: it should \
         be dropped exactly once, with the Lazy (0: it was leaked, and never freed)"
    );
}
