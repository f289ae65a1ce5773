use exercise::map_chunks;

use super::support::{Gate, ThreadIds, within};
use std::thread;
use std::time::Duration;

// Everything a test needs lives inside the `within` closure, as plain locals
// that `f` borrows: no `Arc`, no `'static`.

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "map_chunks did not return: is every scoped thread joined exactly once?";

#[test]
fn results_come_back_in_chunk_order() {
    for (len, workers, expected) in [
        (12, 4, vec![3, 12, 21, 30]),
        (10, 4, vec![3, 12, 21, 9]),
        (5, 1, vec![10]),
        (3, 8, vec![0, 1, 2]),
        (0, 3, vec![]),
    ] {
        let got = within(LIMIT, HANGS, move || {
            let data: Vec<u64> = (0..len).collect();
            map_chunks(&data, workers, |chunk| chunk.iter().sum::<u64>())
        });
        assert_eq!(
            got, expected,
            "data 0..{len}, {workers} workers, f = sum of the chunk: wrong results (they must \
             be in chunk order, one per chunk)"
        );
    }
}

#[test]
fn works_for_any_result_type() {
    let got = within(LIMIT, HANGS, || {
        let data = [7, 8, 9, 10];
        let prefix = String::from("chunk"); // borrowed by f
        map_chunks(&data, 2, |chunk| format!("{prefix} {chunk:?}"))
    });
    assert_eq!(got, ["chunk [7, 8]", "chunk [9, 10]"]);
}

#[test]
fn chunks_are_borrowed_from_data_not_copied() {
    let (start, offsets) = within(LIMIT, HANGS, || {
        let data: Vec<u64> = (0..40).collect();
        let offsets = map_chunks(&data, 4, |chunk| chunk.as_ptr() as usize);
        (data.as_ptr() as usize, offsets)
    });
    // Sorted: the order of the results is another test's business.
    let mut offsets: Vec<isize> = offsets
        .iter()
        .map(|&p| (p as isize - start as isize) / size_of::<u64>() as isize)
        .collect();
    offsets.sort_unstable();
    assert_eq!(
        offsets,
        [0, 10, 20, 30],
        "the chunks f received do not sit inside `data` (offsets in numbers, expected \
         [0, 10, 20, 30]): hand each thread a borrowed slice of `data`, not a copy"
    );
}

#[test]
fn each_chunk_runs_on_its_own_thread() {
    let (caller, ran_on) = within(LIMIT, HANGS, || {
        let data: Vec<u64> = (0..50).collect();
        let ran_on = ThreadIds::new();
        map_chunks(&data, 5, |_| ran_on.record());
        (thread::current().id(), ran_on)
    });
    ran_on.assert_caller_absent(
        caller,
        "f ran on the thread that called map_chunks: each chunk belongs on a scoped thread of \
         its own",
    );
    ran_on.assert_distinct(5, "f, with 5 chunks,", "spawn one scoped thread per chunk");
}

#[test]
fn chunks_run_at_the_same_time() {
    // Each f call waits (up to 1 s) at a barrier until all 4 have reached it.
    let hangs = "map_chunks took over 2 s although each thread waits at most 1 s for the \
                 others: the threads ran one after another. Are you joining each scoped thread \
                 right after spawning it?";
    let (sums, timed_out) = within(LIMIT, hangs, || {
        let data: Vec<u64> = (1..=40).collect();
        let gate = Gate::new(4);
        let sums = map_chunks(&data, 4, |chunk| {
            let _ = gate.wait(GATE_WAIT);
            chunk.iter().sum::<u64>()
        });
        (sums, gate.timed_out())
    });
    if let Some(arrived) = timed_out {
        panic!(
            "the threads did not all run at the same time: a thread that waited 1 s for the \
             others saw only {arrived} of 4 running. Spawn every scoped thread first, then join \
             them"
        );
    }
    assert_eq!(sums, [55, 155, 255, 355], "1..=40 in 4 chunks: wrong sums");
}
