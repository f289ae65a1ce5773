use exercise::map_chunks;

use super::support::{
    Gate, QuietReturn, Rng, ThreadIds, Turns, assert_blocks_through_stretch, block, random_ranks, within,
};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(&[u64], usize, fn(&[u64]) -> u64) -> Vec<u64> = map_chunks::<u64, fn(&[u64]) -> u64>;
const _: fn(&[u64], usize, fn(&[u64]) -> String) -> Vec<String> =
    map_chunks::<String, fn(&[u64]) -> String>;

// Everything a test needs lives inside the `within` closure, as plain locals
// that `f` borrows: no `Arc`, no `'static`.

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const STRETCH: Duration = Duration::from_millis(150);
/// How many calls `returns_soon` checks.
const SOON_CALLS: usize = 4;
const HANGS: &str = "map_chunks did not return: is every scoped thread joined exactly once?";

/// The chunks the exercise asks for.
fn expected_chunks(data: &[u64], workers: usize) -> Vec<&[u64]> {
    data.chunks(data.len().div_ceil(workers).max(1)).collect()
}

fn random_data(rng: &mut Rng, len: usize) -> Vec<u64> {
    (0..len).map(|_| rng.range(0..10_000)).collect()
}

/// A result that depends on every number of the chunk and their order.
fn digest(chunk: &[u64]) -> u64 {
    chunk
        .iter()
        .fold(chunk.len() as u64, |h, &x| (h * 31 + x) % 1_000_003)
}

#[test]
fn results_come_back_in_chunk_order() {
    let mut rng = Rng::from_env();
    // A single chunk (one worker, one number) belongs on a thread too.
    let mut cases = vec![(12, 4), (10, 4), (5, 1), (3, 8), (0, 3), (1, 1), (1, 5)];
    for _ in 0..4 {
        cases.push((rng.range(0..120) as usize, rng.range(1..10) as usize));
    }
    for (len, workers) in cases {
        let data = random_data(&mut rng, len);
        let expected: Vec<u64> = expected_chunks(&data, workers)
            .into_iter()
            .map(digest)
            .collect();
        // The threads finish in a random order, not in chunk order.
        let ranks = random_ranks(&mut rng, expected.len());
        let turns = Turns::new();
        let (got, caller, ran_on) = within(LIMIT, HANGS, move || {
            let expected_chunks = expected_chunks(&data, workers);
            let ran_on = ThreadIds::new();
            let got = map_chunks(&data, workers, |chunk| {
                ran_on.record();
                // Which chunk this is; a chunk the test does not know
                // (a copy, a wrong length) waits for nothing.
                let index = expected_chunks
                    .iter()
                    .position(|c| c.as_ptr() == chunk.as_ptr() && c.len() == chunk.len());
                if let Some(index) = index {
                    turns.wait_for(ranks[index]);
                }
                digest(chunk)
            });
            (got, thread::current().id(), ran_on)
        });
        ran_on.assert_caller_absent(
            caller,
            &format!(
                "{len} numbers, {workers} workers: f ran on the thread that called map_chunks: \
                 every chunk belongs on a scoped thread of its own, a single chunk too"
            ),
        );
        assert!(
            got == expected,
            "{len} numbers, {workers} workers, f = a digest of the chunk: expected {expected:?}, \
             got {got:?}. One result per chunk of len.div_ceil(workers) numbers, in chunk \
             order, although the threads finished in a random order"
        );
        assert!(
            !turns.gave_up(),
            "{len} numbers, {workers} workers: the test makes the threads finish in an order it \
             chooses, which needs them all running at the same time, but one waited 1 s for the \
             others: spawn every scoped thread first, then join them"
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
    assert!(
        got == ["chunk [7, 8]", "chunk [9, 10]"],
        "data [7, 8, 9, 10], 2 workers, f = format!(\"chunk {{chunk:?}}\"): got {got:?}"
    );
}

#[test]
fn chunks_are_borrowed_from_data_not_copied() {
    let mut rng = Rng::from_env();
    let len = rng.range(1..200) as usize;
    let workers = rng.range(1..10) as usize;
    let chunk_len = len.div_ceil(workers);
    let (start, offsets) = within(LIMIT, HANGS, move || {
        let data: Vec<u64> = (0..len as u64).collect();
        let offsets = map_chunks(&data, workers, |chunk| chunk.as_ptr() as usize);
        (data.as_ptr() as usize, offsets)
    });
    // Sorted: the order of the results is another test's business.
    let mut offsets: Vec<isize> = offsets
        .iter()
        .map(|&p| (p as isize - start as isize) / size_of::<u64>() as isize)
        .collect();
    offsets.sort_unstable();
    let expected: Vec<isize> = (0..len).step_by(chunk_len).map(|i| i as isize).collect();
    assert!(
        offsets == expected,
        "{len} numbers, {workers} workers: the chunks f received do not sit inside `data` \
         (offsets in numbers: {offsets:?}, expected {expected:?}): hand each thread a \
         borrowed slice of `data`, not a copy"
    );
}

#[test]
fn each_chunk_runs_on_its_own_thread() {
    let mut rng = Rng::from_env();
    let workers = rng.range(2..10) as usize;
    let len = workers * rng.range(1..6) as usize;
    let (caller, ran_on) = within(LIMIT, HANGS, move || {
        let data: Vec<u64> = (0..len as u64).collect();
        let ran_on = ThreadIds::new();
        map_chunks(&data, workers, |_| ran_on.record());
        (thread::current().id(), ran_on)
    });
    ran_on.assert_caller_absent(
        caller,
        "f ran on the thread that called map_chunks: each chunk belongs on a scoped thread of \
         its own",
    );
    ran_on.assert_distinct(
        workers,
        &format!("f, with {workers} chunks,"),
        "spawn one scoped thread per chunk",
    );
}

#[test]
fn chunks_run_at_the_same_time() {
    // More threads than any machine has cores, and than any round cap (64,
    // 128, 256, 512, 1024): each f call waits (up to 1 s) at a barrier until
    // all of them have reached it.
    let mut rng = Rng::from_env();
    let workers = rng.range(1025..1089) as usize;
    let per_chunk = rng.range(1..5) as usize;
    // `workers` chunks, the last one maybe shorter.
    let len = workers * per_chunk - rng.range(0..per_chunk as u64) as usize;
    let data = random_data(&mut rng, len);
    let expected: Vec<u64> = expected_chunks(&data, workers)
        .into_iter()
        .map(|c| c.iter().sum())
        .collect();
    let hangs = "map_chunks took over 2 s although each thread waits at most 1 s for the \
                 others: the threads ran one after another. Are you joining each scoped thread \
                 right after spawning it?";
    let (sums, timed_out) = within(LIMIT, hangs, move || {
        let gate = Gate::new(workers);
        let sums = map_chunks(&data, workers, |chunk| {
            let _ = gate.wait(GATE_WAIT);
            chunk.iter().sum::<u64>()
        });
        (sums, gate.timed_out())
    });
    if let Some(arrived) = timed_out {
        panic!(
            "the threads did not all run at the same time: a thread that waited 1 s for the \
             others saw only {arrived} of {workers} running. Spawn every scoped thread first, \
             then join them (one thread per chunk, not a pool: waiting threads cost no CPU)"
        );
    }
    assert!(
        sums == expected,
        "{len} numbers, {workers} workers: expected the sums {expected:?}, got {sums:?}"
    );
}

#[test]
fn waits_without_spinning() {
    blocked_call_stays_quiet();
}

/// The same check in a process of its own: code that naps for a random
/// time (long enough to sleep through one stretch by luck) must be that
/// lucky twice, and short enough for every `returns_soon` call too.
#[test]
fn waits_without_napping() {
    blocked_call_stays_quiet();
}

fn blocked_call_stays_quiet() {
    let mut rng = Rng::from_env();
    let workers = rng.range(2..6) as usize;
    // A first call, then the one that counts.
    within(LIMIT, HANGS, move || {
        let data: Vec<u64> = (0..workers as u64 * 3).collect();
        map_chunks(&data, workers, |chunk| chunk.iter().sum::<u64>())
    });
    let sums = assert_blocks_through_stretch(workers, "map_chunks", HANGS, move |blocker| {
        let data: Vec<u64> = (0..workers as u64 * 3).collect();
        map_chunks(&data, workers, |chunk| {
            block(blocker);
            chunk.iter().sum::<u64>()
        })
    });
    assert!(
        sums.len() == workers,
        "{workers} chunks, {} results",
        sums.len()
    );
}

#[test]
fn returns_soon_after_every_thread_ended() {
    // One f waits until the rest of the process is quiet (map_chunks can
    // then only be blocked, or asleep between looks), notes when, returns.
    let mut rng = Rng::from_env();
    let workers = rng.range(2..6) as usize;
    let len = workers * rng.range(1..4) as usize;
    let data: Vec<u64> = (0..len as u64).collect();
    // A first call, then the ones that count (several: code that naps for
    // a random time must be lucky every time).
    within(LIMIT, HANGS, {
        let data = data.clone();
        move || map_chunks(&data, workers, |chunk| chunk.len())
    });
    for _ in 0..SOON_CALLS {
        let (sums, returned, quiet) = within(LIMIT, HANGS, {
            let data = data.clone();
            move || {
                let quiet = QuietReturn::new();
                let sums = map_chunks(&data, workers, |chunk| {
                    quiet.wait();
                    chunk.len()
                });
                (sums, Instant::now(), quiet)
            }
        });
        assert!(
            sums.iter().sum::<usize>() == len,
            "{len} numbers, {workers} workers, f = the chunk's length: got {sums:?}"
        );
        quiet.check(returned, "map_chunks");
    }
}
