use exercise::run_all;

use super::support::{Gate, ThreadIds, lock, within};
use std::sync::Mutex;
use std::thread::{self, ThreadId};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "run_all did not return: is every thread joined exactly once?";

// What the test's jobs record. Leaked so that the jobs, which must be
// `Copy + 'static`, can reach it through a plain `&'static` reference.
struct Log {
    finished: Mutex<Vec<u64>>,
    ran_on: ThreadIds,
    gate: Gate,
}

fn new_log(parties: usize) -> &'static Log {
    Box::leak(Box::new(Log {
        finished: Mutex::new(Vec::new()),
        ran_on: ThreadIds::new(),
        gate: Gate::new(parties),
    }))
}

// Calls `run_all` and, on the same thread, right after it returns, takes a
// snapshot of the jobs that had finished by then.
fn run_and_snapshot<F>(
    log: &'static Log,
    inputs: &[u64],
    job: F,
    hangs: &str,
) -> (ThreadId, Vec<u64>)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    let inputs = inputs.to_vec();
    within(LIMIT, hangs, move || {
        run_all(inputs, job);
        let finished = lock(&log.finished).clone();
        (thread::current().id(), finished)
    })
}

// Every job must have been done by the time `run_all` returned.
fn assert_all_finished(mut finished: Vec<u64>, inputs: &[u64]) {
    finished.sort_unstable();
    let mut expected = inputs.to_vec();
    expected.sort_unstable();
    assert!(
        finished == expected,
        "run_all returned while jobs were still running: only {} of {} jobs had finished. \
         Threads that are not joined are abandoned when the function returns; keep each \
         JoinHandle and join it before returning",
        finished.len(),
        expected.len()
    );
}

#[test]
fn returns_only_after_every_job_finished() {
    // Three rounds; each job needs at least 15 ms.
    for _round in 0..3 {
        let log = new_log(1);
        let inputs: Vec<u64> = (1..=6).collect();
        let job = move |n| {
            thread::sleep(Duration::from_millis(15));
            lock(&log.finished).push(n);
        };
        let (_, finished) = run_and_snapshot(log, &inputs, job, HANGS);
        assert_all_finished(finished, &inputs);
    }
}

#[test]
fn waits_for_a_slow_job() {
    let log = new_log(1);
    let inputs = vec![150, 20, 30];
    let job = move |n| {
        thread::sleep(Duration::from_millis(n));
        lock(&log.finished).push(n);
    };
    let (_, finished) = run_and_snapshot(log, &inputs, job, HANGS);
    assert_all_finished(finished, &inputs);
}

#[test]
fn each_job_runs_on_its_own_thread() {
    let log = new_log(1);
    let inputs: Vec<u64> = (1..=5).collect();
    let job = move |n| {
        log.ran_on.record();
        thread::sleep(Duration::from_millis(15));
        lock(&log.finished).push(n);
    };
    let (caller, finished) = run_and_snapshot(log, &inputs, job, HANGS);
    assert_all_finished(finished, &inputs);
    log.ran_on.assert_caller_absent(
        caller,
        "a job ran on the thread that called run_all: every job belongs on a thread of its own",
    );
    log.ran_on.assert_distinct(
        inputs.len(),
        &format!("{} jobs", inputs.len()),
        "start one thread per input",
    );
}

#[test]
fn jobs_run_at_the_same_time() {
    // Each job waits (up to 1 s) at a barrier until all 4 jobs have reached it.
    let log = new_log(4);
    let inputs: Vec<u64> = (1..=4).collect();
    let job = move |n| {
        let _ = log.gate.wait(GATE_WAIT);
        thread::sleep(Duration::from_millis(15));
        lock(&log.finished).push(n);
    };
    let hangs = "run_all took over 2 s although each job waits at most 1 s for the others: \
                 the jobs ran one after another. Are you joining each thread right after \
                 spawning it, or running the jobs yourself?";
    let (_, finished) = run_and_snapshot(log, &inputs, job, hangs);
    assert_all_finished(finished, &inputs);
    if let Some(arrived) = log.gate.timed_out() {
        panic!(
            "the jobs did not all run at the same time: a job that waited 1 s for the others \
             saw only {arrived} of 4 running. Spawn every thread first, then join them"
        );
    }
}
