use super::support::quiet::{self, Stretch};
use super::support::{EndProbe, Latch, Rng, lock, process_cpu_time, within};
use exercise::{Service, Worker};

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile. `Confined`, the
// test's service, holds an `Rc` and is not `Send`: `start` must take it.
type Make = Box<dyn FnOnce() -> Confined + Send>;
const _: fn(Make) -> Worker = Worker::start::<Confined, Make>;
const _: fn(&Worker, u64) -> u64 = Worker::call;
const _: fn(Worker) = Worker::close;

// The handle may go to any thread; only the service stays where it is.
const _: () = {
    fn the_worker_handle_must_be_send<T: Send>() {}
    let _ = the_worker_handle_must_be_send::<Worker>;
};

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "the worker did not answer or did not end: does the worker's loop end when the Worker is \
     closed (is the request Sender dropped before joining)?";

// What the test's service saw, kept outside it.
#[derive(Default)]
struct Log {
    built_on: Vec<ThreadId>,
    handled_on: Vec<ThreadId>,
    dropped_on: Vec<ThreadId>,
}

// The test's service. It holds an `Rc`, so it is not `Send`: a `Worker`
// that asks for a `Send` service cannot run it (the tests do not compile).
struct Confined {
    calls: Rc<Cell<u64>>,
    offset: u64,
    log: Arc<Mutex<Log>>,
}

impl Service for Confined {
    fn handle(&mut self, request: u64) -> u64 {
        lock(&self.log).handled_on.push(thread::current().id());
        self.calls.set(self.calls.get() + 1);
        // Depends on the service's own state: a new service per request, or
        // a request answered twice, gives other numbers.
        request
            .wrapping_mul(3)
            .wrapping_add(self.calls.get() * 1000 + self.offset)
    }
}

impl Drop for Confined {
    fn drop(&mut self) {
        lock(&self.log).dropped_on.push(thread::current().id());
    }
}

fn expected(offset: u64, requests: &[u64]) -> Vec<u64> {
    requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.wrapping_mul(3)
                .wrapping_add((i as u64 + 1) * 1000 + offset)
        })
        .collect()
}

// A factory that can be called once only (it moves `offset_box` out), and
// that records where it ran; `on_build` runs there too.
fn factory(
    offset: u64,
    log: &Arc<Mutex<Log>>,
    on_build: impl FnOnce() + Send + 'static,
) -> impl FnOnce() -> Confined + Send + 'static {
    let offset_box = Box::new(offset);
    let log = Arc::clone(log);
    move || {
        lock(&log).built_on.push(thread::current().id());
        on_build();
        Confined {
            calls: Rc::new(Cell::new(0)),
            offset: *offset_box,
            log,
        }
    }
}

fn take_log(log: &Arc<Mutex<Log>>) -> Log {
    std::mem::take(&mut *lock(log))
}

#[test]
fn replies_come_from_one_service_in_order() {
    let mut rng = Rng::from_env();
    let offset = rng.range(0..1000);
    // Any u64 is a request: the largest and the smallest too (nothing may
    // stand for "stop" in the requests themselves).
    let mut requests: Vec<u64> = (0..rng.range(3..40))
        .map(|i| {
            if i % 2 == 0 {
                rng.range(0..1_000_000)
            } else {
                rng.next_u64()
            }
        })
        .chain([0, u64::MAX, u64::MAX - 1, 1 << 63])
        .collect();
    rng.shuffle(&mut requests);
    let log = Arc::new(Mutex::new(Log::default()));
    let make = factory(offset, &log, || {});
    let sent = requests.clone();
    let replies = within(LIMIT, HANGS, move || {
        let worker = Worker::start(make);
        let replies: Vec<u64> = sent.iter().map(|&r| worker.call(r)).collect();
        worker.close();
        replies
    });
    let log = take_log(&log);
    assert_eq!(
        log.built_on.len(),
        1,
        "the service should be built once, by the worker, however many requests it gets"
    );
    assert_eq!(
        log.handled_on.len(),
        requests.len(),
        "{} requests should reach the service {} times",
        requests.len(),
        requests.len()
    );
    assert!(
        replies == expected(offset, &requests),
        "the replies to {} requests are not the service's answers, in order: each call should send its \
         request to the one service and return that service's reply to it (every u64 is a request, 0 \
         and u64::MAX too)",
        requests.len()
    );
}

#[test]
fn the_service_lives_and_dies_on_the_worker_thread() {
    let log = Arc::new(Mutex::new(Log::default()));
    let make = factory(7, &log, || {});
    let (caller, dropped_before_close_returned) = within(LIMIT, HANGS, {
        let log = Arc::clone(&log);
        move || {
            let worker = Worker::start(make);
            for r in 0..5 {
                worker.call(r);
            }
            worker.close();
            let dropped = !lock(&log).dropped_on.is_empty();
            (thread::current().id(), dropped)
        }
    });
    let log = take_log(&log);
    let built_on = *log
        .built_on
        .first()
        .expect("the service was never built: start should call make (once)");
    assert!(
        built_on != caller,
        "the service was built on the thread that called Worker::start: build it on the worker thread, \
         where it will live (the factory may cross threads, the service may not)"
    );
    assert!(
        log.handled_on.iter().all(|&id| id == built_on),
        "the service answered requests on another thread than the one that built it: everything it does \
         happens on the worker thread"
    );
    assert!(
        dropped_before_close_returned,
        "close returned before the service was dropped: the worker thread should end (dropping the \
         service) before close returns"
    );
    assert!(
        log.dropped_on == [built_on],
        "the service should be dropped once, on the worker thread that built it (dropped {} times)",
        log.dropped_on.len()
    );
}

#[test]
fn the_handle_can_move_to_another_thread() {
    let log = Arc::new(Mutex::new(Log::default()));
    let make = factory(11, &log, || {});
    // Started on one thread, used and closed on another.
    let (worker, starter) = within(LIMIT, HANGS, move || {
        (Worker::start(make), thread::current().id())
    });
    let (replies, user) = within(LIMIT, HANGS, move || {
        let replies = vec![worker.call(1), worker.call(2)];
        worker.close();
        (replies, thread::current().id())
    });
    let log = take_log(&log);
    assert!(
        replies == expected(11, &[1, 2]),
        "a Worker started on one thread and called from another gave the wrong replies"
    );
    let on_worker = log
        .built_on
        .iter()
        .chain(&log.handled_on)
        .chain(&log.dropped_on)
        .all(|&id| id != starter && id != user);
    assert!(
        on_worker,
        "the service was built, used or dropped on a thread that started or used the Worker handle: it \
         should stay on the worker thread"
    );
}

#[test]
fn an_idle_worker_closes_too() {
    let log = Arc::new(Mutex::new(Log::default()));
    let make = factory(0, &log, || {});
    within(LIMIT, HANGS, move || Worker::start(make).close());
    let log = take_log(&log);
    assert!(
        log.built_on.len() == 1 && log.dropped_on.len() == 1,
        "a Worker closed without any request should still build its service once and drop it once (built \
         {} times, dropped {} times)",
        log.built_on.len(),
        log.dropped_on.len()
    );
}

// How long a start, 3 calls and a close take with a quick service.
fn quick_round() -> Duration {
    let log = Arc::new(Mutex::new(Log::default()));
    let make = factory(0, &log, || {});
    within(LIMIT, HANGS, move || {
        let started = Instant::now();
        let worker = Worker::start(make);
        for r in 0..3 {
            worker.call(r);
        }
        worker.close();
        started.elapsed()
    })
}

// `close` and `drop` must wait for the worker thread to END: its
// thread-locals are dropped as it ends, after its closure returned, and only
// `join` waits for that.
fn assert_waits_for_the_worker_thread(how: &str, end: fn(Worker)) {
    let probe = EndProbe::new(quick_round());
    let log = Arc::new(Mutex::new(Log::default()));
    let make = factory(0, &log, move || probe.arm());
    let (armed, ended) = within(probe.limit(), HANGS, move || {
        let worker = Worker::start(make);
        worker.call(1);
        end(worker);
        probe.returned()
    });
    assert_eq!(
        armed, 1,
        "the service should be built once, on the worker thread"
    );
    assert!(
        ended == 1,
        "{how} returned while the worker thread was still ending: only JoinHandle::join waits until a \
         thread has ended (a sleep, a channel or a flag only see its loop stop). Keep the JoinHandle, close \
         the request channel, then join"
    );
}

#[test]
fn close_waits_for_the_worker_thread_to_end() {
    assert_waits_for_the_worker_thread("close()", Worker::close);
}

#[test]
fn dropping_the_worker_waits_for_its_thread_to_end() {
    assert_waits_for_the_worker_thread("dropping the Worker", drop);
}

#[test]
fn an_idle_worker_sleeps() {
    // A worker with nothing to do waits inside `recv`, using no CPU and
    // making no context switches; one that polls its channel (try_recv in a
    // loop, with or without a sleep) shows up in every window. Load on the
    // machine only makes a polling worker look better, never a blocked one
    // worse.
    // Quiet at once, and for a long stretch: a worker that looks again after
    // a sleep (even a long one) wakes up in it.
    const IDLE: Duration = Duration::from_millis(1000);
    let log = Arc::new(Mutex::new(Log::default()));
    let make = factory(0, &log, || {});
    let (cpu, stretch, quiet) = within(LIMIT + IDLE, HANGS, move || {
        let worker = Worker::start(make);
        worker.call(1);
        let cpu_before = process_cpu_time();
        let started = Instant::now();
        let quiet = quiet::quiet_until(started + IDLE);
        if started.elapsed() < IDLE {
            thread::sleep(IDLE - started.elapsed());
        }
        let busy = (
            process_cpu_time().saturating_sub(cpu_before),
            started.elapsed(),
            quiet,
        );
        worker.close();
        busy
    });
    quiet::assert_quiet_stretch(
        quiet,
        "the Worker had no request",
        "one (the idle worker checks its channel again and again: try_recv in a loop, with or without a \
         sleep. Block in recv, a for loop over the Receiver, until a request comes)",
    );
    assert!(
        cpu * 4 < stretch,
        "while the Worker had no request for {stretch:?}, the process kept a CPU busy for {cpu:?}: the idle \
         worker checks its channel again and again (try_recv in a loop). Block in recv (a for loop over the \
         Receiver) until a request comes"
    );
}

// A service that takes its time with one request: it holds it until the
// test lets it go.
struct Slow {
    calls: Rc<Cell<u64>>,
    hold: &'static Latch<(bool, bool)>,
}

const HELD_CALL: u64 = 2;

impl Service for Slow {
    fn handle(&mut self, request: u64) -> u64 {
        self.calls.set(self.calls.get() + 1);
        if self.calls.get() == HELD_CALL {
            // (held, released)
            self.hold.update(|s| s.0 = true);
            self.hold.wait_until(Duration::from_secs(4), |s| s.1);
        }
        request
            .wrapping_mul(3)
            .wrapping_add(self.calls.get() * 1000)
    }
}

#[test]
fn call_waits_for_a_slow_reply_without_spinning() {
    // Longer than any "reply within a second, or give up" timeout: call must
    // wait as long as the service takes, blocked in recv.
    const HOLD: Duration = Duration::from_millis(1500);
    use std::sync::atomic::{AtomicBool, Ordering};
    let hold: &'static Latch<(bool, bool)> = Box::leak(Box::new(Latch::new((false, false))));
    let returned: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    let requests = [5_u64, 7, 11, 13];
    let caller = thread::spawn(move || {
        let worker = Worker::start(move || Slow {
            calls: Rc::new(Cell::new(0)),
            hold,
        });
        let mut replies = Vec::new();
        for (i, &r) in requests.iter().enumerate() {
            replies.push(worker.call(r));
            if i as u64 + 1 == HELD_CALL {
                returned.store(true, Ordering::SeqCst);
            }
        }
        worker.close();
        replies
    });
    let held = hold.wait_until(LIMIT, |s| s.0);
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    // Everyone else only waits now: the caller in call, the worker in the
    // service. A call that polls for the reply (try_recv in a loop, with or
    // without a sleep) shows in every window.
    // Watched for the whole hold: a call that looks again after a sleep
    // (even a long one) wakes up in it.
    let quiet: Stretch = if held {
        quiet::quiet_until(started + HOLD)
    } else {
        Stretch::Quiet
    };
    if held && started.elapsed() < HOLD {
        thread::sleep(HOLD - started.elapsed());
    }
    let (cpu, stretch) = (
        process_cpu_time().saturating_sub(cpu_before),
        started.elapsed(),
    );
    let returned_early = returned.load(Ordering::SeqCst);
    hold.update(|s| s.1 = true);
    let replies = within(LIMIT, HANGS, move || caller.join())
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
    assert!(
        held,
        "request {HELD_CALL} never reached the service within {LIMIT:?}"
    );
    assert!(
        !returned_early,
        "call returned while the service was still working on the request ({stretch:?} in): call must wait \
         for the reply however long the service takes, not give up after a while"
    );
    let want: Vec<u64> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| r * 3 + (i as u64 + 1) * 1000)
        .collect();
    assert!(
        replies == want,
        "a service that took {HOLD:?} over one request: the replies should still be its answers, each to \
         its own request, in order, but they were {replies:?} instead of {want:?}"
    );
    quiet::assert_quiet_stretch(
        quiet,
        "the service worked on one request, call",
        "the reply (it checks again and again: try_recv in a loop, with or without a sleep. recv blocks \
         until the reply comes)",
    );
    assert!(
        cpu * 4 < stretch,
        "while the service worked on one request for {stretch:?}, the process kept a CPU busy for {cpu:?}: \
         call checks for the reply again and again (try_recv in a loop). recv blocks until the reply comes, \
         using no CPU"
    );
}
