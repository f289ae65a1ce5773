use exercise::sum_chunks;

use super::support::{Gate, ThreadIds, lock, within};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "sum_chunks did not return: is every thread joined exactly once?";

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
        // Leaked, fresh for every case, so that the closure (`Copy + 'static`)
        // can reach it.
        let calls: &'static Mutex<Vec<Vec<u64>>> = Box::leak(Box::default());
        let numbers: Vec<u64> = (100..100 + len).collect();
        within(LIMIT, HANGS, {
            let numbers = numbers.clone();
            move || {
                sum_chunks(numbers, workers, move |chunk| {
                    lock(calls).push(chunk.to_vec());
                    0
                })
            }
        });
        let mut chunks = lock(calls).clone();
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
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static RAN_ON: ThreadIds = ThreadIds::new();
    let caller = within(LIMIT, HANGS, move || {
        sum_chunks((0..40).collect(), 4, move |_| {
            RAN_ON.record();
            0
        });
        thread::current().id()
    });
    RAN_ON.assert_caller_absent(
        caller,
        "chunk_sum ran on the thread that called sum_chunks: each chunk belongs on a thread of \
         its own",
    );
    RAN_ON.assert_distinct(
        4,
        "chunk_sum, with 4 workers,",
        "spawn one thread per chunk",
    );
}

#[test]
fn workers_run_at_the_same_time() {
    // Each chunk_sum call waits (up to 1 s) at a barrier until all 4 have reached it.
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static GATE: Gate = Gate::new(4);
    let hangs = "sum_chunks took over 2 s although each worker waits at most 1 s for the others: \
                 the workers ran one after another. Are you joining each thread right after \
                 spawning it, or calling chunk_sum yourself?";
    let total = within(LIMIT, hangs, move || {
        sum_chunks((1..=40).collect(), 4, move |chunk| {
            let _ = GATE.wait(GATE_WAIT);
            chunk.iter().sum()
        })
    });
    if let Some(arrived) = GATE.timed_out() {
        panic!(
            "the workers did not all run at the same time: a worker that waited 1 s for the \
             others saw only {arrived} of 4 running. Spawn every thread first, then join them"
        );
    }
    assert_eq!(total, 820, "1..=40 in 4 chunks: expected a total of 820");
}
