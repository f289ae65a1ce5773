use exercise::run_all;

use super::support::{EndProbe, Gate, Latch, Rng, ThreadIds, assert_waits_without_spinning, block, lock, process_cpu_time, within};
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
#[track_caller]
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
    assert_waits_without_spinning(count, "run_all", HANGS, move |blocker| {
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
