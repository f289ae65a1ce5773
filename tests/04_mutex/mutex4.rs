use super::support::{Gate, ThreadIds, within};
use exercise::process_all;

use std::thread;
use std::sync::Mutex;
use std::sync::TryLockError;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "process_all did not return: does a worker lock a Mutex it already holds?";

#[test]
fn answers_every_job_once() {
    let (inbox, mut results) = within(LIMIT, HANGS, || {
        let inbox = Mutex::new((1..=100).collect());
        let results = Mutex::new(Vec::new());
        process_all(&inbox, &results, 3, |job| job * 2);
        (inbox.into_inner().unwrap(), results.into_inner().unwrap())
    });
    assert!(
        inbox.is_empty(),
        "the inbox should be empty afterwards, still holds {inbox:?}"
    );
    results.sort();
    let expected: Vec<u64> = (1..=100).map(|job| job * 2).collect();
    assert_eq!(
        results, expected,
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
fn workers_work_side_by_side() {
    const WORKERS: usize = 4;
    let (caller, ids, blocked) = within(LIMIT, HANGS, || {
        let inbox = Mutex::new((0..WORKERS as u64).collect());
        let results = Mutex::new(Vec::new());
        // `timed_out()`: how many workers were inside work at once when the gate gave up.
        let gate = Gate::new(WORKERS);
        let ids = ThreadIds::new();
        process_all(&inbox, &results, WORKERS, |job| {
            let _ = gate.wait(Duration::from_secs(1));
            ids.record();
            job
        });
        (thread::current().id(), ids, gate.timed_out())
    });
    if let Some(arrived) = blocked {
        panic!(
            "{WORKERS} workers and {WORKERS} jobs, but only {arrived} of them were inside work() at the same time: \
             the others were waiting. Is a guard still alive while work() runs, or do the workers run one after \
             another (joined inside the spawn loop)?"
        );
    }
    ids.assert_caller_absent(
        caller,
        "work() ran on the thread that called process_all, not on a worker",
    );
    ids.assert_distinct(
        WORKERS,
        &format!("the {WORKERS} jobs"),
        "each should run on a worker thread of its own",
    );
}
