// The hidden tests of once1: `init` runs once while other callers arrive
// in the middle of it (the first `init` is held, a fixed 1.5 s after they
// are calling), those callers block (no spinning, no polling, no giving up
// after a while) and return the same value, at the same address, only after
// `init` has finished, and at once then; a panicking `init` leaves nothing
// behind, so a later call succeeds, and callers that were waiting for it
// make the value themselves (one of them); two `Lazy`s make their values at
// the same time; the value is dropped exactly once, with the `Lazy`
// (nothing leaked).
//
// Waiting is checked three ways: each late caller's own CPU time and
// context switches across its call (a spin before blocking shows there),
// the whole process staying quiet through the hold (a poller that sleeps up
// to ~1.3 s between tries wakes in it), and a one-sided bound of 1 s from
// the release to the late callers' return (a blocked thread is woken in
// microseconds; a poller that sleeps over ~2.5 s comes too late). Accepted,
// not caught: a poller sleeping 1.5..2.5 s between looks, a caller that
// gives up waiting only after more than the 1.5 s hold, a spin of under
// ~20 ms of CPU before blocking (std's own locks spin a little, too).
//
// The value is a type of the test's own, neither `Clone` nor `Default`.

use super::support::quiet::{
    assert_quiet_stretch, own_since, own_usage, quiet_until, wait_until_quiet,
};
use super::support::{
    Deliberate, Gate, Latch, Rng, deliberate_panic, panic_message, within,
};
use exercise::Lazy;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

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
// How long the first `init` is held once the late callers are calling: a
// caller that gives up waiting before that and makes its own value is seen.
const HOLD: Duration = Duration::from_millis(1500);
// For the tests that hold an `init` that long.
const LONG_LIMIT: Duration = Duration::from_secs(4);
const LONG_WAIT: Duration = Duration::from_secs(3);
const HANGS: &str = "get_or_init did not return: does a caller wait for a value that never \
                     comes (after an `init` that panicked, say)?";

// ---- A long quiet stretch (support::quiet), and one thread's own wait ----

// A thread that only blocks uses microseconds of CPU and makes a switch or
// two; one that spins before it blocks (or polls) shows more.
const OWN_CPU: Duration = Duration::from_millis(20);
const OWN_SWITCHES: i64 = 10;
// One-sided: a blocked thread is woken microseconds after its release; one
// that sleeps between tries comes when its sleep ends.
const WAKE: Duration = Duration::from_secs(1);

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn address(value: &Value) -> usize {
    value as *const Value as usize
}

// What one caller got: the value's address and id, whether the first
// `init` had finished when the call returned, when it returned, and its
// own CPU time and switches during the call.
type Got = (usize, u64, bool, Instant, Option<(Duration, i64)>);

#[test]
fn init_runs_once_while_others_wait() {
    let mut rng = Rng::from_env();
    let late = 1 + rng.below(6);
    let id = rng.range(1..1_000_000);
    let outcome = within(LONG_LIMIT, HANGS, move || {
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
                    first.wait_until(LONG_WAIT, |f| f.1);
                    first.update(|f| f.2 = true);
                    Value { id, drops }
                });
                (address(value), value.id, true, Instant::now(), None)
            });
            if !first.wait_until(WAIT, |f| f.0) {
                return None;
            }
            let late_callers: Vec<_> = (0..late as u64)
                .map(|i| {
                    s.spawn(move || -> Got {
                        later.update(|l| l.0 += 1);
                        let before = own_usage();
                        let value = lazy.get_or_init(|| {
                            later.update(|l| l.1 += 1);
                            Value {
                                id: 1_000_000 + i,
                                drops,
                            }
                        });
                        let own = own_since(before);
                        let at = Instant::now();
                        let done = first.update(|f| f.2);
                        (address(value), value.id, done, at, own)
                    })
                })
                .collect();
            later.wait_until(WAIT, |l| l.0 == late);
            let arrived = Instant::now();
            // Let them reach get_or_init, then watch them wait, the whole
            // hold: a caller that does not wait, or gives up waiting, starts
            // its own `init` by its end.
            thread::sleep(Duration::from_millis(5));
            let quiet = quiet_until(arrived + HOLD);
            let rest = (arrived + HOLD).saturating_duration_since(Instant::now());
            later.wait_until(rest, |l| l.1 > 0);
            let late_inits = later.update(|l| l.1);
            let released = Instant::now();
            first.update(|f| f.1 = true);
            let mut got: Vec<Got> = vec![first_caller.join().expect("the first caller panicked")];
            for caller in late_callers {
                got.push(caller.join().expect("a late caller panicked"));
            }
            Some((late_inits, got, quiet, released))
        })
    });
    let Some((late_inits, got, quiet, released)) = outcome else {
        panic!("the first caller's `init` never ran: get_or_init should call it");
    };
    assert!(
        late_inits == 0,
        "{late} caller(s) came while the first caller's `init` was still running (it ran for \
         {HOLD:?} more), and {late_inits} of them ran an `init` of their own: looking (\"not \
         there yet\") and storing are two steps, and another caller can look in between. A \
         caller that comes while the value is being made should wait for it, however long \
         that takes"
    );
    let (first_address, _, _, _, _) = got[0];
    for (i, &(at, got_id, done, _, _)) in got.iter().enumerate() {
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
    for &(_, _, _, _, own) in &got[1..] {
        if let Some((cpu, switches)) = own {
            assert!(
                cpu <= OWN_CPU && switches <= OWN_SWITCHES,
                "a late caller used {cpu:?} of CPU and was switched out {switches} times while \
                 it waited for the first caller's `init`: a thread that blocks uses next to \
                 nothing. Does it spin (a loop on a flag, with yield_now or a short sleep) \
                 before or instead of blocking?"
            );
        }
    }
    assert_quiet_stretch(
        quiet,
        &format!("{late} caller(s)"),
        "the first caller's `init` to finish",
    );
    for &(_, _, _, returned, _) in &got[1..] {
        let delay = returned.saturating_duration_since(released);
        assert!(
            delay < WAKE,
            "a late caller returned {delay:?} after the first caller's `init` was let finish: \
             a blocked caller is woken at once. Does it sleep between looks?"
        );
    }
}

#[test]
fn callers_waiting_on_a_panicking_init_make_the_value() {
    let mut rng = Rng::from_env();
    let late = 1 + rng.below(6);
    let outcome = within(
        LIMIT,
        "callers that waited while an `init` panicked never returned: when the `init` they \
         wait for panics, nothing is stored, and one of them should make the value with its \
         own `init` (the others wait for that one). Does a waiter wait for a value that will \
         never come?",
        move || {
            let drops = leak(AtomicUsize::new(0));
            let lazy: Lazy<Value> = Lazy::new();
            // (first `init` running, first `init` told to panic)
            let first = Latch::new((false, false));
            // (late callers about to call, `init`s run by late callers)
            let later = Latch::new((0_usize, 0_usize));
            thread::scope(|s| {
                let (lazy, first, later) = (&lazy, &first, &later);
                let first_caller = s.spawn(move || {
                    lazy.get_or_init(|| {
                        first.update(|f| f.0 = true);
                        first.wait_until(WAIT, |f| f.1);
                        deliberate_panic()
                    })
                    .id
                });
                if !first.wait_until(WAIT, |f| f.0) {
                    return Err(String::from(
                        "the first caller's `init` never ran: get_or_init should call it",
                    ));
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
                            (address(value), value.id)
                        })
                    })
                    .collect();
                later.wait_until(WAIT, |l| l.0 == late);
                // Let them reach get_or_init and wait.
                thread::sleep(Duration::from_millis(5));
                let _ = wait_until_quiet();
                let early = later.update(|l| l.1);
                first.update(|f| f.1 = true);
                match first_caller.join() {
                    Ok(id) => {
                        return Err(format!(
                            "get_or_init returned a value (id {id}) although its `init` \
                             panicked: the panic should reach the caller"
                        ));
                    }
                    Err(payload) if !payload.is::<Deliberate>() => {
                        return Err(format!(
                            "get_or_init panicked with \"{}\" instead of passing on the panic \
                             of its `init`",
                            panic_message(&payload)
                        ));
                    }
                    Err(_) => {}
                }
                let mut got = Vec::new();
                for caller in late_callers {
                    match caller.join() {
                        Ok(value) => got.push(value),
                        Err(payload) => {
                            return Err(format!(
                                "a caller that waited while another caller's `init` panicked \
                                 panicked too (\"{}\"): the failed `init` stored nothing, so \
                                 one waiting caller should make the value with its own `init`",
                                panic_message(&payload)
                            ));
                        }
                    }
                }
                Ok((early, later.update(|l| l.1), got))
            })
        },
    );
    let (early, late_inits, got) = match outcome {
        Ok(outcome) => outcome,
        Err(message) => panic!("{message}"),
    };
    assert!(
        early == 0,
        "{early} of {late} late caller(s) ran an `init` of their own while the first caller's \
         was still running: they should wait for it"
    );
    assert!(
        late_inits == 1,
        "after the `init` that {late} caller(s) waited for panicked, {late_inits} of them ran \
         an `init` of their own: one should make the value, and the others wait for it"
    );
    let (first_address, first_id) = got[0];
    for &(at, id) in &got {
        assert!(
            at == first_address && id == first_id,
            "callers that waited for an `init` that panicked got different values: every \
             caller should get the one value stored"
        );
    }
}

#[test]
fn two_lazies_make_their_values_at_the_same_time() {
    // Two `Lazy`s, a caller of each, each `init` waiting until the other is
    // running too: one lock for every `Lazy` never lets them.
    let mut rng = Rng::from_env();
    let (a, b) = (rng.range(1..1_000_000), rng.range(1..1_000_000));
    let (blocked, got) = within(LIMIT, HANGS, move || {
        let drops = leak(AtomicUsize::new(0));
        let first: Lazy<Value> = Lazy::new();
        let second: Lazy<Value> = Lazy::new();
        let gate = Gate::new(2);
        let got = thread::scope(|s| {
            let callers: Vec<_> = [(&first, a), (&second, b)]
                .into_iter()
                .map(|(lazy, id)| {
                    let gate = &gate;
                    s.spawn(move || {
                        lazy.get_or_init(|| {
                            let _ = gate.wait(WAIT);
                            Value { id, drops }
                        })
                        .id
                    })
                })
                .collect();
            callers
                .into_iter()
                .map(|c| c.join().expect("a caller panicked"))
                .collect::<Vec<u64>>()
        });
        (gate.timed_out(), got)
    });
    if blocked.is_some() {
        panic!(
            "two callers called get_or_init on two different `Lazy`s, and one `init` waited \
             for the other: each `Lazy` should make its value on its own (a lock shared by \
             every `Lazy`, a `static` say, makes unrelated `init`s queue up)"
        );
    }
    assert!(
        got == [a, b],
        "get_or_init on two `Lazy`s returned the values {got:?}, expected [{a}, {b}]"
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
