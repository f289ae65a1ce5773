use super::support::{
    Gate, Rng, ThreadIds, lock, process_cpu_time, quiet_through, thread_cpu_time, within,
};
use exercise::process_all;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(&Mutex<Vec<u64>>, &Mutex<Vec<u64>>, usize, fn(u64) -> u64) = exercise::process_all;

const LIMIT: Duration = Duration::from_secs(2);
// The gate of over a thousand workers: how long each waits for the others,
// and the test's limit.
const BIG_GATE_WAIT: Duration = Duration::from_millis(1500);
const BIG_LIMIT: Duration = Duration::from_secs(4);
// How long the test watches waiting threads for wake-ups (quiet windows).
const WATCH: Duration = Duration::from_millis(360);
const HANGS: &str = "process_all did not return: does a worker lock a Mutex it already holds?";

// A global allocator that can yield at every allocation: harmless inside one
// critical section, but it widens the gap of a copy-then-store-back done
// under two locks until another worker's answer falls into it.
struct Yielding;

static YIELDING: AtomicBool = AtomicBool::new(false);

// SAFETY: every call goes to the system allocator unchanged.
unsafe impl GlobalAlloc for Yielding {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if YIELDING.load(Ordering::Relaxed) {
            thread::yield_now();
        }
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        if YIELDING.load(Ordering::Relaxed) {
            thread::yield_now();
        }
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOC: Yielding = Yielding;

#[test]
fn answers_every_job_once() {
    let mut rng = Rng::from_env();
    let jobs: Vec<u64> = (0..rng.range(50..300)).map(|_| rng.range(0..1_000_000)).collect();
    let workers = rng.range(2..9) as usize;
    let salt = rng.next_u64();
    let work = move |job: u64| {
        thread::yield_now();
        job.wrapping_mul(0x9E37_79B9).rotate_left(7) ^ salt
    };
    let input = jobs.clone();
    let (inbox, mut results) = within(LIMIT, HANGS, move || {
        let inbox = Mutex::new(input);
        let results = Mutex::new(Vec::new());
        YIELDING.store(true, Ordering::SeqCst);
        process_all(&inbox, &results, workers, work);
        YIELDING.store(false, Ordering::SeqCst);
        (inbox.into_inner().unwrap(), results.into_inner().unwrap())
    });
    assert!(
        inbox.is_empty(),
        "the inbox should be empty afterwards, still holds {} jobs",
        inbox.len()
    );
    results.sort();
    let mut expected: Vec<u64> = jobs.iter().map(|&job| work(job)).collect();
    expected.sort();
    assert!(
        results.len() == expected.len(),
        "{} jobs and {workers} workers gave {} results: results should hold work(job) for every job exactly once. \
         Fewer: answers were lost (results copied under one lock and stored back under another?); more: jobs were \
         done twice.",
        expected.len(),
        results.len()
    );
    assert!(
        results == expected,
        "results should hold work(job) for every job exactly once"
    );
}

fn held<T>(lock: &Mutex<T>) -> bool {
    matches!(lock.try_lock(), Err(TryLockError::WouldBlock))
}

#[test]
fn no_lock_is_held_while_work_runs() {
    // One worker, so nothing else can hold a lock when `work` looks.
    let (inbox_held, results_held, calls) = within(LIMIT, HANGS, || {
        let inbox = Mutex::new((1..=5).collect());
        let results = Mutex::new(Vec::new());
        let seen = Mutex::new((0, 0, 0));
        process_all(&inbox, &results, 1, |job| {
            let (i, r) = (held(&inbox), held(&results));
            let mut seen = seen.lock().unwrap();
            seen.0 += usize::from(i);
            seen.1 += usize::from(r);
            seen.2 += 1;
            job
        });
        seen.into_inner().unwrap()
    });
    assert_eq!(calls, 5, "work should run once per job");
    assert!(
        inbox_held == 0,
        "the inbox was still locked while work() ran ({inbox_held} of {calls} jobs), so every other worker waited: \
         a guard made in a `while let` / `match` head lives until the end of its body. Take the job in its own \
         statement, then work."
    );
    assert!(
        results_held == 0,
        "the results list was already locked while work() ran ({results_held} of {calls} jobs): in \
         `results.lock().unwrap().push(work(job))` the guard is made before the argument runs. Compute the answer \
         first, then lock to push it."
    );
}

#[test]
fn no_lock_is_held_while_work_runs_beside_other_workers() {
    // Several workers, many jobs each: the same check for every job, not
    // only with one worker or for each worker's first job. Another worker
    // may hold a lock for a moment (to take a job or push an answer), so a
    // lock counts as held only if it stays held through several looks a
    // millisecond apart: only the worker's own guard, alive while its work
    // runs, does that.
    let mut rng = Rng::from_env();
    let workers = rng.range(2..9) as usize;
    let jobs = workers as u64 * rng.range(10..20);
    let (inbox_held, results_held, calls) = within(LIMIT, HANGS, move || {
        let inbox = Mutex::new((0..jobs).collect());
        let results = Mutex::new(Vec::new());
        let seen = Mutex::new((0, 0, 0));
        let stays_held = |lock: &Mutex<Vec<u64>>| {
            (0..5).all(|_| {
                let held = held(lock);
                thread::sleep(Duration::from_millis(1));
                held
            })
        };
        process_all(&inbox, &results, workers, |job| {
            let (i, r) = (stays_held(&inbox), stays_held(&results));
            let mut seen = seen.lock().unwrap();
            seen.0 += usize::from(i);
            seen.1 += usize::from(r);
            seen.2 += 1;
            job
        });
        seen.into_inner().unwrap()
    });
    assert_eq!(calls as u64, jobs, "work should run once per job");
    for (held, lock) in [(inbox_held, "inbox"), (results_held, "results list")] {
        assert!(
            held * 2 <= calls,
            "with {workers} workers, the {lock} stayed locked while work() ran for {held} of {calls} jobs, so the \
             other workers waited: no guard may be alive while work runs, for any job (a guard in a `while let` / \
             `match` head lives until the end of its body; in `results.lock().unwrap().push(work(job))` the guard \
             is made before the argument runs)"
        );
    }
}

#[test]
fn workers_work_side_by_side() {
    // More workers than any machine has cores, and past every round number
    // a pool of workers might be capped at (64, 128, 200, 256, 512, 1000,
    // 1024; info.toml raises the thread and memory limits), and more jobs
    // than workers: each worker's first job waits until every worker is
    // inside work(). Starting over a thousand threads takes a while on a
    // busy machine: the gate waits longer than usual.
    let mut rng = Rng::from_env();
    let workers = rng.range(1025..1089) as usize;
    let jobs = rng.range(workers as u64..workers as u64 * 3);
    let (caller, ids, blocked, answers) = within(BIG_LIMIT, HANGS, move || {
        let inbox = Mutex::new((0..jobs).collect());
        let results = Mutex::new(Vec::new());
        let gate = Gate::new(workers);
        let ids = ThreadIds::new();
        process_all(&inbox, &results, workers, |job| {
            let me = thread::current().id();
            let first = !ids.contains(me);
            ids.record();
            if first {
                let _ = gate.wait(BIG_GATE_WAIT);
            }
            job
        });
        let answers = results.into_inner().unwrap().len();
        (thread::current().id(), ids, gate.timed_out(), answers)
    });
    assert_eq!(answers as u64, jobs, "one answer per job");
    ids.assert_caller_absent(
        caller,
        "work() ran on the thread that called process_all, not on a worker",
    );
    if let Some(arrived) = blocked {
        panic!(
            "{workers} workers and {jobs} jobs, but only {arrived} workers were inside work() at the same time: the \
             others were waiting or never started. Is a guard still alive while work() runs, do the workers run \
             one after another (joined inside the spawn loop), are fewer workers started than asked, or does one \
             worker take all the jobs at once?"
        );
    }
    ids.assert_distinct(
        workers,
        &format!("the first jobs of {workers} workers"),
        "each worker should be a thread of its own",
    );
}

#[test]
fn waiting_workers_block_instead_of_spinning() {
    const WORKERS: usize = 16;
    const HOLD: Duration = Duration::from_millis(100);
    let ((inbox_phase, results_phase), answers) = within(LIMIT, HANGS, || {
        let inbox = Mutex::new((0..40).collect());
        let results = Mutex::new(Vec::new());
        let phases = thread::scope(|s| {
            // The test holds both locks while the workers start.
            let inbox_guard = lock(&inbox);
            let results_guard = lock(&results);
            s.spawn(|| process_all(&inbox, &results, WORKERS, |job| job + 1));
            // Let the workers start and reach the inbox.
            thread::sleep(Duration::from_millis(20));
            // Phase 1: the workers can only wait for the inbox.
            let inbox_phase = (cpu_beside_a_spinner(HOLD), quiet_through::watch(WATCH));
            drop(inbox_guard);
            thread::sleep(Duration::from_millis(20));
            // Phase 2: jobs taken, work done; they can only wait to push.
            let results_phase = (cpu_beside_a_spinner(HOLD), quiet_through::watch(WATCH));
            drop(results_guard);
            (inbox_phase, results_phase)
        });
        (phases, results.into_inner().unwrap().len())
    });
    assert_eq!(answers, 40, "one answer per job");
    for (((used, reference), quiet), lock) in [(inbox_phase, "inbox"), (results_phase, "results")] {
        assert!(
            !spins(used, reference),
            "while the test held the {lock} lock, {WORKERS} workers waiting for it used {used:?} of CPU time (a \
             thread spinning beside them got {reference:?}): they spin (try_lock in a loop) instead of blocking in \
             lock()"
        );
        quiet_through::assert_quiet(
            quiet,
            &format!("{WORKERS} workers"),
            &format!("the {lock} lock, held by the test"),
            WATCH,
        );
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
