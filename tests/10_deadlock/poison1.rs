use super::support::quiet::{assert_quiet_stretch, own_since, own_usage, quiet_until};
use super::support::{Rng, panic_message, within};
use exercise::Store;

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::sync::{Arc, Once, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Books) -> Store<Books> = Store::<Books>::new;
const _: fn(&Store<Books>, fn(&mut Books)) = Store::<Books>::update;
const _: fn(&Store<Books>) -> Books = Store::<Books>::get;
const _: fn(Vec<u64>) -> Store<Vec<u64>> = Store::<Vec<u64>>::new;
const _: fn(&Store<Vec<u64>>, fn(&mut Vec<u64>)) = Store::<Vec<u64>>::update;
const _: fn(&Store<Vec<u64>>) -> Vec<u64> = Store::<Vec<u64>>::get;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "a call on the store never returned: does it wait for a lock that a failed \
                     change left behind, or retry in a loop until the lock is not poisoned?";

// Two pots of money and a count of finished moves: whatever a move does,
// `left + right` stays the same once it is done. A move in the middle has
// taken from one pot and not yet put into the other.
#[derive(Clone, Debug, Default)]
struct Books {
    left: u64,
    right: u64,
    moves: u64,
}

impl Books {
    fn fields(&self) -> (u64, u64, u64) {
        (self.left, self.right, self.moves)
    }
}

// The panics the tests provoke on purpose come in three kinds (by `tag`):
// a payload of the test's own type, a message, an arithmetic overflow. A
// store that treats some panics differently from others shows it.
#[derive(Debug, PartialEq)]
struct Injected {
    tag: u64,
    step: u64,
}

const REASONS: [&str; 4] = [
    "the savings account is closed",
    "no such customer",
    "the exchange rate is not known",
    "the ledger is full",
];

thread_local! {
    // Set on a thread just before a test's change panics on purpose: the
    // panic hook keeps those quiet.
    static EXPECTED: Cell<bool> = const { Cell::new(false) };
}

// A panic of the kind `tag` picks.
fn fail_with(tag: u64, step: u64) -> ! {
    EXPECTED.set(true);
    match tag % 3 {
        0 => panic::panic_any(Injected { tag, step }),
        1 => panic!("{} (#{tag}, step {step})", REASONS[(tag / 3 % 4) as usize]),
        _ => {
            let big = std::hint::black_box(u64::MAX - step);
            let _ = big + std::hint::black_box(tag + 2);
            unreachable!("an overflow that did not panic")
        }
    }
}

// Whether a payload is the panic `fail(tag, step)` raised, as it was.
fn is_failure(payload: &Box<dyn Any + Send>, tag: u64, step: u64) -> bool {
    match tag % 3 {
        0 => payload.downcast_ref::<Injected>() == Some(&Injected { tag, step }),
        1 => {
            payload.downcast_ref::<String>().map(String::as_str)
                == Some(&format!(
                    "{} (#{tag}, step {step})",
                    REASONS[(tag / 3 % 4) as usize]
                ))
        }
        _ => payload
            .downcast_ref::<&str>()
            .is_some_and(|m| m.contains("overflow")),
    }
}

// A move of `amount` from left to right in `steps` steps of equal size (the
// last takes the rest), that panics after `fail_after` steps if that is
// below `steps`: after taking from the left, before putting into the right.
fn apply(b: &mut Books, amount: u64, steps: u64, fail_after: Option<u64>, tag: u64) {
    let each = amount / steps;
    for step in 0..steps {
        let part = if step + 1 == steps {
            amount - each * (steps - 1)
        } else {
            each
        };
        b.left -= part;
        if fail_after == Some(step) {
            fail_with(tag, step);
        }
        b.right += part;
    }
    b.moves += 1;
}

// The provoked panics would fill the output: keep them quiet, and report
// every other panic as before.
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !EXPECTED.get() {
                previous(info);
            }
        }));
    });
}

// Runs a call that should not panic; if it does, says what the panic was.
fn call<R>(what: &str, f: impl FnOnce() -> R) -> R {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            EXPECTED.set(false);
            let message = panic_message(&p);
            let why = if message.contains("Poison") {
                "the Mutex is poisoned since a change panicked while its guard was alive, and \
                 lock().unwrap() turns that into a panic, in every later call. The data is still \
                 there: a PoisonError hands the guard back"
            } else {
                "a panic of the store's own"
            };
            panic!("{what} panicked after an earlier change had failed: \"{message}\": {why}");
        }
    }
}

// Runs a change that panics; checks that the caller of update got that very
// panic.
fn failing(store: &Store<Books>, amount: u64, steps: u64, fail_after: u64, tag: u64) {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        store.update(|b| apply(b, amount, steps, Some(fail_after), tag));
    }));
    EXPECTED.set(false);
    match outcome {
        Ok(()) => panic!(
            "a change panicked, but update returned normally: the caller must learn that its \
             change failed. Let the panic go on (or resume it)"
        ),
        Err(p) => assert!(
            is_failure(&p, tag, fail_after),
            "a change panicked, but the caller of update got a different panic (\"{}\"): let the \
             change's own panic go on to the caller as it was, payload and all \
             (std::panic::resume_unwind, or no catch_unwind at all), not a new panic",
            panic_message(&p)
        ),
    }
}

fn check(store: &Store<Books>, want: (u64, u64, u64), after: &str) {
    let got = call("get()", || store.get()).fields();
    assert!(
        got == want,
        "after {after}, the store holds (left, right, moves) = {got:?}, expected {want:?}. A change \
         that panicked halfway must leave no trace: let it work on a copy, and write the copy \
         back only once the change has finished (compute, then commit)"
    );
}

#[test]
fn changes_are_applied_in_order() {
    let mut rng = Rng::from_env();
    let values: Vec<u64> = (0..rng.range(1..30)).map(|_| rng.range(0..1000)).collect();
    let start = rng.range(0..10);
    let (got, seen) = within(LIMIT, HANGS, move || {
        let store = Store::new(vec![start]);
        let mut seen = Vec::new();
        for &v in &values {
            store.update(|list| list.push(v));
            seen.push(store.get().len());
        }
        (store.get(), seen)
    });
    assert!(
        got.first() == Some(&start) && got.len() == seen.len() + 1,
        "a store made with [{start}] got {} pushes, but holds {got:?}",
        seen.len()
    );
    assert!(
        seen.iter().enumerate().all(|(i, &len)| len == i + 2),
        "get() after each push saw lengths {seen:?}: each update should be in the value at once"
    );
}

#[test]
fn a_failed_change_leaves_no_trace() {
    quiet_injected_panics();
    let mut rng = Rng::from_env();
    let left = rng.range(1000..5000);
    let amount = rng.range(10..left / 4);
    let steps = rng.range(2..6);
    let fail_after = rng.range(0..steps);
    let tag = rng.range(0..1_000_000);
    within(LIMIT, HANGS, move || {
        let store = Store::new(Books {
            left,
            right: 0,
            moves: 0,
        });
        store.update(|b| apply(b, amount, steps, None, 0));
        let before = (left - amount, amount, 1);
        check(&store, before, "one move");
        for kind in 0..3 {
            let tag = tag * 3 + kind;
            failing(&store, amount, steps, fail_after, tag);
            check(
                &store,
                before,
                &format!(
                    "a second move that panicked after {} of its {steps} steps",
                    fail_after + 1
                ),
            );
        }
    });
}

#[test]
fn the_store_works_after_failed_changes() {
    quiet_injected_panics();
    let mut rng = Rng::from_env();
    let plan: Vec<(u64, u64, Option<u64>)> = (0..rng.range(10..40))
        .map(|_| {
            let steps = rng.range(1..5);
            let fail = (rng.below(2) == 0).then(|| rng.range(0..steps));
            (rng.range(0..50), steps, fail)
        })
        .collect();
    let left = 10_000;
    within(LIMIT, HANGS, move || {
        let store = Store::new(Books {
            left,
            right: 0,
            moves: 0,
        });
        let mut model = (left, 0, 0);
        let mut failed = 0;
        for (i, &(amount, steps, fail)) in plan.iter().enumerate() {
            match fail {
                Some(after) => {
                    failing(&store, amount, steps, after, i as u64);
                    failed += 1;
                }
                None => {
                    call("update()", || {
                        store.update(|b| apply(b, amount, steps, None, i as u64))
                    });
                    model = (model.0 - amount, model.1 + amount, model.2 + 1);
                }
            }
            check(
                &store,
                model,
                &format!(
                    "{} changes of which {failed} panicked halfway (the others moved money from left \
                     to right)",
                    i + 1
                ),
            );
        }
    });
}

#[test]
fn other_threads_can_use_the_store_after_a_failed_change() {
    quiet_injected_panics();
    let mut rng = Rng::from_env();
    let amount = rng.range(1..100);
    let tag = rng.range(0..1000);
    within(LIMIT, HANGS, move || {
        let store = Arc::new(Store::new(Books {
            left: 1000,
            right: 0,
            moves: 0,
        }));
        // The change fails on a thread of its own.
        let failer = Arc::clone(&store);
        let result = thread::spawn(move || {
            failer.update(|b| apply(b, amount, 2, Some(0), tag));
        })
        .join();
        assert!(
            result.is_err(),
            "a change that panicked on another thread did not end that thread with the panic"
        );
        // Later calls, here and on other threads.
        check(
            &store,
            (1000, 0, 0),
            "a change that panicked on another thread",
        );
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let store = Arc::clone(&store);
                thread::spawn(move || {
                    call("update() on another thread", || {
                        store.update(|b| apply(b, amount, 2, None, 0))
                    })
                })
            })
            .collect();
        for w in workers {
            if let Err(p) = w.join() {
                panic::resume_unwind(p);
            }
        }
        check(
            &store,
            (1000 - 4 * amount, 4 * amount, 4),
            "a failed change, then four moves on other threads",
        );
    });
}

// Books that count how often any of them was copied.
static COPIES: AtomicUsize = AtomicUsize::new(0);

struct Busy(Books);

impl Clone for Busy {
    fn clone(&self) -> Busy {
        COPIES.fetch_add(1, Ordering::SeqCst);
        Busy(self.0.clone())
    }
}

#[test]
fn no_change_is_lost_when_threads_update_together() {
    quiet_injected_panics();
    const THREADS: usize = 8;
    let mut rng = Rng::from_env();
    let each = rng.range(30..60) as usize;
    // Which updates of which thread fail, and after which step.
    let plans: Vec<Vec<Option<u64>>> = (0..THREADS)
        .map(|_| {
            (0..each)
                .map(|_| (rng.below(4) == 0).then(|| rng.range(0..3)))
                .collect()
        })
        .collect();
    let good: u64 = plans.iter().flatten().filter(|f| f.is_none()).count() as u64;
    let left = 1_000_000;
    let got = within(LIMIT * 2, HANGS, move || {
        let store = Arc::new(Store::new(Busy(Books {
            left,
            right: 0,
            moves: 0,
        })));
        let workers: Vec<_> = plans
            .into_iter()
            .map(|plan| {
                let store = Arc::clone(&store);
                thread::spawn(move || {
                    for (n, fail) in plan.into_iter().enumerate() {
                        let tag = n as u64;
                        let run = panic::catch_unwind(AssertUnwindSafe(|| {
                            store.update(|Busy(b)| {
                                // Other threads get every chance to run in
                                // the middle of this change: to copy the
                                // value, say, if it is not locked.
                                for step in 0..3 {
                                    b.left -= 1;
                                    let copies = COPIES.load(Ordering::SeqCst);
                                    for _ in 0..100 {
                                        thread::yield_now();
                                        if COPIES.load(Ordering::SeqCst) != copies {
                                            break;
                                        }
                                    }
                                    if fail == Some(step) {
                                        fail_with(tag, step);
                                    }
                                    b.right += 1;
                                }
                                b.moves += 1;
                            })
                        }));
                        EXPECTED.set(false);
                        if let Err(p) = run
                            && !is_failure(&p, tag, fail.unwrap_or(0))
                        {
                            return Err(panic_message(&p));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            match w.join() {
                Ok(Ok(())) => {}
                Ok(Err(message)) => panic!(
                    "update() panicked in a busy store: \"{message}\": did it fail because an \
                     earlier change on another thread had panicked?"
                ),
                Err(p) => panic::resume_unwind(p),
            }
        }
        call("get()", || store.get()).0.fields()
    });
    let want = (left - 3 * good, 3 * good, good);
    assert!(
        got == want,
        "{THREADS} threads made {} changes at the same time, {good} of which finished (each moving \
         3 from left to right in 3 steps, yielding to other threads between steps) and the rest \
         panicked halfway. Expected (left, right, moves) = {want:?}, got {got:?}. Lost changes: \
         was the copy taken under one lock and written back under another? Half changes: did a \
         failed change write into the value itself?",
        THREADS * each
    );
}

// Values that count how many of them are alive (made, cloned, not dropped).
static ALIVE: AtomicIsize = AtomicIsize::new(0);

struct Tracked(Books);

impl Tracked {
    fn new(books: Books) -> Tracked {
        ALIVE.fetch_add(1, Ordering::SeqCst);
        Tracked(books)
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Tracked {
        Tracked::new(self.0.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn no_value_is_leaked() {
    // Updates, failed updates and copies; then the store is dropped: every
    // value made or copied on the way must have been dropped too.
    quiet_injected_panics();
    let mut rng = Rng::from_env();
    let plan: Vec<Option<u64>> = (0..rng.range(10..30))
        .map(|_| (rng.below(2) == 0).then(|| rng.range(0..2)))
        .collect();
    let alive = within(LIMIT, HANGS, move || {
        let store = Store::new(Tracked::new(Books {
            left: 1000,
            right: 0,
            moves: 0,
        }));
        for (i, &fail) in plan.iter().enumerate() {
            let run = panic::catch_unwind(AssertUnwindSafe(|| {
                store.update(|Tracked(b)| apply(b, 2, 2, fail, i as u64))
            }));
            EXPECTED.set(false);
            assert!(
                run.is_err() == fail.is_some(),
                "update() panicked or did not as the change did"
            );
            drop(call("get()", || store.get()));
        }
        drop(store);
        ALIVE.load(Ordering::SeqCst)
    });
    assert!(
        alive == 0,
        "after some updates (some failed) and copies, the store was dropped, but {alive} values \
         made or copied on the way were never dropped: a draft or an old value that is forgotten \
         (mem::forget, ManuallyDrop, a leak) instead of dropped leaks its memory for good"
    );
}

// How long the waiting update() and get() calls are watched (from the
// moment they should be blocked). A poller that sleeps up to about 0.7 s
// between tries wakes up in it; one sleeping longer is accepted (every
// contended call would take that long).
const QUIET_STRETCH: Duration = Duration::from_millis(1200);
// A call that only blocks uses microseconds of CPU and makes a switch or
// two; one that spins or polls for a while before it blocks shows more.
const OWN_CPU: Duration = Duration::from_millis(20);
const OWN_SWITCHES: i64 = 10;

#[test]
fn update_waits_without_spinning() {
    // One update's change stops halfway until the test lets it go on;
    // meanwhile other threads call update() and get(). They can only wait
    // for the lock: blocked, not trying again and again.
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (in_tx, in_rx) = mpsc::channel::<()>();
    let quiet = within(LIMIT * 3, HANGS, move || {
        let store = Arc::new(Store::new(Books::default()));
        let slow = {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                store.update(|b| {
                    b.moves += 1;
                    in_tx.send(()).unwrap();
                    let _ = go_rx.recv_timeout(LIMIT * 2);
                })
            })
        };
        in_rx
            .recv_timeout(LIMIT)
            .expect("the change given to update() never ran");
        // Each one's own CPU time and context switches across its call: a
        // call that blocks at once uses microseconds and makes a switch or
        // two; one that tries the lock again and again for a while before
        // it blocks (or instead) shows more, however quiet it is later.
        let others: Vec<_> = (0..3)
            .map(|k| {
                let store = Arc::clone(&store);
                thread::spawn(move || {
                    let before = own_usage();
                    if k == 0 {
                        store.get();
                    } else {
                        store.update(|b| b.moves += 1);
                    }
                    own_since(before)
                })
            })
            .collect();
        // Let them get to the lock.
        thread::sleep(Duration::from_millis(20));
        // Quiet at once, and for a long stretch: a thread that tries the
        // lock again after a sleep (even a long one) wakes up in it.
        let quiet = quiet_until(Instant::now() + QUIET_STRETCH);
        go_tx.send(()).unwrap();
        slow.join().expect("the slow update panicked");
        let own: Vec<Option<(Duration, i64)>> = others
            .into_iter()
            .map(|o| o.join().expect("an update or get panicked"))
            .collect();
        (quiet, own)
    });
    let (quiet, own) = quiet;
    for (k, own) in own.into_iter().enumerate() {
        if let Some((cpu, switches)) = own {
            let who = if k == 0 { "get()" } else { "update()" };
            assert!(
                cpu <= OWN_CPU && switches <= OWN_SWITCHES,
                "a {who} that waited for a lock held by a slow change used {cpu:?} of CPU and was \
                 switched out {switches} times: a call that blocks in lock() uses next to \
                 nothing. Does it try the lock again and again (try_lock with yield_now or a \
                 short sleep, in a loop) before or instead of blocking?"
            );
        }
    }
    assert_quiet_stretch(
        quiet,
        "two update() calls and a get()",
        "a lock held by a slow change",
    );
}

// A value whose copies fail, from the moment the test says so.
static CLONES_FAIL: AtomicBool = AtomicBool::new(false);

struct Fragile(u64);

impl Clone for Fragile {
    fn clone(&self) -> Fragile {
        if CLONES_FAIL.load(Ordering::SeqCst) {
            fail_with(0, 0);
        }
        Fragile(self.0)
    }
}

#[test]
fn a_finished_change_is_committed_without_copying() {
    // The change finishes, and only then do copies of the value start to
    // fail: the commit must be a step that cannot fail (the draft moved in),
    // not a copy of the draft into the value.
    quiet_injected_panics();
    let mut rng = Rng::from_env();
    let n = rng.range(3..20) as usize;
    let (outcome, after) = within(LIMIT, HANGS, move || {
        let store = Store::new((0..n as u64).map(Fragile).collect::<Vec<_>>());
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            store.update(|v| {
                for x in v.iter_mut() {
                    x.0 += 100;
                }
                v.push(Fragile(7));
                CLONES_FAIL.store(true, Ordering::SeqCst);
            })
        }));
        CLONES_FAIL.store(false, Ordering::SeqCst);
        EXPECTED.set(false);
        let after: Vec<u64> = call("get()", || store.get()).iter().map(|x| x.0).collect();
        (outcome.map_err(|p| panic_message(&p)), after)
    });
    if let Err(message) = outcome {
        panic!(
            "a change returned normally, but update() then panicked (\"{message}\"): it copied \
             the value (clone, clone_from) after the change had finished, and a copy can fail. \
             Commit the change by moving the draft into the value, a step that cannot panic"
        );
    }
    let want: Vec<u64> = (0..n as u64).map(|x| x + 100).chain([7]).collect();
    assert!(
        after == want,
        "after one change the store holds {after:?}, expected {want:?}"
    );
}
