use super::*;

use super::support::{Gate, within};
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "sum_chunks did not return: is every thread joined exactly once?";

// What the test's `chunk_sum` records. Leaked so that the closure, which must
// be `Copy + 'static`, can reach it through a plain `&'static` reference.
struct Log {
    calls: Mutex<Vec<(ThreadId, Vec<u64>)>>,
    gate: Gate,
    gate_errors: Mutex<Vec<usize>>,
}

fn new_log(parties: usize) -> &'static Log {
    Box::leak(Box::new(Log {
        calls: Mutex::new(Vec::new()),
        gate: Gate::new(parties),
        gate_errors: Mutex::new(Vec::new()),
    }))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn sum_of_squares(chunk: &[u64]) -> u64 {
    chunk.iter().map(|x| x * x).sum()
}

#[test]
fn adds_up_what_chunk_sum_returned() {
    for (len, workers) in [(100, 4), (10, 3), (7, 7), (1, 1), (3, 5), (0, 3), (50, 1)] {
        let numbers: Vec<u64> = (1..=len).collect();
        let expected = sum_of_squares(&numbers);
        let got = within(LIMIT, HANGS, move || {
            sum_chunks(numbers, workers, sum_of_squares)
        });
        assert_eq!(
            got, expected,
            "{len} numbers, {workers} workers, chunk_sum = sum of squares: expected the sum of \
             the values chunk_sum returned, got {got}"
        );
    }
}

#[test]
fn chunks_are_contiguous_balanced_and_one_per_worker() {
    for (len, workers) in [(10, 4), (9, 4), (8, 4), (5, 5), (13, 3)] {
        let log = new_log(1);
        let numbers: Vec<u64> = (100..100 + len).collect();
        within(LIMIT, HANGS, {
            let numbers = numbers.clone();
            move || {
                sum_chunks(numbers, workers, move |chunk| {
                    lock(&log.calls).push((thread::current().id(), chunk.to_vec()));
                    0
                })
            }
        });
        let mut chunks: Vec<Vec<u64>> = lock(&log.calls).iter().map(|(_, c)| c.clone()).collect();
        assert_eq!(
            chunks.len(),
            workers,
            "{len} numbers, {workers} workers: chunk_sum was called {} times, expected once per \
             worker",
            chunks.len()
        );
        let mut sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
        sizes.sort_unstable();
        assert!(
            sizes[workers - 1] - sizes[0] <= 1,
            "{len} numbers, {workers} workers: chunk lengths {sizes:?} differ by more than one \
             (the first len % workers chunks get one number more)"
        );
        chunks.sort_by_key(|c| c.first().copied());
        let joined: Vec<u64> = chunks.concat();
        assert_eq!(
            joined, numbers,
            "{len} numbers, {workers} workers: the chunks put side by side should give back the \
             numbers, each exactly once and in order"
        );
    }
}

#[test]
fn one_thread_per_chunk_not_the_callers() {
    let log = new_log(1);
    let caller = within(LIMIT, HANGS, move || {
        sum_chunks((0..40).collect(), 4, move |chunk| {
            lock(&log.calls).push((thread::current().id(), chunk.to_vec()));
            0
        });
        thread::current().id()
    });
    let ran_on: Vec<ThreadId> = lock(&log.calls).iter().map(|(id, _)| *id).collect();
    assert!(
        !ran_on.contains(&caller),
        "chunk_sum ran on the thread that called sum_chunks: each chunk belongs on a thread of \
         its own"
    );
    let distinct: HashSet<ThreadId> = ran_on.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        4,
        "4 workers, but chunk_sum ran on {} distinct threads: spawn one thread per chunk",
        distinct.len()
    );
}

#[test]
fn workers_run_at_the_same_time() {
    // Each chunk_sum call waits (up to 1 s) at a barrier until all 4 have reached it.
    let log = new_log(4);
    let hangs = "sum_chunks took over 2 s although each worker waits at most 1 s for the others: \
                 the workers ran one after another. Are you joining each thread right after \
                 spawning it, or calling chunk_sum yourself?";
    let total = within(LIMIT, hangs, move || {
        sum_chunks((1..=40).collect(), 4, move |chunk| {
            if let Err(arrived) = log.gate.wait(GATE_WAIT) {
                lock(&log.gate_errors).push(arrived);
            }
            chunk.iter().sum()
        })
    });
    let errors = lock(&log.gate_errors).clone();
    assert!(
        errors.is_empty(),
        "the workers did not all run at the same time: workers that waited 1 s for the others \
         saw only {errors:?} of 4 running. Spawn every thread first, then join them"
    );
    assert_eq!(total, 820, "1..=40 in 4 chunks: expected a total of 820");
}
