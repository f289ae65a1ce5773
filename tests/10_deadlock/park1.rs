use super::support::interrupt::{Interrupted, run_interrupted};
use super::support::{
    Latch, Of, Rng, context_switches, process_cpu_time, thread_cpu_time, within,
};
use exercise::Signal;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
// How long the burst of stray unpark()s lasts at most.
const BURST: Duration = Duration::from_millis(300);
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
    // and the CPU time the waiting thread used in wait(), if told)
    done: JoinHandle<(bool, Option<i64>, Option<Duration>)>,
}

fn waiter() -> Waiter {
    waiter_after(false)
}

// With `used_one`, the waiting thread first makes a signal, notifies it and
// waits on it, and only then makes the one it hands over: that one starts
// unnotified all the same.
fn waiter_after(used_one: bool) -> Waiter {
    let (tx, rx) = mpsc::channel();
    let notifying = Arc::new(AtomicBool::new(false));
    let returned = Arc::new(AtomicBool::new(false));
    let (n, r) = (Arc::clone(&notifying), Arc::clone(&returned));
    let done = thread::spawn(move || {
        if used_one {
            let first = Signal::new();
            first.notify();
            first.wait();
        }
        let signal = Arc::new(Signal::new());
        tx.send(Arc::clone(&signal)).unwrap();
        let before = context_switches(Of::Thread).map(|s| s.total());
        let cpu_before = thread_cpu_time();
        signal.wait();
        let cpu = thread_cpu_time()
            .zip(cpu_before)
            .map(|(a, b)| a.saturating_sub(b));
        let after = context_switches(Of::Thread).map(|s| s.total());
        let in_time = n.load(Ordering::SeqCst);
        r.store(true, Ordering::SeqCst);
        (in_time, before.zip(after).map(|(b, a)| a - b), cpu)
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
    fn finish(self) -> (bool, Option<i64>, Option<Duration>) {
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
    let (in_time, _, _) = within(LIMIT * 2, HANGS, move || {
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
        // The waiting thread has waited on a notified signal of its own
        // before: that says nothing about the next one.
        let w = waiter_after(true);
        let start = Instant::now();
        let mut wakes = 0;
        // unpark() without notify(), over and over: each one ends a park().
        // First a burst of many thousands, each followed by a yield, so that
        // the waiter wakes up many thousands of times.
        while wakes < 30_000 && start.elapsed() < BURST && !w.returned() {
            w.thread.unpark();
            wakes += 1;
            thread::yield_now();
        }
        let start = Instant::now();
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
    let (cpu, switches, in_time, waiter_cpu) = within(STRETCH + LIMIT * 2, HANGS, || {
        // From before the waiter is made: a wait that spins for a while
        // before it parks shows too.
        let cpu_before = process_cpu_time();
        let w = waiter();
        thread::sleep(STRETCH);
        let cpu = process_cpu_time().saturating_sub(cpu_before);
        w.notify();
        let (in_time, switches, waiter_cpu) = w.finish();
        (cpu, switches, in_time, waiter_cpu)
    });
    assert_returned_after_notify(in_time, "the test waited, then notified");
    assert!(
        cpu * 4 < STRETCH,
        "while one thread waited {STRETCH:?} for notify(), the process used {cpu:?} of CPU time: \
         wait() checks the flag again and again (a spin loop, yield_now, for a while before it \
         parks, or all the time) instead of sleeping in park() until unpark() wakes it"
    );
    // The waiting thread's own CPU time in wait(): a correct wait uses some
    // microseconds; one that spins before it parks uses what it spins, some
    // of it even on a busy machine.
    if let Some(waiter_cpu) = waiter_cpu {
        assert!(
            waiter_cpu < Duration::from_micros(300),
            "the thread in wait() used {waiter_cpu:?} of CPU time while it waited some {STRETCH:?} \
             for notify(): wait() checks the flag again and again (for a while before it parks, \
             or all the time) instead of going to sleep in park() at once"
        );
    }
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

// ---- Two threads that notify each other, one of them interrupted ----
//
// Round after round, each of two threads makes a signal, hands it to the
// other, notifies the other's signal and waits on its own. One of the two
// is interrupted by a signal (SIGUSR1) hundreds of times at random points,
// and naps a little each time: inside notify() between the wake-up and the
// flag, or inside wait() between looking at the flag and getting ready to
// be woken, the other thread then runs in that gap. A wake-up that comes
// before the flag, or a waiter that can only be woken once it has
// registered, is lost there: both threads wait for good.

// One direction of the exchange: a signal handed over, or "stop".
type Slot = Latch<(Option<Arc<Signal>>, bool)>;

fn hand_over(slot: &Slot, signal: &Arc<Signal>) {
    slot.update(|s| s.0 = Some(Arc::clone(signal)));
}

// The other thread's signal, or None once told to stop (or stuck).
fn take(slot: &Slot) -> Option<Arc<Signal>> {
    if !slot.wait_until(LIMIT, |s| s.0.is_some() || s.1) {
        return None;
    }
    slot.update(|s| s.0.take())
}

fn nap() {
    thread::sleep(Duration::from_micros(150));
}

#[test]
fn a_notify_in_the_middle_of_wait_or_notify_is_not_lost() {
    static TO_OTHER: Slot = Latch::new((None, false));
    static FROM_OTHER: Slot = Latch::new((None, false));
    static ROUNDS: AtomicUsize = AtomicUsize::new(0);
    let other = thread::spawn(|| {
        loop {
            let mine = Arc::new(Signal::new());
            hand_over(&FROM_OTHER, &mine);
            let Some(theirs) = take(&TO_OTHER) else {
                return;
            };
            theirs.notify();
            mine.wait();
        }
    });
    let outcome = within(LIMIT * 3, HANGS, || {
        run_interrupted(nap, || {
            let mine = Arc::new(Signal::new());
            hand_over(&TO_OTHER, &mine);
            let Some(theirs) = take(&FROM_OTHER) else {
                panic!("the other thread stopped handing over signals: is it stuck in wait()?");
            };
            theirs.notify();
            mine.wait();
            ROUNDS.fetch_add(1, Ordering::SeqCst);
        })
    });
    let rounds = ROUNDS.load(Ordering::SeqCst);
    match outcome {
        Interrupted::Done { .. } => {
            TO_OTHER.update(|s| s.1 = true);
            within(LIMIT, HANGS, move || {
                other.join().expect("the other thread panicked")
            });
        }
        Interrupted::Stuck { handled } => panic!(
            "two threads notified each other's signals and waited on their own, round after round; \
             after {rounds} rounds and {handled} interrupts (each a short nap of one thread, at a \
             random point), both waited for good: a notify() was lost. Does notify() set the flag \
             before it unparks (woken first, the waiter may see no flag and park again for good)? \
             Does wait() use a Thread handle stored by new(), so that a notify() coming at any \
             moment finds whom to wake?"
        ),
    }
}
