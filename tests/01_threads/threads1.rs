use exercise::run_on_new_thread;

use super::support::{Latch, Rng, lock, panic_message, process_cpu_time, within};
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(fn() -> u32) -> Option<u32> = run_on_new_thread::<u32, fn() -> u32>;
const _: fn(fn() -> Vec<String>) -> Option<Vec<String>> =
    run_on_new_thread::<Vec<String>, fn() -> Vec<String>>;

const LIMIT: Duration = Duration::from_secs(2);
const STRETCH: Duration = Duration::from_millis(150);
const HANGS: &str = "run_on_new_thread did not return: is the thread joined exactly once?";

#[test]
fn returns_what_the_job_returned() {
    let mut rng = Rng::from_env();
    let words: Vec<String> = (0..rng.range(1..9))
        .map(|_| format!("word{}", rng.next_u64()))
        .collect();
    let expected = words.clone();
    let got = within(LIMIT, HANGS, move || run_on_new_thread(move || words));
    match got {
        Some(got) => assert!(
            got == expected,
            "the job returned {expected:?}, run_on_new_thread gave Some({got:?})"
        ),
        None => panic!("the job returned {expected:?} without panicking, yet got None"),
    }
    let number = rng.next_u64();
    let got = within(LIMIT, HANGS, move || run_on_new_thread(move || number));
    assert!(
        got == Some(number),
        "the job returned {number}, run_on_new_thread gave {got:?}"
    );
}

#[test]
fn waits_for_a_slow_job() {
    let got = within(LIMIT, HANGS, || {
        run_on_new_thread(|| {
            thread::sleep(Duration::from_millis(20));
            7_u64
        })
    });
    assert!(
        got == Some(7),
        "a job that sleeps 20 ms and returns 7: expected Some(7), got {got:?}"
    );
}

#[test]
fn returns_only_after_the_thread_ended() {
    // How long the call takes with a job that does nothing...
    let quick = within(LIMIT, HANGS, || {
        let started = Instant::now();
        run_on_new_thread(|| ());
        started.elapsed()
    });
    // ...then a job whose thread takes longer than that to end.
    let probe = EndProbe::new(quick);
    let (got, (armed, ended)) = within(probe.limit(), HANGS, move || {
        let got = run_on_new_thread(move || {
            probe.arm();
            5_u32
        });
        (got, probe.returned())
    });
    assert!(got == Some(5), "the job returned 5, got {got:?}");
    assert!(armed == 1, "the job ran {armed} times, expected once");
    assert!(
        ended == armed,
        "run_on_new_thread returned while the job's thread was still ending (its \
         thread-locals were still being dropped): only JoinHandle::join waits until a thread \
         has ended. A sleep, a channel, is_finished() or thread::scope only see the job's \
         closure return"
    );
}

#[test]
fn waits_without_spinning() {
    let got = assert_waits_without_spinning(1, "run_on_new_thread", |blocker| {
        run_on_new_thread(move || {
            block(blocker);
            3_u8
        })
    });
    assert!(
        got == Some(3),
        "the job returned 3, run_on_new_thread gave {got:?}"
    );
}
#[test]
fn job_runs_on_a_new_thread() {
    let (caller, ran_on) = within(LIMIT, HANGS, || {
        let caller = thread::current().id();
        (caller, run_on_new_thread(|| thread::current().id()))
    });
    let ran_on = ran_on.expect("run_on_new_thread returned None, but the job did not panic");
    assert_ne!(
        ran_on, caller,
        "the job ran on the caller's own thread: run it on a new thread with thread::spawn"
    );
}

#[test]
fn panicking_job_gives_none() {
    let outcome = within(LIMIT, HANGS, || {
        panic::catch_unwind(|| {
            run_on_new_thread(|| -> u32 {
                panic!("this panic is part of the hidden test (expected)")
            })
        })
    });
    match outcome {
        Ok(None) => {}
        Ok(Some(v)) => panic!("the job panicked, yet run_on_new_thread returned Some({v})"),
        Err(payload) => panic!(
            "run_on_new_thread panicked itself ({:?}) when the job panicked: join() returns \
             Err for a thread that panicked; turn that Err into None instead of unwrapping it",
            panic_message(&payload)
        ),
    }
}

#[test]
fn a_panicking_job_ran_on_its_own_thread() {
    // Catching the panic on the caller's thread (catch_unwind) is not a thread.
    let (caller, panicked_on) = within(LIMIT, HANGS, || {
        let caller = thread::current().id();
        let (tx, rx) = std::sync::mpsc::channel();
        let result = run_on_new_thread(move || -> u32 {
            let _ = tx.send(thread::current().id());
            panic!("this panic is part of the hidden test (expected)")
        });
        assert!(result.is_none(), "the job panicked, so expected None");
        (caller, rx.recv().expect("the job never ran"))
    });
    assert_ne!(
        panicked_on, caller,
        "the job ran on the caller's own thread: run it on a new thread with thread::spawn"
    );
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
