use exercise::sum_chunks;

use super::support::{
    Blocker, Gate, Latch, QuietReturn, RankedEndProbe, Rng, ThreadIds, assert_blocks_through_stretch, block, lock, long_hold,
    process_cpu_time, quiet, ranked_end_probe_holding, ranks_to_probe, within,
};
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Vec<u64>, usize, fn(&[u64]) -> u64) -> u64 = sum_chunks::<fn(&[u64]) -> u64>;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const STRETCH: Duration = Duration::from_millis(150);
/// How many calls `returns_soon` checks.
const SOON_CALLS: usize = 4;
const HANGS: &str = "sum_chunks did not return: is every thread joined exactly once?";

/// `len` random numbers, strictly increasing (so a chunk's first number
/// tells where it came from), not starting at 0 or 1.
fn random_numbers(rng: &mut Rng, len: usize) -> Vec<u64> {
    let mut next = rng.range(2..50);
    (0..len)
        .map(|_| {
            next += rng.range(1..20);
            next
        })
        .collect()
}

/// The chunk lengths the exercise asks for: the first `len % workers`
/// chunks get one number more.
fn expected_lengths(len: usize, workers: usize) -> Vec<usize> {
    (0..workers)
        .map(|i| len / workers + usize::from(i < len % workers))
        .collect()
}

/// A chunk_sum whose results do not add up to anything simple: it depends
/// on the chunk's length, its order and its values.
fn digest(chunk: &[u64]) -> u64 {
    let mut h = 7 + chunk.len() as u64 * 1_000;
    for &x in chunk {
        h = (h * 31 + x) % 1_000_003;
    }
    h
}

fn random_cases(rng: &mut Rng) -> Vec<(usize, usize)> {
    let mut cases = vec![(10, 4), (9, 4), (3, 5), (0, 3), (1, 1), (7, 7)];
    for _ in 0..6 {
        cases.push((rng.range(0..150) as usize, rng.range(1..13) as usize));
    }
    rng.shuffle(&mut cases);
    cases
}

#[test]
fn adds_up_what_chunk_sum_returned() {
    let mut rng = Rng::from_env();
    for (len, workers) in random_cases(&mut rng) {
        let numbers = random_numbers(&mut rng, len);
        let mut expected = 0;
        let mut start = 0;
        for chunk_len in expected_lengths(len, workers) {
            expected += digest(&numbers[start..start + chunk_len]);
            start += chunk_len;
        }
        let got = within(LIMIT, HANGS, move || sum_chunks(numbers, workers, digest));
        assert!(
            got == expected,
            "{len} numbers, {workers} workers: expected {expected}, the sum of what chunk_sum \
             returned for each of the {workers} chunks, got {got}"
        );
    }
}

#[test]
fn chunks_are_contiguous_balanced_and_one_per_worker() {
    let mut rng = Rng::from_env();
    for (len, workers) in random_cases(&mut rng) {
        // Leaked, fresh for every case, so that the closure (`Copy + 'static`)
        // can reach it.
        let calls: &'static Mutex<Vec<Vec<u64>>> = Box::leak(Box::default());
        let ran_on: &'static ThreadIds = Box::leak(Box::default());
        let numbers = random_numbers(&mut rng, len);
        let caller = within(LIMIT, HANGS, {
            let numbers = numbers.clone();
            move || {
                sum_chunks(numbers, workers, move |chunk| {
                    ran_on.record();
                    lock(calls).push(chunk.to_vec());
                    0
                });
                thread::current().id()
            }
        });
        // Every case, one worker or an empty chunk included.
        ran_on.assert_caller_absent(
            caller,
            &format!(
                "{len} numbers, {workers} workers: chunk_sum ran on the thread that called \
                 sum_chunks: each chunk belongs on a thread of its own, however few"
            ),
        );
        ran_on.assert_distinct(
            workers,
            &format!("{len} numbers, {workers} workers: chunk_sum"),
            "spawn one thread per chunk, empty chunks and a single worker included",
        );
        let mut chunks = lock(calls).clone();
        assert!(
            chunks.len() == workers,
            "{len} numbers, {workers} workers: chunk_sum was called {} times, expected once per \
             worker (empty chunks included)",
            chunks.len()
        );
        // In order of where they start; empty chunks last.
        chunks.sort_by_key(|c| c.first().copied().unwrap_or(u64::MAX));
        let joined: Vec<u64> = chunks.concat();
        assert!(
            joined == numbers,
            "{len} numbers, {workers} workers: the chunks put side by side should give back the \
             numbers, each exactly once and in order"
        );
        let lengths: Vec<usize> = chunks.iter().map(Vec::len).collect();
        let expected = expected_lengths(len, workers);
        assert!(
            lengths == expected,
            "{len} numbers, {workers} workers: chunk lengths {lengths:?}, in order, expected \
             {expected:?} (the first len % workers chunks get one number more)"
        );
    }
}

#[test]
fn one_thread_per_chunk_not_the_callers() {
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static RAN_ON: ThreadIds = ThreadIds::new();
    let mut rng = Rng::from_env();
    let workers = rng.range(2..13) as usize;
    let len = rng.range(0..60) as usize;
    let numbers = random_numbers(&mut rng, len);
    let caller = within(LIMIT, HANGS, move || {
        sum_chunks(numbers, workers, move |_| {
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
        workers,
        &format!("chunk_sum, with {workers} workers,"),
        "spawn one thread per chunk",
    );
}

#[test]
fn workers_run_at_the_same_time() {
    // More workers than any machine has cores, and than any round cap (64,
    // 128, 256, 512, 1024): each chunk_sum call waits (up to 1 s) at a
    // barrier until all of them have reached it.
    static GATE: OnceLock<Gate> = OnceLock::new();
    let mut rng = Rng::from_env();
    let workers = rng.range(1025..1089) as usize;
    GATE.set(Gate::new(workers)).unwrap();
    let len = rng.range(0..120) as usize;
    let numbers = random_numbers(&mut rng, len);
    let expected: u64 = numbers.iter().sum();
    let hangs = "sum_chunks took over 2 s although each worker waits at most 1 s for the others: \
                 the workers ran one after another. Are you joining each thread right after \
                 spawning it, or calling chunk_sum yourself?";
    let total = within(LIMIT, hangs, move || {
        sum_chunks(numbers, workers, move |chunk| {
            let _ = GATE.get().unwrap().wait(GATE_WAIT);
            chunk.iter().sum()
        })
    });
    if let Some(arrived) = GATE.get().unwrap().timed_out() {
        panic!(
            "the workers did not all run at the same time: a worker that waited 1 s for the \
             others saw only {arrived} of {workers} running. Spawn every thread first, then \
             join them (all {workers}: the caller chooses the number, not the machine)"
        );
    }
    assert!(
        total == expected,
        "{len} numbers in {workers} chunks, chunk_sum = plain sum: expected {expected}, got {total}"
    );
}

/// What a chunk_sum of `sum_for` does besides returning the chunk's length.
#[derive(Clone, Copy)]
enum Role {
    Plain,
    /// Arms the probe, waits until every worker of the call has, and (one
    /// worker of the test) waits until the rest of the process is quiet, so
    /// that the call takes as long as a `Quiet` one.
    Probed(&'static RankedEndProbe, &'static Gate),
    /// One worker waits until the rest of the process is quiet, notes when.
    Quiet(&'static QuietReturn),
    /// Blocks until the test releases it.
    Blocked(&'static Blocker),
}

static QUIET_TAKEN: AtomicBool = AtomicBool::new(false);

/// One closure type and the same total for the timing call, the probed
/// calls and the call that must return soon: the code cannot tell them
/// apart.
fn sum_for(role: Role) -> impl Fn(&[u64]) -> u64 + Copy + Send + 'static {
    move |chunk| {
        match role {
            Role::Plain => {}
            Role::Probed(probe, gate) => {
                probe.arm();
                let _ = gate.wait(GATE_WAIT);
                if !QUIET_TAKEN.swap(true, Ordering::SeqCst) {
                    let _ = quiet::wait_until_quiet();
                }
            }
            Role::Quiet(quiet) => quiet.wait(),
            Role::Blocked(blocker) => block(blocker),
        }
        chunk.len() as u64
    }
}

fn ordinal(rank: usize, n: usize) -> String {
    match rank {
        0 => "first".to_string(),
        r if r + 1 == n => "last".to_string(),
        r => format!("{}-th", r + 1),
    }
}

#[test]
fn returns_only_after_every_thread_ended() {
    let mut rng = Rng::from_env();
    let workers = rng.range(2..8) as usize;
    let len = rng.range(0..40) as usize;
    let numbers = random_numbers(&mut rng, len);
    let expected = len as u64;
    // How long sum_chunks takes with a chunk_sum that does nothing...
    let quick = within(LIMIT, HANGS, {
        let numbers = numbers.clone();
        move || {
            let started = Instant::now();
            sum_chunks(numbers, workers, sum_for(Role::Plain));
            started.elapsed()
        }
    });
    // ...then, side by side, one call per thread to hold: each holds the
    // worker it started `rank`-th longer than that (and longer than
    // `returns_soon_after_every_thread_ended` lets a call take), so a thread
    // left unjoined, whichever it is, is still ending when its call returns.
    let hold = long_hold(quick);
    let calls: Vec<_> = ranks_to_probe(workers, 8, &mut rng)
        .into_iter()
        .map(|rank| {
            let probe = ranked_end_probe_holding(hold, rank);
            let gate: &'static Gate = Box::leak(Box::new(Gate::new(workers)));
            let numbers = numbers.clone();
            thread::spawn(move || {
                let total = sum_chunks(numbers, workers, sum_for(Role::Probed(probe, gate)));
                (total, probe.returned(), rank)
            })
        })
        .collect();
    let limit = hold * 2 + LIMIT;
    let results = within(limit, HANGS, move || {
        calls.into_iter().map(|call| call.join()).collect::<Vec<_>>()
    });
    for result in results {
        let (total, (armed, ended), rank) = match result {
            Ok(done) => done,
            Err(payload) => panic::resume_unwind(payload),
        };
        assert!(
            armed == workers && total == expected,
            "{workers} workers, {expected} numbers: chunk_sum ran {armed} times, total {total}"
        );
        assert!(
            ended == armed,
            "sum_chunks returned while the worker it started {} (of {workers}) was still ending \
             (its thread-locals were still being dropped): only JoinHandle::join waits until a \
             thread has ended, and every worker must be joined. A sleep, a channel, \
             is_finished() or thread::scope only see the workers' closures return",
            ordinal(rank, workers)
        );
    }
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
    let len = rng.range(0..30) as usize;
    let numbers = random_numbers(&mut rng, len);
    // A first call, then the one that counts.
    let first = within(LIMIT, HANGS, {
        let numbers = numbers.clone();
        move || sum_chunks(numbers, workers, sum_for(Role::Plain))
    });
    assert!(first == len as u64, "{len} numbers: chunk_sum = the chunk's length, total {first}");
    let total = assert_blocks_through_stretch(workers, "sum_chunks", HANGS, move |blocker| {
        sum_chunks(numbers, workers, sum_for(Role::Blocked(blocker)))
    });
    assert!(total == len as u64, "{len} numbers: chunk_sum = the chunk's length, total {total}");
}

#[test]
fn returns_soon_after_every_thread_ended() {
    let mut rng = Rng::from_env();
    let workers = rng.range(2..6) as usize;
    let len = rng.range(0..30) as usize;
    let numbers = random_numbers(&mut rng, len);
    // A first call, then the one that counts.
    let first = within(LIMIT, HANGS, {
        let numbers = numbers.clone();
        move || sum_chunks(numbers, workers, sum_for(Role::Plain))
    });
    assert!(first == len as u64, "{len} numbers: chunk_sum = the chunk's length, total {first}");
    // Several that count: code that naps for a random time must be lucky
    // every time.
    for _ in 0..SOON_CALLS {
        let quiet: &'static QuietReturn = Box::leak(Box::new(QuietReturn::new()));
        let (total, returned) = within(LIMIT, HANGS, {
            let numbers = numbers.clone();
            move || {
                let total = sum_chunks(numbers, workers, sum_for(Role::Quiet(quiet)));
                (total, Instant::now())
            }
        });
        assert!(total == len as u64, "{len} numbers: chunk_sum = the chunk's length, total {total}");
        quiet.check(returned, "sum_chunks");
    }
}
