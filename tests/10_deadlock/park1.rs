use super::support::{Of, Rng, context_switches, process_cpu_time, within};
use exercise::Signal;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn() -> Signal = Signal::new;
const _: fn(&Signal) = Signal::wait;
const _: fn(&Signal) = Signal::notify;
#[allow(dead_code)]
fn shared_between_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Signal>();
}

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "wait() did not return after notify(): does notify() wake the thread that \
                     made the signal (not the thread calling notify), and does wait() check the \
                     flag every time park() returns?";

// A thread that makes a signal, hands it over, and waits on it.
struct Waiter {
    signal: Arc<Signal>,
    thread: Thread,
    // Set by the test just before it calls notify().
    notifying: Arc<AtomicBool>,
    // Set by the waiter as soon as wait() returned.
    returned: Arc<AtomicBool>,
    // (had notify() been called when wait() returned, context switches
    // of the waiting thread during wait(), if the platform tells)
    done: JoinHandle<(bool, Option<i64>)>,
}

fn waiter() -> Waiter {
    let (tx, rx) = mpsc::channel();
    let notifying = Arc::new(AtomicBool::new(false));
    let returned = Arc::new(AtomicBool::new(false));
    let (n, r) = (Arc::clone(&notifying), Arc::clone(&returned));
    let done = thread::spawn(move || {
        let signal = Arc::new(Signal::new());
        tx.send(Arc::clone(&signal)).unwrap();
        let before = context_switches(Of::Thread).map(|s| s.total());
        signal.wait();
        let after = context_switches(Of::Thread).map(|s| s.total());
        let in_time = n.load(Ordering::SeqCst);
        r.store(true, Ordering::SeqCst);
        (in_time, before.zip(after).map(|(b, a)| a - b))
    });
    let signal = rx
        .recv_timeout(LIMIT)
        .expect("the waiting thread did not make its signal: does Signal::new() return?");
    Waiter {
        signal,
        thread: done.thread().clone(),
        notifying,
        returned,
        done,
    }
}

impl Waiter {
    fn notify(&self) {
        self.notifying.store(true, Ordering::SeqCst);
        self.signal.notify();
    }

    fn returned(&self) -> bool {
        self.returned.load(Ordering::SeqCst)
    }

    // Waits for the waiter to end; what it saw.
    fn finish(self) -> (bool, Option<i64>) {
        match within(LIMIT, HANGS, move || self.done.join()) {
            Ok(seen) => seen,
            Err(p) => std::panic::resume_unwind(p),
        }
    }
}

fn assert_returned_after_notify(in_time: bool, before: &str) {
    assert!(
        in_time,
        "wait() returned before notify() was called ({before}): it must not return until some \
         thread has called notify()"
    );
}

#[test]
fn wait_returns_after_notify_from_another_thread() {
    let mut rng = Rng::from_env();
    let pause = Duration::from_millis(rng.range(5..30));
    let (in_time, _) = within(LIMIT * 2, HANGS, move || {
        let w = waiter();
        thread::sleep(pause);
        w.notify();
        w.finish()
    });
    assert_returned_after_notify(in_time, "the test waited a little, then notified");
}

#[test]
fn notify_before_wait_does_not_hang() {
    within(
        LIMIT,
        "wait() never returned, though notify() had already been called: does wait() look at \
         a flag set by notify() before it parks? (Or does wait() clear it?)",
        || {
            // Notified on the same thread, then waited on, twice.
            let signal = Signal::new();
            signal.notify();
            signal.wait();
            signal.wait();
            // Notified from another thread that has ended, then waited on.
            let signal = Arc::new(Signal::new());
            let s = Arc::clone(&signal);
            thread::spawn(move || {
                s.notify();
                s.notify();
            })
            .join()
            .unwrap();
            signal.wait();
        },
    );
}

#[test]
fn wake_ups_without_notify_do_not_end_the_wait() {
    let mut rng = Rng::from_env();
    // How long a wait on a signal already notified takes: a wait that only
    // sleeps for some time is then outlasted by the wake-ups below.
    let quick = within(LIMIT, HANGS, || {
        let signal = Signal::new();
        signal.notify();
        let start = Instant::now();
        signal.wait();
        start.elapsed()
    });
    let stretch = (quick * 3 + Duration::from_millis(100)).min(Duration::from_secs(3));
    let every = Duration::from_micros(rng.range(500..3000));
    let (in_time, wakes) = within(stretch + LIMIT * 2, HANGS, move || {
        let w = waiter();
        let start = Instant::now();
        let mut wakes = 0;
        // unpark() without notify(), over and over: each one ends a park().
        while start.elapsed() < stretch && !w.returned() {
            w.thread.unpark();
            wakes += 1;
            thread::sleep(every);
        }
        w.notify();
        (w.finish().0, wakes)
    });
    assert_returned_after_notify(
        in_time,
        &format!(
            "the test woke the waiting thread {wakes} times with unpark(), without notify(): park() \
             returns on any unpark, and also spuriously, so it proves nothing. Check the flag each \
             time park() returns, and park again while it is not set"
        ),
    );
}

#[test]
fn waiting_sleeps_instead_of_spinning() {
    const STRETCH: Duration = Duration::from_millis(200);
    let (cpu, switches, in_time) = within(STRETCH + LIMIT * 2, HANGS, || {
        let w = waiter();
        // Let it settle into wait().
        thread::sleep(Duration::from_millis(20));
        let cpu_before = process_cpu_time();
        thread::sleep(STRETCH);
        let cpu = process_cpu_time().saturating_sub(cpu_before);
        w.notify();
        let (in_time, switches) = w.finish();
        (cpu, switches, in_time)
    });
    assert_returned_after_notify(in_time, "the test waited, then notified");
    assert!(
        cpu * 50 < STRETCH,
        "while one thread waited {STRETCH:?} for notify(), the process used {cpu:?} of CPU time: \
         wait() checks the flag again and again (a spin loop, yield_now) instead of sleeping in \
         park() until unpark() wakes it"
    );
    if let Some(switches) = switches {
        assert!(
            switches <= 5,
            "while it waited some {STRETCH:?} for notify(), the waiting thread was switched out \
             {switches} times: wait() wakes up again and again (sleep or park_timeout in a loop) \
             instead of sleeping in park() until unpark() wakes it"
        );
    }
}

#[test]
fn each_signal_wakes_only_its_own_waiter() {
    // Many waiters, each with its own signal, notified one by one in a
    // random order. After each notify() every waiter is woken with unpark()
    // too: only the one notified may return.
    const WAITERS: usize = 32;
    let mut rng = Rng::from_env();
    let mut order: Vec<usize> = (0..WAITERS).collect();
    rng.shuffle(&mut order);
    let from_other_thread: Vec<bool> = (0..WAITERS).map(|_| rng.below(2) == 0).collect();
    within(LIMIT * 3, HANGS, move || {
        let waiters: Vec<Waiter> = (0..WAITERS).map(|_| waiter()).collect();
        for (n, &k) in order.iter().enumerate() {
            if from_other_thread[n] {
                let signal = Arc::clone(&waiters[k].signal);
                waiters[k].notifying.store(true, Ordering::SeqCst);
                thread::spawn(move || signal.notify()).join().unwrap();
            } else {
                waiters[k].notify();
            }
            // Wait for waiter k to return.
            let deadline = Instant::now() + LIMIT;
            while !waiters[k].returned() && Instant::now() < deadline {
                thread::sleep(Duration::from_micros(200));
            }
            let returned = waiters[k].returned();
            for w in &waiters {
                w.thread.unpark();
            }
            thread::sleep(Duration::from_millis(2));
            assert!(
                returned,
                "waiter {k} (notified {}) did not return after notify(): does notify() wake the \
                 thread that made the signal?",
                n + 1
            );
            let early: Vec<usize> = (0..WAITERS)
                .filter(|&j| waiters[j].returned() && !order[..=n].contains(&j))
                .collect();
            assert!(
                early.is_empty(),
                "after notify() on {} of {WAITERS} signals (and unpark() on every waiter), waiters \
                 {early:?} returned, though their signals were not notified: does every signal \
                 have a flag of its own (not one static flag), checked every time park() returns?",
                n + 1
            );
        }
        for w in waiters {
            w.finish();
        }
    });
}
