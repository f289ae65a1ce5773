use super::support::quiet::{self, Window};
use super::support::{Gate, Latch, Of, Rng, ThreadIds, context_switches};
use exercise::ThreadPool;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(usize) -> ThreadPool = ThreadPool::new;
const _: fn(&ThreadPool, fn()) = ThreadPool::execute::<fn()>;

// How long the test waits for jobs that should all finish.
const LIMIT: Duration = Duration::from_secs(2);
// How long a job at a gate waits for the others.
const GATE_WAIT: Duration = Duration::from_secs(1);
// How long a blocked job waits for the test to release it.
const HOLD_LIMIT: Duration = Duration::from_secs(3);
// How long an idle pool must make no context switch at all.
const IDLE_HOLD: Duration = Duration::from_millis(600);
// How many jobs an idle pool gets one at a time.
const ROUNDS: usize = 5;

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
    // A job that records its thread and waits at the gate for all the others.
    fn gate_job(&'static self) -> impl FnOnce() + Send + 'static {
        move || {
            self.ids.record();
            let _ = self.gate.wait(GATE_WAIT);
            self.count.update(|n| *n += 1);
        }
    }

    // A job that records its thread, then blocks until the test releases it.
    fn blocking_job(&'static self) -> impl FnOnce() + Send + 'static {
        move || {
            self.ids.record();
            self.count.update(|n| *n += 1);
            self.released.wait_until(HOLD_LIMIT, |&r| r);
        }
    }

    fn job(&'static self) -> impl FnOnce() + Send + 'static {
        move || self.count.update(|n| *n += 1)
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

// Runs `size` gate jobs on `pool` and checks that they all ran at once, on
// `size` threads of the pool's own. Returns those threads.
#[track_caller]
fn all_workers_at_once(pool: &ThreadPool, size: usize) -> HashSet<ThreadId> {
    let log = log(size);
    for _ in 0..size {
        pool.execute(log.gate_job());
    }
    let finished = log.wait_for(size);
    if let Some(arrived) = log.gate.timed_out() {
        panic!(
            "a pool of {size} workers was given {size} jobs that each wait (up to 1 s) until all \
             {size} are running, but only {arrived} ran at the same time: the jobs ran one after \
             another, or on fewer threads than the {size} asked for. Does a worker keep the \
             queue's lock while it runs its job?"
        );
    }
    assert!(
        finished,
        "only {} of {size} jobs finished within {LIMIT:?}",
        log.count()
    );
    log.ids.assert_caller_absent(
        thread::current().id(),
        "a job ran on the thread that called execute: execute only queues the job, a worker runs it",
    );
    log.ids.assert_distinct(
        size,
        &format!("{size} jobs running at once on a pool of {size}"),
        "each worker is one thread, started once in new()",
    );
    log.ids.ids().into_iter().collect()
}

// Context switches made by the process's other threads while this one
// sleeps for `hold` (None where the platform does not tell).
fn others_switch_during(hold: Duration) -> Option<i64> {
    let process = context_switches(Of::Process)?.total();
    let own = context_switches(Of::Thread)?.total();
    thread::sleep(hold);
    let own = context_switches(Of::Thread)?.total() - own;
    let process = context_switches(Of::Process)?.total() - process;
    Some(process - own)
}

#[test]
fn size_jobs_run_at_once_on_size_workers() {
    let mut rng = Rng::from_env();
    // A small pool, and one larger than any machine has cores: waiting
    // threads cost no CPU, so "as many as there are cores" is too few, and
    // 1025-1088 is past every round number a pool might be capped at (256,
    // 500, 512, 1000, 1024; info.toml raises the thread and memory limits).
    for size in [1 + rng.below(4), 1025 + rng.below(64)] {
        let pool = ThreadPool::new(size);
        all_workers_at_once(&pool, size);
    }
}

#[test]
fn never_more_than_size_jobs_at_once() {
    let mut rng = Rng::from_env();
    let size = 2 + rng.below(30);
    let extra = 1 + rng.below(2 * size);
    let pool = ThreadPool::new(size);
    let busy = log(1);
    for _ in 0..size {
        pool.execute(busy.blocking_job());
    }
    if !busy.wait_for(size) {
        busy.release();
        panic!(
            "a pool of {size} workers was given {size} jobs that block, but only {} of them \
             started within {LIMIT:?}: the pool does not run {size} jobs at once. Does a worker \
             keep the queue's lock while it runs its job?",
            busy.count()
        );
    }
    // Every worker is busy now: more jobs must wait in the queue.
    let more = log(1);
    for _ in 0..extra {
        let job = more.gate_job();
        pool.execute(job);
    }
    // Until every thread that can run has run, and all are blocked again.
    let _ = quiet::wait_until_quiet();
    let early = more.count();
    busy.release();
    assert!(
        early == 0,
        "while all {size} workers of a pool of {size} were busy, {early} of {extra} more jobs \
         ran anyway: the pool runs more than {size} jobs at once. A pool has exactly `size` \
         threads, started in new(); a job that finds them all busy waits in the queue"
    );
    assert!(
        more.wait_for(extra),
        "after the busy workers were free again, only {} of {extra} queued jobs ran within \
         {LIMIT:?}",
        more.count()
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
        "{strangers} of {extra} jobs ran on threads other than the pool's {size} workers (a new \
         thread for a job?): every job runs on one of the workers started in new()"
    );
}

#[test]
fn a_free_worker_takes_the_next_job() {
    let mut rng = Rng::from_env();
    let size = 2 + rng.below(30);
    let busy_workers = 1 + rng.below(size - 1);
    let quick = 3 * size + rng.below(3 * size);
    let pool = ThreadPool::new(size);
    let busy = log(1);
    for _ in 0..busy_workers {
        pool.execute(busy.blocking_job());
    }
    let started = busy.wait_for(busy_workers);
    let quick_log = log(1);
    for _ in 0..quick {
        let log = quick_log;
        pool.execute(move || log.count.update(|n| *n += 1));
    }
    let all_ran = quick_log.wait_for(quick);
    let ran = quick_log.count();
    busy.release();
    assert!(
        started,
        "{busy_workers} jobs that block were queued on a pool of {size} workers, but only {} \
         of them started within {LIMIT:?}: does a worker keep the queue's lock while it runs \
         its job?",
        busy.count()
    );
    assert!(
        all_ran,
        "{busy_workers} of {size} workers were busy with a long job and the others were free, \
         but only {ran} of {quick} short jobs ran within {LIMIT:?}: jobs waited for a busy worker. \
         All workers take their jobs from one shared queue, so whichever is free takes the next \
         one (no job is set aside for a particular worker, and no worker keeps the queue's lock \
         while it runs a job)"
    );
}

#[test]
fn every_job_runs_exactly_once() {
    let mut rng = Rng::from_env();
    let size = 1 + rng.below(16);
    let jobs = 2000 + rng.below(3000);
    let pool = ThreadPool::new(size);
    let runs: &'static [AtomicU32] = Box::leak(
        (0..jobs)
            .map(|_| AtomicU32::new(0))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let done = log(1);
    for i in 0..jobs {
        pool.execute(move || {
            runs[i].fetch_add(1, Ordering::SeqCst);
            done.count.update(|n| *n += 1);
        });
    }
    let finished = done.wait_for(jobs);
    let ran: Vec<u32> = runs.iter().map(|r| r.load(Ordering::SeqCst)).collect();
    let never = ran.iter().filter(|&&r| r == 0).count();
    let twice = ran.iter().filter(|&&r| r > 1).count();
    assert!(
        finished && never == 0,
        "{jobs} jobs queued on a pool of {size} workers, but {never} never ran (within \
         {LIMIT:?}): does each worker keep taking jobs, in a loop, until the pool is gone?"
    );
    assert!(twice == 0, "{twice} of {jobs} jobs ran more than once");
}

#[test]
fn idle_workers_sleep_and_then_serve_again() {
    let mut rng = Rng::from_env();
    // Two pools idle at once: one of a single worker (a pool of one is a
    // pool too), one of 2-41.
    let sizes = [1, 2 + rng.below(40)];
    let pools = sizes.map(ThreadPool::new);
    let first = [0, 1].map(|i| all_workers_at_once(&pools[i], sizes[i]));
    let [one, size] = sizes;
    // Every job is done: the workers can only wait for the next one.
    if let Err(Window { cpu, switches }) = quiet::wait_until_quiet() {
        panic!(
            "two idle pools, of {one} and {size} workers, with no job to run, kept the CPU busy \
             ({cpu:?} of CPU and {switches} context switches in 60 ms): a worker that waits for \
             a job must block in recv(), not check again and again"
        );
    }
    if let Some(switches) = others_switch_during(IDLE_HOLD) {
        assert!(
            switches == 0,
            "two idle pools, of {one} and {size} workers, woke up {switches} times in \
             {IDLE_HOLD:?} without any job to run: a worker that waits for a job must block in \
             recv() until one comes, not sleep and check again"
        );
    }
    for i in [0, 1] {
        let second = all_workers_at_once(&pools[i], sizes[i]);
        assert!(
            first[i] == second,
            "after a pause, jobs ran on {} thread(s) that were not the pool's workers before: \
             the same `size` workers serve every job, for as long as the pool lives",
            second.difference(&first[i]).count()
        );
    }
}

#[test]
fn an_idle_worker_takes_a_job_at_once() {
    // One worker, given a job each time every thread of the process has
    // been asleep for a while: a worker blocked in recv() wakes the moment
    // the job comes; one that sleeps between checks of the queue takes it at
    // its next check, whenever that is.
    let pool = ThreadPool::new(1);
    let log = log(1);
    let mut waited = Duration::ZERO;
    for round in 1..=ROUNDS {
        if let Err(Window { cpu, switches }) = quiet::wait_until_quiet() {
            panic!(
                "an idle pool of one worker, with no job to run (round {round}), kept the CPU \
                 busy ({cpu:?} of CPU and {switches} context switches in 60 ms): a worker that \
                 waits for a job must block in recv(), not check again and again"
            );
        }
        let queued = Instant::now();
        pool.execute(log.job());
        let ran = log
            .count
            .wait_until(LIMIT.saturating_sub(waited), |&n| n >= round);
        waited += queued.elapsed();
        assert!(
            ran,
            "{round} jobs given one at a time to an idle pool of one worker waited over \
             {LIMIT:?} in all before they ran: a worker that waits for a job must block in \
             recv(), which wakes it the moment a job comes, not sleep and check again"
        );
    }
}
