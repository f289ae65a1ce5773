use super::support::quiet::{self, Window};
use super::support::{Gate, Latch, RankedEndProbe, Rng, TargetFirst, ThreadIds, lock, within};
use exercise::Survey;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
type Measure = fn(&[u64], usize) -> u64;
type Combine = fn(u64, u64) -> u64;
const _: fn(Vec<u64>, usize, Measure, Combine) -> Survey = Survey::start::<Measure, Combine>;
const _: fn(Survey) -> u64 = Survey::finish;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "Survey::start/finish did not return: is a lock never released, or a worker waiting for \
     something that never comes?";

// A global allocator that notices when one watched buffer (the readings'
// heap buffer) is freed.
struct Watch;

static WATCHED: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicBool = AtomicBool::new(false);

// SAFETY: every call goes to the system allocator unchanged.
unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr as usize == WATCHED.load(Ordering::SeqCst) {
            FREED.store(true, Ordering::SeqCst);
        }
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        if ptr as usize == WATCHED.load(Ordering::SeqCst) {
            FREED.store(true, Ordering::SeqCst);
        }
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOC: Watch = Watch;

// A combining function. Each is commutative and
// associative, so the total does not depend on the order of the updates.
#[derive(Clone, Copy, Debug)]
enum Fold {
    Add,
    Xor,
    Max,
    AddTimes(u64),
}

impl Fold {
    fn apply(self, total: u64, value: u64) -> u64 {
        match self {
            Fold::Add => total.wrapping_add(value),
            Fold::Xor => total ^ value,
            Fold::Max => total.max(value),
            Fold::AddTimes(k) => total.wrapping_add(value.wrapping_mul(k)),
        }
    }
}

struct Probe {
    gate: Gate,
    // (thread, address of the readings, index) for every measure() call
    calls: Mutex<Vec<(ThreadId, usize, usize)>>,
}

struct Report {
    total: u64,
    // false: the workers and the caller never were all busy at the same time
    side_by_side: bool,
    calls: Vec<(ThreadId, usize, usize)>,
    caller: ThreadId,
}

// Runs a survey. Each worker's first measure() waits until every worker and
// the caller (after `start` returned) have arrived.
#[track_caller]
fn survey(readings: Vec<u64>, workers: usize, fold: Fold, yield_in_combine: bool) -> Report {
    // Starting over a thousand threads takes a while on a busy machine: the
    // gate waits longer then.
    let (gate_wait, limit) = if workers > 256 {
        (Duration::from_millis(1500), Duration::from_secs(4))
    } else {
        (Duration::from_secs(1), LIMIT)
    };
    within(limit, HANGS, move || {
        let probe = Arc::new(Probe {
            gate: Gate::new(workers + 1),
            calls: Mutex::new(Vec::new()),
        });
        let p = Arc::clone(&probe);
        let survey = Survey::start(
            readings,
            workers,
            move |readings: &[u64], i| {
                let me = thread::current().id();
                let first = {
                    let mut calls = lock(&p.calls);
                    let first = !calls.iter().any(|&(id, _, _)| id == me);
                    calls.push((me, readings.as_ptr() as usize, i));
                    first
                };
                if first {
                    let _ = p.gate.wait(gate_wait);
                }
                readings[i]
            },
            move |total, value| {
                if yield_in_combine {
                    // Lets another worker run between reading the total and
                    // storing the new one. Harmless if the lock is held.
                    thread::yield_now();
                }
                fold.apply(total, value)
            },
        );
        let _ = probe.gate.wait(gate_wait);
        let total = survey.finish();
        let calls = lock(&probe.calls).clone();
        Report {
            total,
            side_by_side: probe.gate.timed_out().is_none(),
            calls,
            caller: thread::current().id(),
        }
    })
}

fn random_readings(rng: &mut Rng, len: usize) -> Vec<u64> {
    (0..len).map(|_| rng.range(0..1_000_000)).collect()
}

#[test]
fn start_returns_at_once_and_workers_run_side_by_side() {
    let mut rng = Rng::from_env();
    // More workers than any machine has cores and past every round number a
    // survey might be capped at (64, 128, 200, 256, 512, 1000, 1024; info.toml
    // raises the thread and memory limits); then a few. The readings are a
    // multiple of the workers, so that every way of splitting them gives
    // every worker some.
    let many = rng.range(1025..1089) as usize;
    let few = rng.range(2..9) as usize;
    for workers in [many, few] {
        let len = workers * rng.range(1..4) as usize;
        let report = survey(random_readings(&mut rng, len), workers, Fold::Add, false);
        assert!(
            report.side_by_side,
            "the {workers} workers were never all inside measure() while the caller went on after start: does \
             start wait for the workers (join), run measure() itself, start fewer threads than asked, or does a \
             worker hold a lock while measure() runs?"
        );
        let ids: ThreadIds = report.calls.iter().map(|&(id, _, _)| id).collect();
        ids.assert_caller_absent(
            report.caller,
            "measure() ran on the caller's thread, not on a worker thread",
        );
        ids.assert_distinct(
            workers,
            &format!("{workers} workers"),
            "each should run on a thread of its own",
        );
    }
}

#[test]
fn later_measures_run_side_by_side_too() {
    // Not only each worker's first measure: with two readings per worker,
    // every worker's second measure() waits until all workers are in their
    // second. A lock held while measure runs lets one in at a time.
    let mut rng = Rng::from_env();
    let workers = rng.range(2..9) as usize;
    let len = workers * 2;
    let second = Arc::new(Gate::new(workers));
    let calls: Arc<Mutex<Vec<ThreadId>>> = Arc::new(Mutex::new(Vec::new()));
    let (g, c) = (Arc::clone(&second), Arc::clone(&calls));
    let total = within(LIMIT, HANGS, move || {
        let survey = Survey::start(
            vec![1; len],
            workers,
            move |readings: &[u64], i| {
                let me = thread::current().id();
                let made = {
                    let mut calls = lock(&c);
                    calls.push(me);
                    calls.iter().filter(|&&id| id == me).count()
                };
                if made == 2 {
                    let _ = g.wait(Duration::from_secs(1));
                }
                readings[i]
            },
            |t, v| t + v,
        );
        survey.finish()
    });
    assert_eq!(total, len as u64, "{len} readings of 1");
    let calls = lock(&calls).clone();
    let threads: HashSet<ThreadId> = calls.iter().copied().collect();
    // Only where every worker measured two readings (an uneven split is
    // not wrong) must the second ones all have met.
    let two_each = threads.len() == workers
        && threads
            .iter()
            .all(|t| calls.iter().filter(|&c| c == t).count() == 2);
    if let (true, Some(arrived)) = (two_each, second.timed_out()) {
        panic!(
            "{workers} workers measured two readings each, but only {arrived} of them were inside their second \
             measure() at the same time: is the total locked while measure runs (after a worker's first reading, \
             say)? Measure first, without any lock, then lock to combine"
        );
    }
}

#[test]
fn measures_every_reading_once_and_totals_them() {
    let mut rng = Rng::from_env();
    // Every kind of combine, in a random order: a total made with `+`
    // instead of combine never matches them all.
    let mut folds = [
        Fold::Add,
        Fold::Xor,
        Fold::Max,
        Fold::AddTimes(rng.range(2..1000)),
    ];
    rng.shuffle(&mut folds);
    for fold in folds {
        let len = rng.range(1..400) as usize;
        let workers = rng.range(2..9) as usize;
        let readings = random_readings(&mut rng, len);
        let expected = readings.iter().fold(0, |t, &v| fold.apply(t, v));
        let report = survey(readings, workers, fold, false);
        let mut indexes: Vec<usize> = report.calls.iter().map(|&(_, _, i)| i).collect();
        indexes.sort();
        assert!(
            indexes == (0..len).collect::<Vec<_>>(),
            "with {len} readings and {workers} workers, every index should be measured exactly once; {} calls were \
             made, covering {} distinct indexes (are the leftovers of an uneven split dropped?)",
            indexes.len(),
            indexes.iter().collect::<HashSet<_>>().len()
        );
        assert_eq!(
            report.total, expected,
            "with {len} readings, {workers} workers and combine = {fold:?}, the total should be every value folded \
             in with combine(total, value), starting from 0 (is combine called for every value, and nothing else?)"
        );
    }
}

#[test]
fn no_update_to_the_total_is_lost() {
    let mut rng = Rng::from_env();
    let len = rng.range(300..500);
    let report = survey(vec![1; len as usize], 8, Fold::Add, true);
    assert_eq!(
        report.total,
        len,
        "{len} readings of 1 gave a total of {}: {} updates were lost. Another worker stored a total between this \
         worker's read and its write: hold one guard from reading the total until the new one is stored (and let \
         finish join every worker before it reads the total).",
        report.total,
        len - report.total.min(len)
    );
}

#[test]
fn all_workers_read_one_copy_and_it_is_freed() {
    let readings: Vec<u64> = (0..40).collect();
    WATCHED.store(readings.as_ptr() as usize, Ordering::SeqCst);
    let report = survey(readings, 4, Fold::Add, false);
    let places: HashSet<usize> = report.calls.iter().map(|&(_, place, _)| place).collect();
    assert_eq!(
        places.len(),
        1,
        "the workers read the readings at {} different addresses: each got its own deep copy. Share one copy \
         (Arc) instead.",
        places.len()
    );
    assert!(
        FREED.load(Ordering::SeqCst),
        "after finish returned, the readings had not been freed: are they leaked (Vec::leak, Box::leak, \
         mem::forget) instead of shared through an Arc that the last owner drops?"
    );
}

#[test]
fn finish_waits_for_the_slowest_worker() {
    const WORKERS: usize = 4;
    let mut rng = Rng::from_env();
    let slow_one = rng.below(WORKERS * 3);
    // First, how long does finish take when measure is instant? Then a run
    // in which one measure takes well over that: a fixed sleep in place of
    // joining is never long enough.
    let quick = within(LIMIT, HANGS, || {
        let survey = Survey::start((1..=12).collect(), WORKERS, |r, i| r[i], |t, v| t + v);
        let start = Instant::now();
        let total = survey.finish();
        assert_eq!(total, 78, "the total of 1..=12");
        start.elapsed()
    });
    let delay = quick * 2 + Duration::from_millis(40);
    let total = within(delay + LIMIT, HANGS, move || {
        let called = Arc::new(Latch::new(false));
        let c = Arc::clone(&called);
        let survey = Survey::start(
            (1..=12).collect(),
            WORKERS,
            move |r, i| {
                if i == slow_one {
                    // The slow part starts once finish has been called.
                    c.wait_until(Duration::from_secs(1), |&called| called);
                    thread::sleep(delay);
                }
                r[i]
            },
            |t, v| t + v,
        );
        called.update(|c| *c = true);
        survey.finish()
    });
    assert_eq!(
        total, 78,
        "one measure() took {delay:?} (finish took {quick:?} when measure was instant), and finish returned {total} \
         instead of 78: it read the total before that worker was done. Join every worker first (a sleep is a \
         guess, not a wait)."
    );
}

#[test]
fn finish_joins_every_worker() {
    const WORKERS: usize = 4;
    // How long finish takes with instant workers; then workers whose threads
    // take well over that to END, after their last update (a thread-local
    // dropped as each thread ends holds it). Only `join` waits for that:
    // polling is_finished, counting finished workers, or a sleep of any
    // fixed length (it is part of the first measurement) does not. One
    // survey per worker, side by side, each holding only that worker's
    // thread (ranked by the order the threads were spawned): whichever
    // worker finish leaves unjoined (the first, the last, one between), one
    // survey sees it return while that thread still holds.
    let quick = within(LIMIT, HANGS, || {
        let survey = Survey::start((1..=8).collect(), WORKERS, |r, i| r[i], |t, v| t + v);
        let start = Instant::now();
        let total = survey.finish();
        assert_eq!(total, 36, "the total of 1..=8");
        start.elapsed()
    });
    let probes: Vec<&'static RankedEndProbe> = (0..WORKERS)
        .map(|rank| RankedEndProbe::new(quick, rank))
        .collect();
    let limit = probes[0].limit();
    let runs = within(limit, HANGS, move || {
        let runs: Vec<_> = probes
            .into_iter()
            .map(|probe| {
                thread::spawn(move || {
                    // Every worker arms (in its first measure) before any of
                    // them ends.
                    let gate = Arc::new(Gate::new(WORKERS));
                    let first = TargetFirst::new(probe.target());
                    let survey = Survey::start(
                        (1..=8).collect(),
                        WORKERS,
                        move |readings, i| {
                            if !ARMED.replace(true) {
                                first.enter();
                                probe.arm();
                                let _ = gate.wait(Duration::from_secs(1));
                            }
                            readings[i]
                        },
                        |t, v| t + v,
                    );
                    let total = survey.finish();
                    (total, probe.returned(), probe.target())
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (total, (armed, ended), target) in runs {
        assert_eq!(total, 36, "the total of 1..=8");
        assert!(
            ended == armed,
            "finish returned while {} of the {armed} worker threads was still running (the one started {}: its \
             work was done, the thread had not ended yet): join every worker (JoinHandle::join); polling \
             is_finished, counting finished workers, or a sleep does not wait for the threads",
            armed - ended,
            ordinal(target)
        );
    }
}

thread_local! {
    static ARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

// "1st", "2nd", ... for the thread started `rank`-th (counting from 0).
fn ordinal(rank: usize) -> String {
    let n = rank + 1;
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[test]
fn waiting_threads_block_instead_of_spinning() {
    const WORKERS: usize = 16;
    let measured = Arc::new(Mutex::new(None));
    let m = Arc::clone(&measured);
    let total = within(Duration::from_secs(3), HANGS, move || {
        let measures = Arc::new(Latch::new(0));
        let ms = Arc::clone(&measures);
        let first = Arc::new(AtomicBool::new(true));
        let survey = Survey::start(
            vec![1; WORKERS],
            WORKERS,
            move |r, i| {
                ms.update(|n| *n += 1);
                r[i]
            },
            move |t, v| {
                if first.swap(false, Ordering::SeqCst) {
                    // The first update (under the total's lock, if the
                    // update is one step): every other worker has measured
                    // and can only wait for the lock, the caller in finish
                    // can only wait for the workers. Blocked threads use no
                    // CPU and make no context switches; a thread that tries
                    // again and again (try_lock, is_finished, with or without
                    // a sleep) shows in every window.
                    measures.wait_until(Duration::from_millis(500), |&n| n == WORKERS);
                    thread::sleep(Duration::from_millis(10));
                    *lock(&m) = Some(quiet::wait_until_quiet());
                }
                t + v
            },
        );
        survey.finish()
    });
    assert_eq!(total, WORKERS as u64, "{WORKERS} readings of 1");
    let quiet: Option<Result<(), Window>> = *lock(&measured);
    if let Some(quiet) = quiet {
        quiet::assert_quiet(
            quiet,
            &format!(
                "one worker held the total, and the other {} workers and the caller in finish",
                WORKERS - 1
            ),
            "it (lock() and join() block; try_lock or is_finished in a loop does not)",
        );
    }
}

#[test]
fn two_surveys_at_once_keep_their_own_totals() {
    // Survey A starts, then B; B finishes first, then A. Each total is its
    // own survey's (not one static total that every survey shares).
    let mut rng = Rng::from_env();
    let (a_len, b_len) = (rng.range(5..50) as usize, rng.range(5..50) as usize);
    let a_readings = random_readings(&mut rng, a_len);
    let b_readings = random_readings(&mut rng, b_len);
    let want_a: u64 = a_readings.iter().sum();
    let want_b: u64 = b_readings.iter().sum();
    let (a, b) = within(LIMIT, HANGS, move || {
        let a = Survey::start(a_readings, 3, |r, i| r[i], |t, v| t + v);
        let b = Survey::start(b_readings, 2, |r, i| r[i], |t, v| t + v);
        let b = b.finish();
        (a.finish(), b)
    });
    assert!(
        a == want_a && b == want_b,
        "two surveys ran at the same time, and their totals came out as {a} and {b} instead of {want_a} and \
         {want_b}: does every Survey keep a total of its own (a field, not one static for all surveys)?"
    );
}
