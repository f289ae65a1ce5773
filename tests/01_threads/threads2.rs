use exercise::run_all;

use super::support::{Gate, Latch, Rng, ThreadIds, lock, process_cpu_time, within};
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Vec<u64>, fn(u64)) = run_all::<fn(u64)>;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const STRETCH: Duration = Duration::from_millis(150);
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

/// Random inputs, duplicates and zeros included.
fn random_inputs(rng: &mut Rng, count: std::ops::Range<u64>) -> Vec<u64> {
    let count = rng.range(count) as usize;
    let mut inputs: Vec<u64> = (0..count).map(|_| rng.range(0..1000)).collect();
    if count >= 3 {
        inputs[1] = inputs[0];
        inputs[count - 1] = 0;
    }
    rng.shuffle(&mut inputs);
    inputs
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
        finished.len() >= expected.len(),
        "run_all returned while jobs were still running: only {} of {} jobs had finished. \
         Threads that are not joined are abandoned when the function returns; keep each \
         JoinHandle and join it before returning",
        finished.len(),
        expected.len()
    );
    assert!(
        finished == expected,
        "inputs {expected:?} (sorted) should each run once, but the jobs ran with {finished:?}: \
         one thread per input, every input, duplicates included"
    );
}

#[test]
fn returns_only_after_every_job_finished() {
    let mut rng = Rng::from_env();
    for _round in 0..3 {
        let log = new_log(1);
        let inputs = random_inputs(&mut rng, 3..12);
        let job = move |n| {
            thread::sleep(Duration::from_millis(10 + n % 7));
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
fn returns_only_after_every_thread_ended() {
    let mut rng = Rng::from_env();
    let inputs = random_inputs(&mut rng, 2..9);
    // How long run_all takes with jobs that do nothing...
    let quick = within(LIMIT, HANGS, {
        let inputs = inputs.clone();
        move || {
            let started = Instant::now();
            run_all(inputs, |_| {});
            started.elapsed()
        }
    });
    // ...then jobs whose threads take longer than that to end.
    let probe = EndProbe::new(quick);
    let count = inputs.len();
    let (armed, ended) = within(probe.limit(), HANGS, move || {
        run_all(inputs, move |_| probe.arm());
        probe.returned()
    });
    assert!(
        armed == count,
        "{count} inputs, but the job ran {armed} times"
    );
    assert!(
        ended == armed,
        "run_all returned while {} of its {count} threads were still ending (their \
         thread-locals were still being dropped): only JoinHandle::join waits until a thread \
         has ended. A sleep, a channel, a counter, is_finished() or thread::scope only see \
         the jobs' closures return",
        armed - ended
    );
}

#[test]
fn waits_without_spinning() {
    let mut rng = Rng::from_env();
    let inputs = random_inputs(&mut rng, 2..7);
    let count = inputs.len();
    assert_waits_without_spinning(count, "run_all", move |blocker| {
        run_all(inputs, move |_| block(blocker))
    });
}

#[test]
fn each_job_runs_on_its_own_thread() {
    let mut rng = Rng::from_env();
    let log = new_log(1);
    let inputs = random_inputs(&mut rng, 5..12);
    let job = move |n| {
        log.ran_on.record();
        thread::sleep(Duration::from_millis(10));
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
    // More jobs than any machine has cores, all blocked at once: each waits
    // (up to 1 s) at a barrier until every job has reached it.
    let mut rng = Rng::from_env();
    let inputs = random_inputs(&mut rng, 33..49);
    let count = inputs.len();
    let log = new_log(count);
    let job = move |n| {
        let _ = log.gate.wait(GATE_WAIT);
        lock(&log.finished).push(n);
    };
    let hangs = "run_all took over 2 s although each job waits at most 1 s for the others: \
                 the jobs ran one after another. Are you joining each thread right after \
                 spawning it, or running the jobs yourself?";
    let (_, finished) = run_and_snapshot(log, &inputs, job, hangs);
    if let Some(arrived) = log.gate.timed_out() {
        panic!(
            "the jobs did not all run at the same time: a job that waited 1 s for the others \
             saw only {arrived} of {count} running. Spawn every thread first, then join them \
             (no fixed number at a time: waiting threads cost no CPU)"
        );
    }
    assert_all_finished(finished, &inputs);
}

// ---- Private helpers: did the call wait for its threads to END? ----------
//
// `at_thread_end(f)` runs `f` when the calling thread ends: it is kept in a
// thread-local, and thread-locals are dropped as a thread ends, after its
// closure has returned and before `join` on that thread returns. Only `join`
// waits for that. A sleep, a channel, a counter, `is_finished()` or
// `thread::scope`'s own wait only see the closure return.

struct AtEnd(Vec<Box<dyn FnOnce()>>);

impl Drop for AtEnd {
    fn drop(&mut self) {
        for f in self.0.drain(..) {
            f();
        }
    }
}

thread_local! {
    static AT_END: RefCell<AtEnd> = const { RefCell::new(AtEnd(Vec::new())) };
}

fn at_thread_end(f: impl FnOnce() + 'static) {
    AT_END.with(|at_end| at_end.borrow_mut().0.push(Box::new(f)));
}

/// A job calls [`EndProbe::arm`]; as the job's thread ends, the probe keeps
/// it from ending for up to `hold`, unless the test has already seen the
/// call under test return. So code that joins returns only after every
/// armed thread has ended; code that does not join returns while they hold.
struct EndProbe {
    hold: Duration,
    state: Mutex<EndState>,
    changed: Condvar,
}

#[derive(Default)]
struct EndState {
    armed: usize,
    ended: usize,
    returned: bool,
}

impl EndProbe {
    /// `quick` is how long the call under test took with jobs that do
    /// nothing: the hold is well beyond any fixed wait the code may use.
    fn new(quick: Duration) -> &'static EndProbe {
        let hold = (Duration::from_millis(120) + quick * 3).min(Duration::from_millis(2500));
        Box::leak(Box::new(EndProbe {
            hold,
            state: Mutex::new(EndState::default()),
            changed: Condvar::new(),
        }))
    }

    fn arm(&'static self) {
        lock(&self.state).armed += 1;
        at_thread_end(move || {
            let deadline = Instant::now() + self.hold;
            let mut state = lock(&self.state);
            while !state.returned {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = self
                    .changed
                    .wait_timeout(state, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            state.ended += 1;
        });
    }

    /// Call right after the call under test returned, on its thread:
    /// (threads armed, threads that had ended by then).
    fn returned(&self) -> (usize, usize) {
        let mut state = lock(&self.state);
        state.returned = true;
        self.changed.notify_all();
        (state.armed, state.ended)
    }

    /// A time limit for a call whose threads each hold for `hold`.
    fn limit(&self) -> Duration {
        self.hold * 2 + LIMIT
    }
}

/// (jobs that arrived, jobs released, call returned)
type Blocker = Latch<(usize, bool, bool)>;

/// Called by a job: blocks until the test releases every job.
fn block(blocker: &Blocker) {
    blocker.update(|s| s.0 += 1);
    blocker.wait_until(LIMIT, |s| s.1);
}

/// Runs `call` on a thread of its own; its `jobs` jobs each call [`block`].
/// Once all are blocked, measures the CPU time this process uses for a
/// while (the code under test can only wait then), releases the jobs and
/// returns what `call` returned. Fails if the waiting kept a CPU busy
/// for 2% of the time: a blocked process uses well under 0.1%, and load on
/// the machine only makes a spinning one use less.
fn assert_waits_without_spinning<T, C>(jobs: usize, what: &str, call: C) -> T
where
    T: Send + 'static,
    C: FnOnce(&'static Blocker) -> T + Send + 'static,
{
    let blocker: &'static Blocker = Box::leak(Box::new(Latch::new((0, false, false))));
    let caller = thread::spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(|| call(blocker)));
        blocker.update(|s| s.2 = true);
        result
    });
    blocker.wait_until(LIMIT, |s| s.0 >= jobs || s.2);
    let (arrived, _, _) = blocker.update(|s| *s);
    let mut busy = None;
    if arrived >= jobs {
        let cpu_before = process_cpu_time();
        let started = Instant::now();
        thread::sleep(STRETCH);
        busy = Some((
            process_cpu_time().saturating_sub(cpu_before),
            started.elapsed(),
        ));
    }
    // Released and checked at once: a return before this is a return
    // while every job was still blocked.
    let returned_early = blocker.update(|s| {
        s.1 = true;
        s.2
    });
    let value = match within(LIMIT, HANGS, move || caller.join()) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) | Err(payload) => panic::resume_unwind(payload),
    };
    assert!(
        !returned_early,
        "{what} returned while its jobs were still blocked ({arrived} of {jobs} had started): \
         it does not wait for its threads"
    );
    let Some((cpu, stretch)) = busy else {
        panic!("only {arrived} of {jobs} jobs started within {LIMIT:?}");
    };
    assert!(
        cpu * 50 < stretch,
        "while every job was blocked for {stretch:?}, {what} kept a CPU busy for {cpu:?}: it \
         waits by checking again and again (is_finished, try_recv, a flag or counter in a \
         loop). join() blocks without using the CPU"
    );
    value
}
