use super::support::{
    Gate, Latch, Rng, process_cpu_time, quiet, quiet_through, thread_cpu_time, within,
};
use exercise::{count, record, take_all};

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(&str) = exercise::record;
const _: fn() -> usize = exercise::count;
const _: fn() -> Vec<String> = exercise::take_all;

const LIMIT: Duration = Duration::from_secs(2);
// How long the test watches waiting threads for wake-ups (quiet windows).
const WATCH: Duration = Duration::from_millis(480);
const HANGS: &str = "is a MutexGuard still alive while the same thread locks the log again?";

// A global allocator with probes: it counts allocations and live bytes, can
// yield at every allocation (which widens the gap of a read-copy-write done
// under two locks), and can hold one thread inside each of its allocations
// of HOLD_MIN bytes or more until the test releases it. For a `record` of a
// short event such an allocation is the log's buffer growing, made while the
// log is locked, wherever the event's own String is made; the test checks
// that the log is locked during a hold before it relies on one.
struct Probe;

static YIELDING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);
// (holds so far, holds the test has released, no more holds)
static HOLDS: Latch<(usize, usize, bool)> = Latch::new((0, 0, false));
// The size of each hold so far; a size held with the log unlocked (an
// event's own String made before locking) is not held again.
static HELD_SIZE: [AtomicUsize; TRIES] = [const { AtomicUsize::new(0) }; TRIES];
static UNLOCKED_SIZE: [AtomicUsize; TRIES] = [const { AtomicUsize::new(0) }; TRIES];
// How many holds the test looks at before it gives up finding one made
// with the log locked.
const TRIES: usize = 6;
const HOLD_MIN: usize = 32;
// The longest a held allocation waits (the test releases it sooner).
const HOLD_MAX: Duration = Duration::from_millis(1500);

thread_local! {
    // Hold this thread in its allocations of HOLD_MIN bytes or more.
    static HOLD_HERE: Cell<bool> = const { Cell::new(false) };
}

impl Probe {
    fn on_alloc(size: usize) {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        LIVE.fetch_add(size as isize, Ordering::SeqCst);
        if size >= HOLD_MIN
            && HOLD_HERE.try_with(Cell::get).unwrap_or(false)
            && UNLOCKED_SIZE.iter().all(|s| s.load(Ordering::SeqCst) != size)
        {
            let hold = HOLDS.update(|(arrived, _, over)| {
                (!*over && *arrived < TRIES).then(|| {
                    HELD_SIZE[*arrived].store(size, Ordering::SeqCst);
                    *arrived += 1;
                    *arrived
                })
            });
            if let Some(hold) = hold {
                HOLDS.wait_until(HOLD_MAX, |&(_, released, over)| over || released >= hold);
            }
        }
        if YIELDING.load(Ordering::Relaxed) {
            thread::yield_now();
            thread::yield_now();
        }
    }
}

// SAFETY: every call goes to the system allocator unchanged.
unsafe impl GlobalAlloc for Probe {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Probe::on_alloc(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        Probe::on_alloc(new);
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOC: Probe = Probe;

#[test]
fn keeps_events_in_order() {
    within(LIMIT, HANGS, || {
        let _ = take_all();
        assert_eq!(count(), 0, "count() after take_all() should be 0");
        record("one");
        record("two");
        record("three");
        assert_eq!(count(), 3, "count() after recording 3 events");
        assert_eq!(
            take_all(),
            ["one", "two", "three"],
            "take_all() should return the events oldest first"
        );
        for n in 1..=40 {
            record(&format!("event {n}"));
            assert_eq!(count(), n, "count() after recording {n} events");
        }
        let events = take_all();
        let expected: Vec<String> = (1..=40).map(|n| format!("event {n}")).collect();
        assert!(
            events == expected,
            "take_all() should return the 40 events recorded, oldest first, got {events:?}"
        );
    });
}

#[test]
fn keeps_a_long_log_whole() {
    // Thousands of events: no cap (1000, 1024, 4096) on what the log keeps.
    let mut rng = Rng::from_env();
    let events = 4097 + rng.below(4000);
    let (counted, taken) = within(LIMIT, HANGS, move || {
        let _ = take_all();
        for n in 0..events {
            record(&format!("event {n}"));
        }
        (count(), take_all())
    });
    assert_eq!(
        counted, events,
        "count() after recording {events} events: does the log drop old events?"
    );
    let expected: Vec<String> = (0..events).map(|n| format!("event {n}")).collect();
    assert!(
        taken == expected,
        "take_all() after recording {events} events returned {} events: it should return every \
         one of them, oldest first",
        taken.len()
    );
}

#[test]
fn take_all_empties_the_log() {
    within(LIMIT, HANGS, || {
        let _ = take_all();
        record("a");
        record("b");
        assert_eq!(take_all().len(), 2);
        assert_eq!(
            count(),
            0,
            "the log still has events after take_all(): it should move them out and leave the log empty (std::mem::take)"
        );
        assert!(
            take_all().is_empty(),
            "a second take_all() returned events again: the first one copied the log instead of emptying it"
        );
        record("c");
        assert_eq!(
            take_all(),
            ["c"],
            "recording after take_all() should start a fresh log"
        );
    });
}

#[test]
fn take_all_moves_the_events_out() {
    const EVENTS: usize = 60;
    let made = within(LIMIT, HANGS, || {
        let _ = take_all();
        for n in 0..EVENTS {
            record(&format!("event {n}"));
        }
        let before = ALLOCS.load(Ordering::SeqCst);
        let events = take_all();
        let made = ALLOCS.load(Ordering::SeqCst) - before;
        assert_eq!(events.len(), EVENTS, "take_all() after {EVENTS} events");
        made
    });
    assert!(
        made <= 2,
        "take_all() made {made} allocations to hand back {EVENTS} events: it copies them (clone) instead of moving \
         the Vec out of the guard with std::mem::take. (A copy taken under one lock and a clear under another also \
         loses the events recorded in between.)"
    );
}

#[test]
fn recorded_events_are_freed_once_taken() {
    const EVENTS: usize = 100;
    let kept = within(LIMIT, HANGS, || {
        let _ = take_all();
        let text = "x".repeat(300);
        let before = LIVE.load(Ordering::SeqCst);
        for _ in 0..EVENTS {
            record(&text);
        }
        drop(take_all());
        LIVE.load(Ordering::SeqCst) - before
    });
    assert!(
        kept < 10_000,
        "{EVENTS} events of 300 bytes were recorded, taken and dropped, but {kept} bytes are still allocated: \
         are the events leaked (Box::leak, mem::forget) instead of owned by the log?"
    );
}

#[test]
fn one_log_shared_by_all_threads() {
    const THREADS: usize = 8;
    const EACH: usize = 40;
    within(LIMIT, HANGS, || {
        let _ = take_all();
        let gate = Gate::new(THREADS);
        // From here on every allocation yields to other threads: harmless
        // inside one critical section, fatal between two.
        YIELDING.store(true, Ordering::SeqCst);
        thread::scope(|s| {
            for t in 0..THREADS {
                let gate = &gate;
                s.spawn(move || {
                    // All of them record at the same time.
                    let _ = gate.wait(Duration::from_secs(1));
                    for i in 0..EACH {
                        record(&format!("t{t}-{i}"));
                    }
                });
            }
        });
        YIELDING.store(false, Ordering::SeqCst);
        let seen = count();
        assert_eq!(
            seen,
            THREADS * EACH,
            "{THREADS} other threads recorded {EACH} events each, but count() on this thread says {seen}: \
             is the log per thread (thread_local) instead of one `static` Mutex, or does record read (copy) the \
             log under one lock and store it back under another, losing what others recorded in between?"
        );
        let events = take_all();
        for t in 0..THREADS {
            let prefix = format!("t{t}-");
            let order: Vec<usize> = events
                .iter()
                .filter_map(|e| e.strip_prefix(prefix.as_str())?.parse().ok())
                .collect();
            assert_eq!(
                order,
                (0..EACH).collect::<Vec<_>>(),
                "the events thread {t} recorded should all come back once, in the order it recorded them"
            );
        }
        assert_eq!(
            events.len(),
            THREADS * EACH,
            "take_all() returned unexpected extra events"
        );
    });
}

#[test]
fn a_waiting_record_blocks_instead_of_spinning() {
    let measured = within(LIMIT, HANGS, || {
        let _ = take_all();
        // One thread records again and again. Its allocations of HOLD_MIN
        // bytes or more are held; one of them is the log's buffer growing,
        // however much room the log keeps in reserve, made with the log
        // locked. A hold is the one the test wants when a count() started
        // meanwhile has to wait for it; then 8 more records wait for it
        // while the test watches them.
        let holder = thread::spawn(|| {
            HOLD_HERE.with(|h| h.set(true));
            let mut made = 0;
            while made < 1_000_000 && !HOLDS.update(|&mut (_, _, over)| over) {
                record("held");
                made += 1;
            }
            HOLD_HERE.with(|h| h.set(false));
            made
        });
        let mut seen = 0;
        let mut locked = None;
        while seen < TRIES {
            let start = Instant::now();
            while HOLDS.update(|&mut (arrived, _, _)| arrived) == seen
                && !holder.is_finished()
                && start.elapsed() < Duration::from_secs(1)
            {
                thread::sleep(Duration::from_millis(1));
            }
            if HOLDS.update(|&mut (arrived, _, _)| arrived) == seen {
                break;
            }
            seen += 1;
            // Does count() wait for the held record? (Once the process is
            // quiet, it has had every chance to return.)
            let probe = thread::spawn(count);
            let _ = quiet::wait_until_quiet();
            if !probe.is_finished() {
                locked = Some(probe);
                break;
            }
            probe.join().unwrap();
            let size = HELD_SIZE[seen - 1].load(Ordering::SeqCst);
            UNLOCKED_SIZE[seen - 1].store(size, Ordering::SeqCst);
            HOLDS.update(|(_, released, _)| *released = seen);
        }
        let Some(probe) = locked else {
            HOLDS.update(|(_, _, over)| *over = true);
            holder.join().unwrap();
            let _ = take_all();
            return None;
        };
        let waiting: Vec<_> = (0..8).map(|_| thread::spawn(|| record("waiting"))).collect();
        let measured = cpu_beside_a_spinner(Duration::from_millis(75));
        let quiet = quiet_through::watch(WATCH);
        HOLDS.update(|(_, _, over)| *over = true);
        let made = holder.join().unwrap();
        probe.join().unwrap();
        for w in waiting {
            w.join().unwrap();
        }
        let events = take_all();
        assert_eq!(events.len(), made + 8, "{} events recorded", made + 8);
        Some((measured, quiet))
    });
    if let Some(((used, reference), quiet)) = measured {
        assert!(
            !spins(used, reference),
            "while one record held the log, 8 records waiting for it used {used:?} of CPU time (a thread spinning \
             beside them got {reference:?}): a record that waits for the lock is spinning (try_lock in a loop) \
             instead of blocking in lock()"
        );
        quiet_through::assert_quiet(quiet, "8 records", "the log, held by another record", WATCH);
    }
}

// Measuring "waits by blocking": while the code under test can only wait, a
// reference thread of the test's own spins for `span`. Returns the CPU time
// the rest of the process used meanwhile and the CPU time the reference
// got. A blocked waiter uses next to nothing; spinners get about as much as
// the reference each (the scheduler shares the CPUs fairly), however busy
// the machine is, so the comparison holds on one CPU or many, loaded or idle.
fn cpu_beside_a_spinner(span: Duration) -> (Duration, Duration) {
    let before = process_cpu_time();
    let reference = thread::spawn(move || {
        let start = thread_cpu_time();
        let until = Instant::now() + span;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        thread_cpu_time().map(|t| t.saturating_sub(start.unwrap_or_default()))
    })
    .join()
    .unwrap();
    let total = process_cpu_time().saturating_sub(before);
    match reference {
        Some(reference) => (total.saturating_sub(reference), reference),
        // No per-thread clock here: compare with the span instead.
        None => (total, span / 4),
    }
}

// True when `others` (see `cpu_beside_a_spinner`) shows spinning.
fn spins(others: Duration, reference: Duration) -> bool {
    others > reference * 2 + Duration::from_millis(5)
}

