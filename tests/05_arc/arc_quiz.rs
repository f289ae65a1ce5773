use super::support::{Gate, ThreadIds, lock, within};
use exercise::Survey;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "Survey::start/finish did not return: is a lock never released, or a worker waiting for \
     something that never comes?";

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
fn survey(readings: Vec<u64>, workers: usize, slow: bool, yield_in_combine: bool) -> Report {
    within(LIMIT, HANGS, move || {
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
                    let _ = p.gate.wait(Duration::from_secs(1));
                }
                if slow {
                    thread::sleep(Duration::from_millis(3));
                }
                readings[i]
            },
            move |total, value| {
                if yield_in_combine {
                    // Lets another worker run between reading the total and
                    // storing the new one. Harmless if the lock is held.
                    thread::yield_now();
                }
                total + value
            },
        );
        let _ = probe.gate.wait(Duration::from_secs(1));
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

#[test]
fn start_returns_at_once_and_workers_run_side_by_side() {
    let report = survey((0..30).collect(), 3, false, false);
    assert!(
        report.side_by_side,
        "the 3 workers were never all inside measure() while the caller went on after start: does start wait \
         for the workers (join), run measure() itself, or does a worker hold a lock while measure() runs?"
    );
}

#[test]
fn measures_every_reading_once_and_totals_them() {
    let report = survey((1..=300).collect(), 4, false, false);
    let mut indexes: Vec<usize> = report.calls.iter().map(|&(_, _, i)| i).collect();
    indexes.sort();
    assert_eq!(
        indexes,
        (0..300).collect::<Vec<_>>(),
        "every index of the readings should be measured exactly once"
    );
    assert_eq!(
        report.total,
        (1..=300).sum::<u64>(),
        "the total of measure() over every reading"
    );
}

#[test]
fn no_update_to_the_total_is_lost() {
    let report = survey(vec![1; 400], 4, false, true);
    assert_eq!(
        report.total,
        400,
        "400 readings of 1 gave a total of {}: {} updates were lost. Another worker stored a total between this \
         worker's read and its write: hold one guard from reading the total until the new one is stored (and let finish join every worker \
         before it reads the total).",
        report.total,
        400 - report.total.min(400)
    );
}

#[test]
fn all_workers_read_one_copy() {
    let report = survey((0..40).collect(), 4, false, false);
    let places: HashSet<usize> = report.calls.iter().map(|&(_, place, _)| place).collect();
    assert_eq!(
        places.len(),
        1,
        "the workers read the readings at {} different addresses: each got its own deep copy. Share one copy \
         (Arc) instead.",
        places.len()
    );
}

#[test]
fn every_worker_is_its_own_thread() {
    let report = survey((0..40).collect(), 4, false, false);
    let ids: ThreadIds = report.calls.iter().map(|&(id, _, _)| id).collect();
    ids.assert_caller_absent(
        report.caller,
        "measure() ran on the caller's thread, not on a worker thread",
    );
    ids.assert_distinct(4, "4 workers", "each should run on a thread of its own");
}

#[test]
fn finish_waits_for_every_worker() {
    let report = survey((1..=9).collect(), 3, true, false);
    assert_eq!(
        report.total, 45,
        "with slow workers the total was {} instead of 45: does finish read the total before joining every \
         worker?",
        report.total
    );
}
