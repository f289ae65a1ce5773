use super::support::quiet;
use super::support::{
    Deliberate, Gate, Latch, Rng, ThreadIds, assert_waits_without_spinning, block,
    deliberate_panic, panic_message, within,
};
use exercise::{JobHandle, ThreadPool};

use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::thread::{self, ThreadId};
use std::time::Duration;

// The values the test's jobs return: no Clone, no Default, so what comes
// out of a handle is what a job returned.
#[derive(Debug)]
struct Token(u64);

// The API, pinned: a changed signature does not compile.
const _: fn(usize) -> ThreadPool = ThreadPool::new;
const _: fn(&ThreadPool, fn() -> Token) -> JobHandle<Token> =
    ThreadPool::spawn::<fn() -> Token, Token>;
const _: fn(JobHandle<Token>) -> thread::Result<Token> = JobHandle::<Token>::join;

// How long the test waits for jobs that should all finish.
const LIMIT: Duration = Duration::from_secs(2);
// How long a job at a gate waits for the others.
const GATE_WAIT: Duration = Duration::from_secs(1);
// How long a blocked job waits for the test to release it.
const HOLD_LIMIT: Duration = Duration::from_secs(3);
const HANGS: &str = "join() did not return: it waits until its job has run, and then returns \
                     that job's value (or its panic). Did the job's outcome reach the handle?";

// What the test's jobs share. Leaked: the jobs are `'static`.
struct Log {
    gate: Gate,
    ids: ThreadIds,
    // Jobs that have started (blocking jobs) or finished (the others).
    count: Latch<usize>,
    released: Latch<bool>,
}

fn log(parties: usize) -> &'static Log {
    Box::leak(Box::new(Log {
        gate: Gate::new(parties),
        ids: ThreadIds::new(),
        count: Latch::new(0),
        released: Latch::new(false),
    }))
}

impl Log {
    fn release(&self) {
        self.released.update(|r| *r = true);
    }

    fn wait_for(&self, n: usize) -> bool {
        self.count.wait_until(LIMIT, |&c| c >= n)
    }

    fn count(&self) -> usize {
        self.count.update(|n| *n)
    }
}

// A pool that is never dropped: these tests are about spawn and join, and
// a drop() that panics while a failed test unwinds would abort the process
// before the test can say what it saw.
fn leaked_pool(size: usize) -> &'static ThreadPool {
    Box::leak(Box::new(ThreadPool::new(size)))
}

// What a join gave: the job's value, the job's panic, or something else.
#[derive(Debug, PartialEq)]
enum Outcome {
    Value(u64),
    TheJobsPanic,
    OtherPayload(String),
    JoinPanicked(String),
}

fn outcome(handle: JobHandle<Token>) -> Outcome {
    match panic::catch_unwind(AssertUnwindSafe(|| handle.join())) {
        Ok(Ok(Token(v))) => Outcome::Value(v),
        Ok(Err(payload)) if payload.is::<Deliberate>() => Outcome::TheJobsPanic,
        Ok(Err(payload)) => Outcome::OtherPayload(panic_message(&payload)),
        Err(payload) if payload.is::<Deliberate>() => {
            Outcome::JoinPanicked(String::from("the job's own panic"))
        }
        Err(payload) => Outcome::JoinPanicked(panic_message(&payload)),
    }
}

#[track_caller]
fn assert_outcome(got: &Outcome, expected: &Outcome, what: &str) {
    match (got, expected) {
        (got, expected) if got == expected => {}
        (Outcome::JoinPanicked(message), Outcome::TheJobsPanic) => panic!(
            "join() on {what} panicked itself ({message}) instead of returning Err with the \
             panic's payload: catch the job's panic on the worker (catch_unwind) and hand the \
             payload to the handle"
        ),
        (Outcome::OtherPayload(message), Outcome::TheJobsPanic) => panic!(
            "join() on {what} returned Err, but its payload was not the job's own ({message:?}): \
             pass on the payload that catch_unwind gives, unchanged, as JoinHandle::join does"
        ),
        (got, Outcome::Value(_)) => panic!(
            "join() on {what} gave {got:?}: did the job run at all? A panic that is not caught \
             ends the worker thread it happens on; once every worker is gone, the jobs still \
             queued are dropped unrun"
        ),
        (Outcome::JoinPanicked(message), _) => {
            panic!("join() on {what} panicked: {message}")
        }
        (got, expected) => panic!("join() on {what} gave {got:?}, expected {expected:?}"),
    }
}

// Runs `size` jobs through `spawn` that wait for each other at a gate, so
// each worker runs one; checks that they ran at once, on `size` threads of
// the pool's own, and that join gives each one's value. Returns the threads.
#[track_caller]
fn all_workers_at_once(pool: &ThreadPool, size: usize, after: &str) -> HashSet<ThreadId> {
    let log = log(size);
    let spawned = panic::catch_unwind(AssertUnwindSafe(|| {
        (0..size as u64)
            .map(|i| {
                pool.spawn(move || {
                    log.ids.record();
                    let _ = log.gate.wait(GATE_WAIT);
                    Token(i)
                })
            })
            .collect::<Vec<JobHandle<Token>>>()
    }));
    let handles = spawned.unwrap_or_else(|payload| {
        panic!(
            "{after}spawn panicked: {}{}",
            panic_message(&payload),
            if after.is_empty() {
                ""
            } else {
                ". Are the pool's workers gone? A panic that is not caught ends the worker \
                 thread it happens on"
            }
        )
    });
    let got: Vec<Outcome> = within(LIMIT, HANGS, move || {
        handles.into_iter().map(outcome).collect()
    });
    let why = if after.is_empty() {
        "the jobs ran one after another, or on fewer threads than asked for"
    } else {
        "the pool has fewer workers left. A panic that is not caught ends the worker thread it \
         happens on"
    };
    let ran = log.ids.len();
    assert!(
        ran == size,
        "{after}a pool of {size} workers was given {size} jobs, and only {ran} of them ran: {why}"
    );
    if let Some(arrived) = log.gate.timed_out() {
        panic!(
            "{after}a pool of {size} workers was given {size} jobs that each wait (up to 1 s) \
             until all {size} are running, but only {arrived} ran at the same time: {why}"
        );
    }
    for (i, got) in got.iter().enumerate() {
        assert_outcome(
            got,
            &Outcome::Value(i as u64),
            "a job that returned a value",
        );
    }
    log.ids.assert_caller_absent(
        thread::current().id(),
        "a job ran on the thread that called spawn: spawn only queues the job, a worker runs it",
    );
    log.ids.assert_distinct(
        size,
        &format!("{after}{size} jobs running at once on a pool of {size}"),
        "each worker is one thread, started once in new()",
    );
    log.ids.ids().into_iter().collect()
}

#[test]
fn join_gives_the_value_or_the_panic() {
    let mut rng = Rng::from_env();
    let size = 1 + rng.below(8);
    let jobs = 10 + rng.below(40);
    // Some(value) for a job that returns it, None for one that panics.
    let plan: Vec<Option<u64>> = (0..jobs)
        .map(|_| (rng.below(3) > 0).then(|| rng.next_u64()))
        .collect();
    let mut order: Vec<usize> = (0..jobs).collect();
    rng.shuffle(&mut order);
    let results = within(LIMIT, HANGS, {
        let plan = plan.clone();
        move || {
            let pool = leaked_pool(size);
            let mut handles: Vec<Option<JobHandle<Token>>> = plan
                .iter()
                .map(|&job| {
                    Some(pool.spawn(move || match job {
                        Some(value) => Token(value),
                        None => deliberate_panic(),
                    }))
                })
                .collect();
            // Joined in an order of the test's, not the order of spawn.
            let mut results: Vec<(usize, Outcome)> = Vec::new();
            for i in order {
                let handle = handles[i].take().expect("each handle is joined once");
                results.push((i, outcome(handle)));
            }
            results
        }
    });
    for (i, got) in results {
        match plan[i] {
            Some(value) => assert_outcome(&got, &Outcome::Value(value), "a job that returned"),
            None => assert_outcome(&got, &Outcome::TheJobsPanic, "a job that panicked"),
        }
    }
}

#[test]
fn each_handle_gets_its_own_jobs_result() {
    let mut rng = Rng::from_env();
    let size = 2 + rng.below(16);
    let slow = 1 + rng.below(size - 1);
    let quick = 1 + rng.below(20);
    let values: Vec<u64> = (0..slow + quick).map(|_| rng.next_u64()).collect();
    let pool = leaked_pool(size);
    let slow_log = log(1);
    let quick_log = log(1);
    let slow_handles: Vec<JobHandle<Token>> = values[..slow]
        .iter()
        .map(|&v| {
            pool.spawn(move || {
                slow_log.count.update(|n| *n += 1);
                slow_log.released.wait_until(HOLD_LIMIT, |&r| r);
                Token(v)
            })
        })
        .collect();
    let quick_handles: Vec<JobHandle<Token>> = values[slow..]
        .iter()
        .map(|&v| {
            pool.spawn(move || {
                quick_log.count.update(|n| *n += 1);
                Token(v)
            })
        })
        .collect();
    let started = slow_log.wait_for(slow) && quick_log.wait_for(quick);
    // The slow jobs are still running: their joins must wait for them,
    // whatever other results are ready.
    let joiner = thread::spawn(move || slow_handles.into_iter().map(outcome).collect::<Vec<_>>());
    let _ = quiet::wait_until_quiet();
    let returned_early = joiner.is_finished();
    slow_log.release();
    assert!(
        started,
        "of {slow} jobs that block and {quick} quick ones, on {size} workers, only {} and {} \
         ran within {LIMIT:?}",
        slow_log.count(),
        quick_log.count()
    );
    let got = within(LIMIT, HANGS, move || joiner.join());
    let got = got.unwrap_or_else(|p| panic!("join() panicked: {}", panic_message(&p)));
    assert!(
        !returned_early,
        "join() on a job that was still running returned (with {:?}, the job was to return \
         {}): it must wait for its own job. Does each handle have a channel of its own, or \
         do all jobs send to one that any join reads?",
        got[0], values[0]
    );
    for (got, &value) in got.iter().zip(&values[..slow]) {
        assert_outcome(got, &Outcome::Value(value), "a job that returned");
    }
    let got = within(LIMIT, HANGS, move || {
        quick_handles.into_iter().map(outcome).collect::<Vec<_>>()
    });
    for (got, &value) in got.iter().zip(&values[slow..]) {
        assert_outcome(got, &Outcome::Value(value), "a job that returned");
    }
}

#[test]
fn spawn_only_queues_even_when_every_worker_is_busy() {
    let mut rng = Rng::from_env();
    let size = 1 + rng.below(8);
    let extra = 1 + rng.below(8);
    let pool = leaked_pool(size);
    let busy = log(1);
    let more = log(1);
    // Every worker gets a job that blocks until the test releases it.
    let busy_handles: Vec<JobHandle<Token>> = (0..size as u64)
        .map(|i| {
            pool.spawn(move || {
                busy.ids.record();
                busy.count.update(|n| *n += 1);
                busy.released.wait_until(HOLD_LIMIT, |&r| r);
                Token(i)
            })
        })
        .collect();
    let started = busy.wait_for(size);
    // Then more jobs, which block too, from a thread of the test's: spawn
    // must return at once, though no worker is free to take them.
    let spawner = thread::spawn(move || {
        (0..extra as u64)
            .map(|i| {
                pool.spawn(move || {
                    more.ids.record();
                    busy.released.wait_until(HOLD_LIMIT, |&r| r);
                    Token(1000 + i)
                })
            })
            .collect::<Vec<JobHandle<Token>>>()
    });
    let spawner_id = spawner.thread().id();
    // Until every thread that can run has run, and all are blocked again.
    let _ = quiet::wait_until_quiet();
    let returned = spawner.is_finished();
    busy.release();
    assert!(
        started,
        "{size} jobs that block were spawned on a pool of {size} workers, but only {} of them \
         started within {LIMIT:?}",
        busy.count()
    );
    let more_handles = within(LIMIT, HANGS, move || spawner.join())
        .unwrap_or_else(|p| panic!("spawn panicked: {}", panic_message(&p)));
    assert!(
        returned,
        "while all {size} workers of a pool of {size} were busy, spawn did not return: spawn \
         only queues the job and returns its handle at once (a worker runs it when one is \
         free); it does not wait for a worker, nor run the job on the caller's thread"
    );
    let got = within(LIMIT, HANGS, move || {
        let busy: Vec<Outcome> = busy_handles.into_iter().map(outcome).collect();
        let more: Vec<Outcome> = more_handles.into_iter().map(outcome).collect();
        (busy, more)
    });
    for (i, got) in got.0.iter().enumerate() {
        assert_outcome(got, &Outcome::Value(i as u64), "a job that returned");
    }
    for (i, got) in got.1.iter().enumerate() {
        assert_outcome(got, &Outcome::Value(1000 + i as u64), "a job that returned");
    }
    more.ids.assert_caller_absent(
        spawner_id,
        "a job ran on the thread that called spawn: spawn only queues the job, a worker runs it",
    );
    let workers: HashSet<ThreadId> = busy.ids.ids().into_iter().collect();
    let strangers = more
        .ids
        .ids()
        .iter()
        .filter(|id| !workers.contains(id))
        .count();
    assert!(
        strangers == 0,
        "{strangers} of {extra} jobs spawned while every worker was busy ran on threads other \
         than the pool's {size} workers (a new thread for a job?): every job runs on one of the \
         workers started in new()"
    );
}

#[test]
fn join_waits_without_spinning() {
    let mut rng = Rng::from_env();
    let size = 1 + rng.below(8);
    let value = rng.next_u64();
    let got = assert_waits_without_spinning(1, "JobHandle::join", HANGS, move |blocker| {
        let pool = leaked_pool(size);
        let handle = pool.spawn(move || {
            block(blocker);
            Token(value)
        });
        outcome(handle)
    });
    assert_outcome(&got, &Outcome::Value(value), "a job that returned");
}

#[test]
fn the_same_workers_serve_after_jobs_panicked() {
    let mut rng = Rng::from_env();
    let size = 129 + rng.below(32);
    let pool = leaked_pool(size);
    let before = all_workers_at_once(pool, size, "");
    // Every worker runs one job that panics (they wait for each other
    // first), and a few more panic on whichever worker takes them.
    let gate: &'static Gate = Box::leak(Box::new(Gate::new(size)));
    let extra = rng.below(size);
    let mut handles: Vec<JobHandle<Token>> = (0..size)
        .map(|_| {
            pool.spawn(move || {
                let _ = gate.wait(GATE_WAIT);
                deliberate_panic()
            })
        })
        .collect();
    handles.extend((0..extra).map(|_| pool.spawn(|| deliberate_panic())));
    let hangs = "join() on a job that panics, or on one queued after it, did not return: was a \
                 worker left to run it? A panic that is not caught ends the worker thread it \
                 happens on, and takes the job's way to its handle with it";
    let got: Vec<Outcome> = within(LIMIT, hangs, move || {
        handles.into_iter().map(outcome).collect()
    });
    for got in &got {
        assert_outcome(got, &Outcome::TheJobsPanic, "a job that panicked");
    }
    let after = format!("after {} jobs panicked, ", size + extra);
    let now = all_workers_at_once(pool, size, &after);
    let strangers = now.difference(&before).count();
    assert!(
        strangers == 0,
        "{after}{strangers} of the {size} workers were new threads: a worker that runs a job \
         that panics catches the panic and goes on with its next job, on the same thread (a \
         new thread for each panic is a new worker, not the same one)"
    );
}

#[test]
fn a_handle_dropped_without_join_costs_no_worker() {
    let mut rng = Rng::from_env();
    // Past every round number a pool might be capped at (256, 500, 512,
    // 1000, 1024; info.toml raises the thread and memory limits).
    let size = 1025 + rng.below(64);
    let pool = leaked_pool(size);
    let before = all_workers_at_once(pool, size, "");
    // Every worker runs one job whose handle is gone before it finishes;
    // half of them panic.
    let gate: &'static Gate = Box::leak(Box::new(Gate::new(size)));
    for i in 0..size {
        let handle = pool.spawn(move || {
            let _ = gate.wait(GATE_WAIT);
            if i % 2 == 1 {
                deliberate_panic();
            }
            Token(i as u64)
        });
        drop(handle);
    }
    let after = format!(
        "after {size} jobs ran whose handles had been dropped without a join (nobody wanted \
         their results), "
    );
    let now = all_workers_at_once(pool, size, &after);
    let strangers = now.difference(&before).count();
    assert!(
        strangers == 0,
        "{after}{strangers} of the {size} workers were new threads: sending a result nobody \
         waits for fails, and that is fine; it must not end the worker"
    );
}
