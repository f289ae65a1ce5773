use super::support::{Latch, assert_waits_without_spinning, block, within};
use exercise::{Worker, start};

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;
use std::time::Instant;

const LIMIT: Duration = Duration::from_millis(1500);
const WAIT: Duration = Duration::from_secs(1);
const STOP_HANGS: &str = "stop() did not return: the worker thread never saw the flag. Does the thread read \
     the very same flag that stop() sets (not its own copy of a bool)?";

// A tick for the tests: counts itself and takes about a millisecond.
fn counting_tick(count: &Arc<AtomicU64>) -> impl FnMut() + Send + 'static {
    let count = Arc::clone(count);
    move || {
        count.fetch_add(1, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(1));
    }
}

// Waits until `count` reaches `at_least`; false after a second without.
fn wait_for(count: &AtomicU64, at_least: u64) -> bool {
    let deadline = Instant::now() + WAIT;
    while count.load(Ordering::SeqCst) < at_least {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    true
}

const START_HANGS: &str = "start() did not return: does it wait for the worker thread (join it, or run the \
     ticks itself) instead of returning the Worker at once?";

// The API, pinned: these fail to compile if a signature changed.
const _: fn(Worker) -> u64 = Worker::stop;
#[allow(dead_code)]
fn start_takes_a_tick_closure() -> Worker {
    let mut ticks = 0_u64;
    let worker: Worker = start(move || ticks += 1);
    worker
}

#[track_caller]
fn stop_within_limit(worker: Worker) -> u64 {
    within(LIMIT, STOP_HANGS, move || worker.stop())
}

// `start`, bounded: a start() that never returns fails the test.
#[track_caller]
fn start_within_limit(tick: impl FnMut() + Send + 'static) -> Worker {
    within(LIMIT, START_HANGS, move || start(tick))
}

#[test]
fn stop_ends_the_worker_and_counts_its_ticks() {
    let count = Arc::new(AtomicU64::new(0));
    let worker = start_within_limit(counting_tick(&count));
    assert!(
        wait_for(&count, 3),
        "the worker called tick only {} times in a second: should it not keep ticking until stopped?",
        count.load(Ordering::SeqCst)
    );
    let ticks = stop_within_limit(worker);
    let seen = count.load(Ordering::SeqCst);
    assert_eq!(
        ticks, seen,
        "stop() returned {ticks}, but tick was called {seen} times: did stop() return before the worker \
         thread had finished (join it), or count the ticks somewhere else?"
    );
    thread::sleep(Duration::from_millis(5));
    let later = count.load(Ordering::SeqCst);
    assert_eq!(
        later, seen,
        "tick was still being called after stop() returned ({seen} calls then, {later} now): \
         the worker thread kept running"
    );
}

#[test]
fn ticks_run_on_one_worker_thread() {
    let ids = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicU64::new(0));
    let mut counted = counting_tick(&count);
    let record = Arc::clone(&ids);
    let worker = start_within_limit(move || {
        record.lock().unwrap().push(thread::current().id());
        counted();
    });
    assert!(
        wait_for(&count, 3),
        "the worker did not tick 3 times within a second"
    );
    stop_within_limit(worker);
    let ids = ids.lock().unwrap();
    assert!(
        !ids.contains(&thread::current().id()),
        "tick ran on the thread that called start(): the ticks belong on the worker's own thread"
    );
    let distinct: HashSet<_> = ids.iter().collect();
    assert_eq!(
        distinct.len(),
        1,
        "the ticks ran on {} different threads, expected one worker thread",
        distinct.len()
    );
}

#[test]
fn stop_waits_for_the_tick_in_progress() {
    // The third tick blocks until the test lets it go. stop() is called
    // while it blocks: it must not return before that tick has finished.
    let count = Arc::new(AtomicU64::new(0));
    let finished_third = Arc::new(AtomicBool::new(false));
    let (inside_tx, inside_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let worker = {
        let count = Arc::clone(&count);
        let finished_third = Arc::clone(&finished_third);
        start_within_limit(move || {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            if n == 3 {
                let _ = inside_tx.send(());
                let _ = release_rx.recv_timeout(WAIT);
                finished_third.store(true, Ordering::SeqCst);
            }
        })
    };
    inside_rx
        .recv_timeout(WAIT)
        .expect("the worker never reached its third tick within a second");
    let (returned_tx, returned_rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = returned_tx.send(worker.stop());
    });
    let early = returned_rx.recv_timeout(Duration::from_millis(50)).is_ok();
    let _ = release_tx.send(());
    assert!(
        !early,
        "stop() returned while the worker was still in the middle of a tick: \
         stop() should wait for the worker thread to end (join it)"
    );
    let ticks = returned_rx
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("no result after {LIMIT:?}: {STOP_HANGS}"));
    assert!(
        finished_third.load(Ordering::SeqCst),
        "stop() returned before the worker finished its tick"
    );
    assert_eq!(
        ticks,
        count.load(Ordering::SeqCst),
        "stop() should return the number of ticks made"
    );
}

#[test]
fn stopping_one_worker_leaves_the_others_running() {
    let count_a = Arc::new(AtomicU64::new(0));
    let count_b = Arc::new(AtomicU64::new(0));
    let a = start_within_limit(counting_tick(&count_a));
    let b = start_within_limit(counting_tick(&count_b));
    assert!(
        wait_for(&count_a, 1) && wait_for(&count_b, 1),
        "the two workers did not both start ticking"
    );
    stop_within_limit(a);
    let b_then = count_b.load(Ordering::SeqCst);
    assert!(
        wait_for(&count_b, b_then + 3),
        "worker B stopped ticking when worker A was stopped: does every worker have a flag of its own \
         (not one static flag for all of them)?"
    );
    stop_within_limit(b);

    let count_c = Arc::new(AtomicU64::new(0));
    let c = start_within_limit(counting_tick(&count_c));
    assert!(
        wait_for(&count_c, 3),
        "a worker started after the others were stopped did not keep ticking: is it reading an old stop flag?"
    );
    stop_within_limit(c);
}

// Sets `ended` when the thread that owns it ends: thread-local values are
// dropped as their thread exits, after its closure has returned, and only
// `JoinHandle::join` waits for that. The drop takes `linger`, so that a
// stop() that only sleeps, or polls a flag or `is_finished`, returns first.
struct OnThreadEnd {
    linger: Duration,
    ended: Arc<AtomicBool>,
}

impl Drop for OnThreadEnd {
    fn drop(&mut self) {
        thread::sleep(self.linger);
        self.ended.store(true, Ordering::SeqCst);
    }
}

thread_local! {
    static ON_END: std::cell::RefCell<Option<OnThreadEnd>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn stop_returns_only_after_the_worker_thread_has_ended() {
    // First, how long does stop() take with nothing to wait for? Whatever
    // stop() does besides waiting for the thread (a sleep, say), the
    // worker's thread then takes longer than that to end.
    let count = Arc::new(AtomicU64::new(0));
    let worker = start_within_limit(counting_tick(&count));
    assert!(
        wait_for(&count, 2),
        "the worker did not tick twice within a second"
    );
    let began = Instant::now();
    stop_within_limit(worker);
    let plain_stop = began.elapsed();
    let linger = plain_stop * 2 + Duration::from_millis(20);

    let count = Arc::new(AtomicU64::new(0));
    let ended = Arc::new(AtomicBool::new(false));
    let worker = {
        let mut counted = counting_tick(&count);
        let ended = Arc::clone(&ended);
        start_within_limit(move || {
            ON_END.with(|slot| {
                slot.borrow_mut().get_or_insert_with(|| OnThreadEnd {
                    linger,
                    ended: Arc::clone(&ended),
                });
            });
            counted();
        })
    };
    assert!(
        wait_for(&count, 2),
        "the worker did not tick twice within a second"
    );
    let ticks = within(LIMIT + linger, STOP_HANGS, move || worker.stop());
    assert!(
        ended.load(Ordering::SeqCst),
        "stop() returned before the worker's thread had ended (the test made the thread's exit take \
         {} ms, dropping its thread-local values): stop() has to wait for the thread itself, \
         with JoinHandle::join, not sleep or poll a flag until the loop looks finished",
        linger.as_millis()
    );
    assert_eq!(
        ticks,
        count.load(Ordering::SeqCst),
        "stop() should return the number of ticks made"
    );
}

#[test]
fn stop_waits_without_spinning() {
    // While the worker is stuck in a tick, stop() can only wait for it: it
    // blocks in join(), using no CPU. A stop() that checks again and again
    // (is_finished or a flag in a loop, with or without a sleep) shows up.
    let ticks = assert_waits_without_spinning(1, "stop()", STOP_HANGS, |blocker| {
        let mut first = true;
        let worker = start(move || {
            if first {
                first = false;
                block(blocker);
            }
        });
        // Stop it only once it is in that tick.
        blocker.wait_until(WAIT, |&(arrived, _, _)| arrived >= 1);
        worker.stop()
    });
    assert_eq!(
        ticks, 1,
        "the worker was stopped during its first tick: stop() should return 1 tick"
    );
}

#[test]
fn stop_waits_through_a_long_tick_without_waking_up() {
    // The worker's first tick takes 1.5 s. stop(), called during it, can only
    // wait for the thread, blocked in join(): the process stays quiet the
    // whole time. A stop() that checks is_finished or a flag and sleeps in
    // between (for a millisecond or for a second) wakes up in the middle.
    use super::support::quiet_through::{assert_quiet, watch};
    const TICK: Duration = Duration::from_millis(1500);
    // (in the first tick, the first tick may end)
    let state: &'static Latch<(bool, bool)> = Box::leak(Box::new(Latch::new((false, false))));
    let mut first = true;
    let worker = start_within_limit(move || {
        if first {
            first = false;
            state.update(|s| s.0 = true);
            state.wait_until(TICK + LIMIT + LIMIT, |s| s.1);
        }
    });
    assert!(
        state.wait_until(WAIT, |s| s.0),
        "the worker did not start its first tick within a second"
    );
    let (returned_tx, returned_rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = returned_tx.send(worker.stop());
    });
    let stretch = watch(TICK);
    state.update(|s| s.1 = true);
    let ticks = returned_rx
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("no result after {LIMIT:?}: {STOP_HANGS}"));
    assert_quiet(stretch, "stop()", "a tick of 1.5 s to end", TICK);
    assert_eq!(
        ticks, 1,
        "the worker was stopped during its first tick: stop() should return 1 tick"
    );
}
