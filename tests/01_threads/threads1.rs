use exercise::run_on_new_thread;

use super::support::{
    Blocker, Deliberate, EndProbe, Latch, QuietReturn, Rng, assert_blocks_through_stretch, block, deliberate_panic,
    end_probe_holding, lock, long_hold, panic_message, process_cpu_time, quiet, within,
};
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
/// How many calls `returns_soon` checks.
const SOON_CALLS: usize = 4;
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

/// What a job of `probed_job` does besides returning 5.
#[derive(Clone, Copy)]
enum Role {
    Plain,
    /// Waits until the rest of the process is quiet (so that it takes as
    /// long as a `Quiet` job), then arms the probe.
    Probed(&'static EndProbe),
    /// Waits until the rest of the process is quiet and notes when.
    Quiet(&'static QuietReturn),
    /// Blocks until the test releases it.
    Blocked(&'static Blocker),
}

/// One closure type and one result for the timing call, the probed call and
/// the call that must return soon: the code cannot tell them apart by type,
/// size or value.
fn probed_job(role: Role) -> impl FnOnce() -> u32 + Send + 'static {
    move || {
        match role {
            Role::Plain => {}
            Role::Probed(probe) => {
                let _ = quiet::wait_until_quiet();
                probe.arm();
            }
            Role::Quiet(quiet) => quiet.wait(),
            Role::Blocked(blocker) => block(blocker),
        }
        5
    }
}

#[test]
fn returns_only_after_the_thread_ended() {
    // How long the call takes with a job that does nothing...
    let quick = within(LIMIT, HANGS, || {
        let started = Instant::now();
        run_on_new_thread(probed_job(Role::Plain));
        started.elapsed()
    });
    // ...then a job whose thread takes longer than that to end (and longer
    // than `returns_soon_after_the_thread_ended` lets a call take).
    let probe = end_probe_holding(long_hold(quick));
    let (got, (armed, ended)) = within(probe.limit(), HANGS, move || {
        let got = run_on_new_thread(probed_job(Role::Probed(probe)));
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
    // A first call, then the one that counts.
    let first = within(LIMIT, HANGS, || run_on_new_thread(probed_job(Role::Plain)));
    assert!(first == Some(5), "the job returned 5, got {first:?}");
    let got = assert_blocks_through_stretch(1, "run_on_new_thread", HANGS, |blocker| {
        run_on_new_thread(probed_job(Role::Blocked(blocker)))
    });
    assert!(
        got == Some(5),
        "the job returned 5, run_on_new_thread gave {got:?}"
    );
}

#[test]
fn returns_soon_after_the_thread_ended() {
    // A first call, then the ones that count (several: code that naps for
    // a random time must be lucky every time).
    let first = within(LIMIT, HANGS, || run_on_new_thread(probed_job(Role::Plain)));
    assert!(first == Some(5), "the job returned 5, got {first:?}");
    for _ in 0..SOON_CALLS {
        let quiet: &'static QuietReturn = Box::leak(Box::new(QuietReturn::new()));
        let (got, returned) = within(LIMIT, HANGS, move || {
            let got = run_on_new_thread(probed_job(Role::Quiet(quiet)));
            (got, Instant::now())
        });
        assert!(got == Some(5), "the job returned 5, got {got:?}");
        quiet.check(returned, "run_on_new_thread");
    }
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
            run_on_new_thread(|| -> u32 { deliberate_panic() })
        })
    });
    match outcome {
        Ok(None) => {}
        Ok(Some(v)) => panic!("the job panicked, yet run_on_new_thread returned Some({v})"),
        Err(payload) if payload.is::<Deliberate>() => panic!(
            "the job's own panic came out of run_on_new_thread: did the job run on the \
             caller's thread, or was join()'s Err passed on? On a thread of its own, a panicking \
             job makes join() return Err; turn that Err into None"
        ),
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
    let (caller, panicked_on, result) = within(LIMIT, HANGS, || {
        let caller = thread::current().id();
        let (tx, rx) = std::sync::mpsc::channel();
        let result = panic::catch_unwind(AssertUnwindSafe(move || {
            run_on_new_thread(move || -> u32 {
                let _ = tx.send(thread::current().id());
                deliberate_panic()
            })
        }));
        (caller, rx.recv().expect("the job never ran"), result.map_err(|p| panic_message(&p)))
    });
    if let Err(message) = result {
        assert_ne!(
            panicked_on, caller,
            "the job's panic ({message}) reached the caller of run_on_new_thread, and the job \
             ran on the caller's own thread: run it on a new thread with thread::spawn"
        );
    }
    assert_ne!(
        panicked_on, caller,
        "the job ran on the caller's own thread: run it on a new thread with thread::spawn"
    );
}
