use super::support::quiet::{self, Stretch};
use super::support::{Latch, Of, Rng, context_switches, panic_message, process_cpu_time};
use exercise::run_phases;

use std::collections::HashSet;
use std::sync::{Arc, mpsc};
use std::thread::{self, Thread, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(usize, fn(usize), fn(usize)) = run_phases::<fn(usize), fn(usize)>;

// Bounds on hangs only (a correct run_phases returns in milliseconds);
// info.toml's per-test timeout is above them.
const LIMIT: Duration = Duration::from_secs(4);
// How long the late worker waits for the others to finish phase 1: starting
// over a thousand threads takes a while on a loaded machine.
const GATHER: Duration = Duration::from_secs(3);

// What the phase callbacks saw.
#[derive(Default)]
struct State {
    // Phase-1 calls that have returned, phase-2 calls that have started.
    phase1_done: usize,
    phase2_started: usize,
    // The threads that ran phase 1 and phase 2 of each worker, per call.
    threads1: Vec<Vec<ThreadId>>,
    threads2: Vec<Vec<ThreadId>>,
    // Indices out of range.
    bad_index: Option<usize>,
    // (worker, phase-1 calls done) for each phase 2 that started early.
    early: Vec<(usize, usize)>,
    // The late worker gave up waiting for the others' phase 1: how many
    // had finished.
    not_together: Option<usize>,
    // CPU time and length of the late worker's hold.
    hold: Option<(Duration, Duration)>,
    // The threads of the workers that finished phase 1: the late worker
    // unparks them again and again while it holds (a wait that parks once
    // and trusts the next unpark goes on too soon).
    waiting: Vec<Thread>,
    // Whether the process went quiet while the late worker held (when the
    // probe checks that).
    quiet: Option<Stretch>,
    // Voluntary context switches of a worker's thread at the end of its
    // phase 1, and between its phase 1 and its phase 2.
    switches_at_end1: Vec<Option<i64>>,
    switches_between: Vec<Option<i64>>,
}

struct Probe {
    workers: usize,
    // The worker whose phase 1 waits for every other phase 1 to end, and
    // then for `hold` or until a phase 2 starts, whichever comes first.
    late: usize,
    hold: Duration,
    // Check at the start of the hold that every other thread is blocked.
    check_quiet: bool,
    state: Latch<State>,
}

impl Probe {
    fn new(workers: usize, late: usize, hold: Duration, check_quiet: bool) -> Arc<Probe> {
        let state = State {
            threads1: vec![Vec::new(); workers],
            threads2: vec![Vec::new(); workers],
            switches_at_end1: vec![None; workers],
            switches_between: vec![None; workers],
            ..State::default()
        };
        Arc::new(Probe {
            workers,
            late,
            hold,
            check_quiet,
            state: Latch::new(state),
        })
    }

    fn phase1(&self, i: usize) {
        let me = thread::current().id();
        let in_range = self.state.update(|s| match s.threads1.get_mut(i) {
            Some(ids) => {
                ids.push(me);
                true
            }
            None => {
                s.bad_index.get_or_insert(i);
                false
            }
        });
        let n = self.workers;
        if in_range && i == self.late {
            if self.state.wait_until(GATHER, |s| s.phase1_done >= n - 1) {
                let cpu = process_cpu_time();
                let started = Instant::now();
                if self.check_quiet {
                    // Quiet for the whole hold (no stray unparks then: they
                    // would only wake a thread that parks): a worker that
                    // sleeps and looks again wakes up in it.
                    let quiet = quiet::quiet_until(started + self.hold);
                    self.state.update(|s| s.quiet = Some(quiet));
                }
                // Expected to time out: no phase 2 may start while this
                // phase 1 has not returned. Meanwhile, stray unparks for the
                // workers that wait.
                loop {
                    let left = self.hold.saturating_sub(started.elapsed());
                    if left.is_zero() || self.state.update(|s| s.phase2_started > 0) {
                        break;
                    }
                    for t in self.state.update(|s| s.waiting.clone()) {
                        t.unpark();
                    }
                    // (The latch gives up at once after a timed-out wait: sleep.)
                    thread::sleep(left.min(Duration::from_millis(5)));
                }
                let cpu = process_cpu_time().saturating_sub(cpu);
                let held = started.elapsed();
                self.state.update(|s| s.hold = Some((cpu, held)));
            } else {
                self.state.update(|s| s.not_together = Some(s.phase1_done));
            }
        }
        let switches = context_switches(Of::Thread).map(|s| s.voluntary);
        self.state.update(|s| {
            s.phase1_done += 1;
            if let Some(slot) = s.switches_at_end1.get_mut(i) {
                *slot = switches;
            }
            if i != self.late {
                s.waiting.push(thread::current());
            }
        });
    }

    fn phase2(&self, i: usize) {
        let me = thread::current().id();
        let switches = context_switches(Of::Thread).map(|s| s.voluntary);
        let n = self.workers;
        self.state.update(|s| {
            s.phase2_started += 1;
            if s.phase1_done < n {
                s.early.push((i, s.phase1_done));
            }
            match s.threads2.get_mut(i) {
                Some(ids) => ids.push(me),
                None => {
                    s.bad_index.get_or_insert(i);
                }
            }
            if let (Some(&Some(end1)), Some(now)) = (s.switches_at_end1.get(i), switches)
                && let Some(slot) = s.switches_between.get_mut(i)
            {
                *slot = Some(now - end1);
            }
        });
    }
}

// How long run_phases takes with callbacks that do nothing: the late
// worker's hold is well beyond any fixed pause the code may make.
fn quick_run(workers: usize) -> Duration {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        let started = Instant::now();
        run_phases(workers, |_| {}, |_| {});
        let _ = done.send(started.elapsed());
    });
    finished.recv_timeout(LIMIT).unwrap_or_else(|_| {
        panic!(
            "run_phases({workers} workers) with callbacks that do nothing did not return after \
             {LIMIT:?}: does every worker reach the barrier, and is the barrier sized for all \
             {workers} workers (Barrier::new(workers)), made once and shared?"
        )
    })
}

// Runs run_phases with the probe; checks everything the probe saw.
fn check(workers: usize, late: usize, hold: Duration) -> State {
    check_with(Probe::new(workers, late, hold, false))
}

fn check_with(probe: Arc<Probe>) -> State {
    let (workers, late, hold) = (probe.workers, probe.late, probe.hold);
    let (done, finished) = mpsc::channel();
    let caller = {
        let probe = Arc::clone(&probe);
        let (id_tx, id_rx) = mpsc::channel();
        thread::spawn(move || {
            id_tx.send(thread::current().id()).unwrap();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_phases(workers, |i| probe.phase1(i), |i| probe.phase2(i));
            }));
            let _ = done.send(result.map_err(|p| panic_message(&p)));
        });
        id_rx.recv().unwrap()
    };
    let outcome = finished.recv_timeout(LIMIT + GATHER + hold);
    let state = probe.state.update(std::mem::take);
    let n = workers;
    if let Some(&(worker, done)) = state.early.first() {
        panic!(
            "worker {worker}'s phase 2 started when only {done} of {n} workers had finished \
             phase 1 (worker {late} was still in phase 1, and other code had unparked the \
             waiting workers' threads; {} phase 2 calls started early): phase 2 must wait until \
             every worker is done with phase 1, however long that takes. A count checked once, \
             a pause, a timeout or a single park is not a wait, and a Barrier sized for fewer \
             than {n} workers (or shared with another run) lets them go too soon",
            state.early.len()
        );
    }
    if let Some(done) = state.not_together {
        panic!(
            "worker {late}'s phase 1 waited {GATHER:?} for the other {} workers to finish phase \
             1, but only {done} did: the workers should run phase 1 at the same time, each on a \
             thread of its own",
            n - 1
        );
    }
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(msg)) => panic!("run_phases panicked: {msg}"),
        Err(_) => panic!(
            "run_phases({n} workers) did not return ({} phase-1 calls returned, {} phase-2 calls \
             started): are workers stuck at the barrier? It must be made once, shared by all \
             workers, and sized for all {n} of them: Barrier::new(workers)",
            state.phase1_done, state.phase2_started
        ),
    }
    if let Some(i) = state.bad_index {
        panic!("a phase callback got index {i}, but there are only {n} workers (0..{n})");
    }
    for i in 0..n {
        let (c1, c2) = (state.threads1[i].len(), state.threads2[i].len());
        assert!(
            c1 == 1 && c2 == 1,
            "worker {i}: phase1({i}) ran {c1} times and phase2({i}) {c2} times; each should run \
             exactly once"
        );
    }
    for i in 0..n {
        assert!(
            state.threads1[i][0] == state.threads2[i][0],
            "worker {i} ran phase 1 and phase 2 on different threads: each worker is one thread \
             that runs both phases (with a barrier between them), not a thread per phase"
        );
    }
    let distinct: HashSet<ThreadId> = state.threads1.iter().map(|ids| ids[0]).collect();
    assert!(
        distinct.len() == n,
        "{n} workers ran on {} distinct threads: each worker needs a thread of its own",
        distinct.len()
    );
    assert!(
        !distinct.contains(&caller),
        "a worker ran on the thread that called run_phases: start a thread for each worker"
    );
    state
}

// The late worker's hold: well beyond a run with instant callbacks.
fn hold_for(workers: usize) -> Duration {
    quick_run(workers) * 2 + Duration::from_millis(30)
}

#[test]
fn phase_2_waits_for_every_phase_1() {
    let mut rng = Rng::from_env();
    let workers = 2 + rng.below(31);
    let late = rng.below(workers);
    check(workers, late, hold_for(workers));
}

#[test]
fn two_workers() {
    let mut rng = Rng::from_env();
    let late = rng.below(2);
    check(2, late, hold_for(2));
}

#[test]
fn thirty_two_workers_more_than_any_machine_has_cores() {
    let mut rng = Rng::from_env();
    let late = rng.below(32);
    check(32, late, hold_for(32));
}

#[test]
fn zero_and_one_worker() {
    check(1, 0, hold_for(1));
    let calls = Arc::new(Latch::new(0));
    let (done, finished) = mpsc::channel();
    let c = Arc::clone(&calls);
    thread::spawn(move || {
        run_phases(0, |_| c.update(|n| *n += 1), |_| c.update(|n| *n += 1));
        let _ = done.send(());
    });
    assert!(
        finished.recv_timeout(LIMIT).is_ok(),
        "run_phases with 0 workers did not return"
    );
    let n = calls.update(|n| *n);
    assert!(n == 0, "run_phases with 0 workers called a phase {n} times");
}

#[test]
fn workers_wait_at_the_barrier_without_spinning() {
    // Long enough that a wait with a timeout gives up first, and a poller
    // shows in the quiet windows.
    const HOLD: Duration = Duration::from_millis(1200);
    let mut rng = Rng::from_env();
    let workers = 4 + rng.below(9);
    let late = rng.below(workers);
    let hold = HOLD.max(hold_for(workers));
    let state = check_with(Probe::new(workers, late, hold, true));
    let (cpu, held) = state.hold.expect("the late worker's hold was not measured");
    quiet::assert_quiet_stretch(
        state.quiet.expect("the quiet check did not run"),
        &format!("{} workers", workers - 1),
        &format!("worker {late} to finish phase 1"),
    );
    for (i, switches) in state.switches_between.iter().enumerate() {
        if let Some(&switches) = switches.as_ref()
            && i != late
        {
            assert!(
                switches < 10,
                "worker {i} went to sleep and woke up {switches} times between its phase 1 and \
                 its phase 2 (it waited about {held:?}): it polls (a sleep in a loop) instead \
                 of blocking until the last worker arrives"
            );
        }
    }
    assert!(
        cpu * 4 < held,
        "while {} workers waited {held:?} for worker {late} to finish phase 1, the process used \
         {cpu:?} of CPU: they check again and again instead of sleeping. Barrier::wait blocks \
         without using the CPU",
        workers - 1
    );
}

#[test]
fn more_workers_than_any_fixed_number() {
    let mut rng = Rng::from_env();
    // Above any cap a source could pick (128, 256, 512, 1024), and random
    // (info.toml raises the thread and memory limits for them).
    let workers = 1025 + rng.below(64);
    let late = rng.below(workers);
    check(workers, late, hold_for(workers));
}

#[test]
fn two_runs_at_the_same_time_each_wait_for_their_own_workers() {
    // Two calls of run_phases with the same number of workers, at the same
    // time: each one's phase 2 waits for its own phase 1 only, and for all of
    // it (a barrier shared between the calls fills with workers of both).
    let mut rng = Rng::from_env();
    let workers = 2 + rng.below(7);
    let hold = hold_for(workers) + Duration::from_millis(50);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let late = rng.below(workers);
            thread::spawn(move || {
                check(workers, late, hold);
            })
        })
        .collect();
    for run in runs {
        if let Err(p) = run.join() {
            panic!(
                "one of two run_phases({workers}) calls made at the same time: {}",
                panic_message(&p)
            );
        }
    }
}
