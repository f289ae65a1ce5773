use super::support::{
    Gate, Latch, RankedEndProbe, Rng, ThreadIds, assert_waits_without_spinning, block,
    panic_message, quiet, ranks_to_probe, within,
};
use exercise::ThreadPool;

use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Once, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(usize) -> ThreadPool = ThreadPool::new;
const _: fn(&ThreadPool, fn()) = ThreadPool::execute::<fn()>;

// How long the test waits for jobs that should all finish, or for drop.
const LIMIT: Duration = Duration::from_secs(2);
// How long a job at a gate waits for the others.
const GATE_WAIT: Duration = Duration::from_secs(1);
// How long a blocked job waits for the test to release it.
const HOLD_LIMIT: Duration = Duration::from_secs(3);
const HANGS: &str = "drop(pool) did not return: each worker waits in recv() for its next job \
                     for as long as a Sender of the queue is alive, and the pool's Sender is \
                     alive until drop() has returned. Is it dropped before the workers are \
                     joined?";

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
    fn job(&'static self) -> impl FnOnce() + Send + 'static {
        move || self.count.update(|n| *n += 1)
    }

    // A job that records its thread and waits at the gate for all the others.
    fn gate_job(&'static self) -> impl FnOnce() + Send + 'static {
        move || {
            self.ids.record();
            let _ = self.gate.wait(GATE_WAIT);
            self.count.update(|n| *n += 1);
        }
    }

    // A job that blocks until the test releases it.
    fn blocking_job(&'static self) -> impl FnOnce() + Send + 'static {
        move || {
            self.count.update(|n| *n += 1);
            self.released.wait_until(HOLD_LIMIT, |&r| r);
        }
    }

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

// Counts every panic from now on (and still reports it as before). The
// test's jobs do not panic: any panic is the pool's.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let report = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            report(info);
        }));
    });
}

fn assert_no_worker_panicked() {
    let panics = PANICS.load(Ordering::SeqCst);
    assert!(
        panics == 0,
        "{panics} thread(s) of the pool panicked while the pool shut down (the first message is \
         above): once every Sender is gone, recv() returns Err. That is how a worker learns to \
         leave its loop, not an error to unwrap"
    );
}

#[test]
fn drop_returns_after_every_queued_job_ran() {
    count_panics();
    let mut rng = Rng::from_env();
    for round in 0..4 {
        let size = 1 + rng.below(40);
        // The first round queues no job at all.
        let jobs = if round == 0 { 0 } else { rng.below(3 * size) };
        let done = log(1);
        let ran = within(LIMIT, HANGS, move || {
            let pool = ThreadPool::new(size);
            for _ in 0..jobs {
                pool.execute(done.job());
            }
            drop(pool);
            done.count()
        });
        assert!(
            ran == jobs,
            "drop(pool) returned when only {ran} of the {jobs} jobs queued on a pool of {size} \
             workers had run: drop waits until the workers have run every job in the queue, \
             and ended"
        );
    }
    assert_no_worker_panicked();
}

#[test]
fn drop_waits_for_the_jobs_still_queued() {
    let mut rng = Rng::from_env();
    let size = 1 + rng.below(24);
    let queued = 1 + rng.below(3 * size);
    let pool = ThreadPool::new(size);
    let busy = log(1);
    for _ in 0..size {
        pool.execute(busy.blocking_job());
    }
    let all_busy = busy.wait_for(size);
    let started = busy.count();
    let more = log(1);
    for _ in 0..queued {
        pool.execute(more.job());
    }
    let dropper = thread::spawn(move || {
        drop(pool);
        more.count()
    });
    // Until every thread that can run has run: drop() is waiting now.
    let _ = quiet::wait_until_quiet();
    let returned_early = dropper.is_finished();
    busy.release();
    assert!(
        all_busy,
        "{size} jobs that block were queued on a pool of {size} workers, but only {started} started \
         within {LIMIT:?}: the pool does not run {size} jobs at once"
    );
    let ran = within(LIMIT, HANGS, move || dropper.join());
    let ran = match ran {
        Ok(ran) => ran,
        Err(payload) => panic!("drop(pool) panicked: {}", panic_message(&payload)),
    };
    assert!(
        !returned_early,
        "drop(pool) returned while all {size} workers were still busy and {queued} more jobs \
         were queued: it must wait for them (join every worker)"
    );
    assert!(
        ran == queued,
        "drop(pool) returned when only {ran} of the {queued} jobs that were still queued had \
         run: the queue is not thrown away. Once the Sender is gone, recv() still hands out \
         every job left in the queue, and returns Err only when it is empty"
    );
}

// One pool of `size` workers whose every worker runs one job (they wait for
// each other) that arms `probe`; then drop. (armed, ended when drop
// returned), or the number of jobs that ran at once if they did not all.
fn drop_with_a_probe(size: usize, probe: &'static RankedEndProbe) -> Result<(usize, usize), usize> {
    let started = log(size);
    let (armed, ended) = {
        let pool = ThreadPool::new(size);
        for _ in 0..size {
            let job = started.gate_job();
            pool.execute(move || {
                probe.arm();
                job();
            });
        }
        started.wait_for(size);
        drop(pool);
        probe.returned()
    };
    match started.gate.timed_out() {
        Some(arrived) => Err(arrived),
        None => Ok((armed, ended)),
    }
}

#[test]
fn drop_waits_until_every_worker_thread_has_ended() {
    count_panics();
    let mut rng = Rng::from_env();
    // Every rank of a pool of 4-7 (an off-by-one leaves out the first, the
    // second, the last..), and the first, the last and one between of 33-64.
    let small = 4 + rng.below(4);
    let large = 33 + rng.below(32);
    let huge = 1025 + rng.below(64);
    // The hold is fixed (1.2 s), not measured from a first run of the pool:
    // a drop that joins only in the first drop of the process (a `static`
    // flag) and sleeps in every later one would set a short hold and then
    // sleep past it. So a drop that sleeps instead of joining must sleep
    // 1.2 s or more here; `pools_one_after_another_each_drop_at_once` does
    // not let it.
    let quick = Duration::from_millis(360);
    // Pools at the same time, each of whose workers runs a job; as the
    // workers end, one of them (a different one in each pool: the first
    // spawned, the second, ..) holds its thread for 1.2 s (a thread-local's
    // destructor). A drop that leaves any worker out returns, in one of the
    // pools, while that worker still holds. The last worker of a pool of
    // 1025-1088 too: a drop that joins "at most 64/256/1024 workers" (info.toml
    // raises the thread and memory limits).
    let mut trials = vec![(1, 0)];
    trials.extend((0..small).map(|rank| (small, rank)));
    trials.extend(
        ranks_to_probe(large, 0, &mut rng)
            .into_iter()
            .map(|rank| (large, rank)),
    );
    trials.push((huge, huge - 1));
    let (tx, rx) = mpsc::channel();
    let mut limit = LIMIT;
    for &(size, rank) in &trials {
        let probe = RankedEndProbe::new(quick, rank);
        limit = limit.max(probe.limit());
        let tx = tx.clone();
        thread::spawn(move || {
            let _ = tx.send((size, rank, drop_with_a_probe(size, probe)));
        });
    }
    drop(tx);
    let deadline = Instant::now() + limit;
    for _ in 0..trials.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((size, rank, result)) = rx.recv_timeout(left) else {
            panic!("no result after {limit:?}: {HANGS}");
        };
        let (armed, ended) = match result {
            Ok(counts) => counts,
            Err(arrived) => panic!(
                "{size} jobs that wait (up to 1 s) for each other on a pool of {size} workers \
                 did not all run at once: only {arrived} were running at the same time"
            ),
        };
        assert!(
            armed == size,
            "{size} jobs were queued on a pool of {size} workers, but {armed} ran"
        );
        assert!(
            ended == armed,
            "drop(pool) returned while a worker thread of a pool of {size} (the one spawned \
             {} of {size}) was still ending: only JoinHandle::join waits until a thread has \
             ended, and drop must join every worker, each one. A sleep, a counter or \
             is_finished() sees the worker's loop end, not the thread",
            ordinal(rank + 1)
        );
    }
    assert_no_worker_panicked();
}

#[test]
fn pools_one_after_another_each_drop_at_once() {
    // Pools dropped one after another, their jobs done: a correct drop joins
    // workers that are ending already, in a few ms each. A drop that sleeps
    // instead of joining (long enough to outlast the probes, 1.2 s) takes
    // seconds for all of them, whichever pools it joins first.
    let mut rng = Rng::from_env();
    // Small pools and large ones (as large as the probed pools of 33-64), so
    // that a drop cannot sleep by the pool's size either.
    let sizes: Vec<usize> = (0..16).map(|_| 1 + rng.below(64)).collect();
    within(
        Duration::from_secs(8),
        "16 pools of 1-64 workers, each given a few jobs and dropped, one after another, \
         did not all finish within 8 s (a few ms each are enough): does drop sleep, or wait \
         for a while, instead of joining the workers (which have ended or are ending \
         already)?",
        move || {
            for size in sizes {
                let done = log(1);
                let pool = ThreadPool::new(size);
                for _ in 0..size {
                    pool.execute(done.job());
                }
                drop(pool);
            }
        },
    );
}

// 1st, 2nd, 3rd, 4th, .., 11th, 12th, 13th, .., 21st
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[test]
fn drop_waits_without_spinning() {
    let mut rng = Rng::from_env();
    let size = 1 + rng.below(20);
    assert_waits_without_spinning(size, "drop(pool)", HANGS, move |blocker| {
        let pool = ThreadPool::new(size);
        for _ in 0..size {
            pool.execute(move || block(blocker));
        }
        drop(pool);
    });
}

#[test]
fn workers_wait_for_jobs_that_come_later() {
    let mut rng = Rng::from_env();
    let size = 33 + rng.below(32);
    let pool = ThreadPool::new(size);
    // Every worker has started and found the queue empty.
    let _ = quiet::wait_until_quiet();
    let log = log(size);
    for _ in 0..size {
        pool.execute(log.gate_job());
    }
    let finished = log.wait_for(size);
    if let Some(arrived) = log.gate.timed_out() {
        panic!(
            "a pool of {size} workers, idle for a moment, was given {size} jobs that each wait \
             (up to 1 s) until all {size} are running, but only {arrived} ran at the same time. \
             A worker whose queue is empty waits in recv() for the next job: only Err (every \
             Sender gone) ends its loop"
        );
    }
    assert!(
        finished,
        "only {} of {size} jobs finished within {LIMIT:?}",
        log.count()
    );
    log.ids.assert_distinct(
        size,
        &format!("{size} jobs running at once on a pool of {size}"),
        "each worker is one thread, started once in new()",
    );
    within(LIMIT, HANGS, move || drop(pool));
}
