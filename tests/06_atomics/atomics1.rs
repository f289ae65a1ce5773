use super::support::{Rng, within};
use exercise::Traffic;

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "record did not return: is it waiting for something that another record call holds?";

// The API, pinned: these fail to compile if a signature changed.
const _: fn() -> Traffic = Traffic::new;
const _: fn(&Traffic) -> u64 = Traffic::total;
#[allow(dead_code)]
fn record_takes_a_send_closure(traffic: &Traffic, size: u64) {
    let () = traffic.record(move || size);
}

#[test]
fn one_handler_gets_the_right_total() {
    let mut rng = Rng::from_env();
    let sizes: Vec<u64> = (0..rng.range(3..40)).map(|_| rng.range(0..100_000)).collect();
    let want: u64 = sizes.iter().sum();
    let count = sizes.len();
    let (total, calls) = within(LIMIT, HANGS, move || {
        let traffic = Traffic::new();
        let calls = AtomicUsize::new(0);
        for size in sizes {
            traffic.record(|| {
                calls.fetch_add(1, Ordering::SeqCst);
                size
            });
        }
        (traffic.total(), calls.into_inner())
    });
    assert_eq!(calls, count, "send should run exactly once per record call, ran {calls} times for {count} calls");
    assert_eq!(total, want, "recorded {count} responses (sum {want} bytes) one after another, but the total is {total}");
}

#[test]
fn every_traffic_counts_its_own_bytes() {
    let mut rng = Rng::from_env();
    let (a_size, b_size) = (rng.range(1..1000), rng.range(1000..2000));
    let (a, b, fresh) = within(LIMIT, HANGS, move || {
        let a = Traffic::new();
        let b = Traffic::new();
        a.record(|| a_size);
        b.record(|| b_size);
        b.record(|| b_size);
        let fresh = Traffic::new();
        (a.total(), b.total(), fresh.total())
    });
    assert!(
        a == a_size && b == 2 * b_size && fresh == 0,
        "Traffic A recorded {a_size} bytes and Traffic B twice {b_size}, but their totals are {a} and {b} \
         (and a new Traffic starts at {fresh}): does every Traffic have a total of its own \
         (not one static total for all of them)?"
    );
}

#[test]
fn a_record_that_finishes_while_another_is_sending_is_kept() {
    // Handler A starts sending; while A is still sending, handler B records
    // and finishes. Then A finishes. Both must count.
    let mut rng = Rng::from_env();
    let (a_size, b_size) = (rng.range(1..1000), rng.range(1..1000));
    let (total, b_finished_during_a) = within(LIMIT, HANGS, move || {
        let traffic = Traffic::new();
        let (a_sending_tx, a_sending_rx) = mpsc::channel();
        let (b_done_tx, b_done_rx) = mpsc::channel();
        let traffic = &traffic;
        let b_finished_during_a = thread::scope(|s| {
            let a = s.spawn(move || {
                let mut b_finished = false;
                traffic.record(|| {
                    a_sending_tx.send(()).unwrap();
                    b_finished = b_done_rx.recv_timeout(WAIT).is_ok();
                    a_size
                });
                b_finished
            });
            s.spawn(move || {
                a_sending_rx.recv_timeout(WAIT).expect("handler A never called send");
                traffic.record(|| b_size);
                let _ = b_done_tx.send(());
            });
            a.join().unwrap()
        });
        (traffic.total(), b_finished_during_a)
    });
    assert!(
        b_finished_during_a,
        "handler B's record could not finish while handler A was still sending: \
         is record holding a lock (or spinning) while `send` runs?"
    );
    assert_eq!(
        total,
        a_size + b_size,
        "A recorded {a_size} bytes and B recorded {b_size} while A was sending, but the total is {total}: \
         A wrote back the total it had read before sending, overwriting B's bytes. \
         A load followed by a store is two steps; use one atomic read-modify-write"
    );
}

#[test]
fn handlers_at_the_same_time_lose_nothing() {
    const HANDLERS: u64 = 4;
    const RECORDS: u64 = 500;
    let total = within(LIMIT, HANGS, || {
        let traffic = Traffic::new();
        thread::scope(|s| {
            for _ in 0..HANDLERS {
                s.spawn(|| {
                    for _ in 0..RECORDS {
                        traffic.record(|| {
                            thread::yield_now(); // sending takes a while
                            1
                        });
                    }
                });
            }
        });
        traffic.total()
    });
    assert_eq!(
        total,
        HANDLERS * RECORDS,
        "{HANDLERS} threads each recorded {RECORDS} one-byte responses, but the total is {total}: \
         updates were lost. Is the total read in one step and written back in another?"
    );
}

// A record that interrupts another one at a random instruction (a signal
// handler on the same thread) must not be lost, and must not wait for the
// interrupted one: with one atomic read-modify-write there is no moment in
// which the total is read but not yet written back, and nothing to wait for.
#[test]
fn a_record_interrupting_another_is_kept() {
    use interrupt::{Interrupted, run_interrupted};
    static TRAFFIC: std::sync::OnceLock<Traffic> = std::sync::OnceLock::new();
    fn on_interrupt() {
        if let Some(traffic) = TRAFFIC.get() {
            traffic.record(|| 1);
        }
    }
    let traffic = TRAFFIC.get_or_init(Traffic::new);
    let outcome = run_interrupted(on_interrupt, || {
        TRAFFIC.get().unwrap().record(|| 1);
    });
    match outcome {
        Interrupted::Stuck { handled } => panic!(
            "a record called while another record on the same thread was interrupted never returned \
             (after {handled} such calls had worked): record waits for something the interrupted call \
             holds, a lock (a Mutex, or a flag used as a lock). Add with one atomic read-modify-write, \
             and no lock at all"
        ),
        Interrupted::Done { calls, handled } => {
            let total = traffic.total();
            let want = calls + handled;
            assert_eq!(
                total,
                want,
                "{calls} records, {handled} of them interrupted at a random moment by another record of \
                 1 byte, should total {want} bytes, but the total is {total}: {} updates were lost. \
                 A record that lands between reading the total and writing it back is overwritten: \
                 a load then a store (or a swap then a store) is two steps. Use fetch_add",
                want - total.min(want)
            );
        }
    }
}

mod interrupt {
    //! Interrupts a thread at random instructions with a signal and runs a
    //! callback in the signal handler, on that thread: a race window of a
    //! few instructions in the interrupted code is hit after a few hundred
    //! signals, on one CPU as on many; and a lock held by the interrupted
    //! code deadlocks the handler, which is reported (not waited for).
    //! Where there are no signals (Windows), the callback runs on a second
    //! thread instead: a weaker stress test.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::thread;
    use std::time::{Duration, Instant};

    /// Enough interrupts to hit a window of a few instructions many times.
    const SIGNALS: u64 = 1500;
    /// Sending stops after this, once at least `MIN_SIGNALS` were handled.
    const BUDGET: Duration = Duration::from_millis(600);
    /// A few hundred interrupts hit a window of a few instructions for sure.
    const MIN_SIGNALS: u64 = 400;
    /// A callback that has not returned after this is stuck.
    const STUCK: Duration = Duration::from_millis(1500);

    static CALLBACK: AtomicUsize = AtomicUsize::new(0);
    static HANDLED: AtomicU64 = AtomicU64::new(0);

    fn run_callback() {
        let callback = CALLBACK.load(Ordering::SeqCst);
        if callback != 0 {
            // SAFETY: only ever set from a `fn()`, in `run_interrupted`.
            let callback = unsafe { std::mem::transmute::<usize, fn()>(callback) };
            callback();
            HANDLED.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub enum Interrupted {
        /// The loop body ran `calls` times; `handled` interrupts ran the callback.
        Done { calls: u64, handled: u64 },
        /// The callback did not return (after `handled` had).
        Stuck { handled: u64 },
    }

    #[cfg(unix)]
    mod sys {
        unsafe extern "C" {
            pub fn signal(signum: i32, handler: usize) -> usize;
            pub fn pthread_self() -> usize;
            pub fn pthread_kill(thread: usize, signum: i32) -> i32;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        pub const SIGUSR1: i32 = 10;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        pub const SIGUSR1: i32 = 30;

        pub extern "C" fn on_signal(_: i32) {
            super::run_callback();
        }

        pub fn install() {
            // SAFETY: the handler only runs the test's callback.
            unsafe { signal(SIGUSR1, on_signal as usize) };
        }

        pub fn me() -> usize {
            // SAFETY: no preconditions.
            unsafe { pthread_self() }
        }

        /// # Safety
        /// `thread` must not have ended.
        pub unsafe fn interrupt(thread: usize) {
            // SAFETY: the caller keeps `thread` alive.
            unsafe { pthread_kill(thread, SIGUSR1) };
        }
    }

    /// Runs `body` in a loop on a thread of its own, and interrupts that
    /// thread at random moments; each interrupt runs `on_interrupt` there.
    pub fn run_interrupted(on_interrupt: fn(), body: impl Fn() + Send + 'static) -> Interrupted {
        CALLBACK.store(on_interrupt as usize, Ordering::SeqCst);
        #[cfg(unix)]
        sys::install();
        let stop = Arc::new(AtomicBool::new(false));
        let (id_tx, id_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let looping = Arc::clone(&stop);
        thread::spawn(move || {
            #[cfg(unix)]
            id_tx.send(sys::me()).unwrap();
            #[cfg(not(unix))]
            id_tx.send(0_usize).unwrap();
            let mut calls = 0_u64;
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                while !looping.load(Ordering::SeqCst) {
                    body();
                    calls += 1;
                }
            }));
            // Stay alive until told to stop: signals may still be on the way.
            while !looping.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1));
            }
            let _ = done_tx.send(ran.map(|()| calls));
        });
        let target = id_rx.recv().expect("the interrupted thread did not start");
        let started = Instant::now();
        let mut pause = 7_u64;
        loop {
            let handled = HANDLED.load(Ordering::SeqCst);
            if handled >= SIGNALS || (handled >= MIN_SIGNALS && started.elapsed() >= BUDGET) {
                break;
            }
            let before = HANDLED.load(Ordering::SeqCst);
            #[cfg(unix)]
            // SAFETY: `target` is alive: it only ends after `stop` is set,
            // below, after the last signal.
            unsafe {
                sys::interrupt(target)
            };
            #[cfg(not(unix))]
            {
                let _ = target;
                thread::spawn(run_callback);
            }
            let sent = Instant::now();
            while HANDLED.load(Ordering::SeqCst) == before {
                if sent.elapsed() > STUCK {
                    return Interrupted::Stuck { handled: before };
                }
                // Pauses of varying length, so that the signals land all
                // over the loop.
                pause = (pause * 7 + 13) % 61;
                thread::sleep(Duration::from_micros(10 + pause));
            }
        }
        stop.store(true, Ordering::SeqCst);
        match done_rx.recv_timeout(STUCK) {
            Ok(Ok(calls)) => Interrupted::Done { calls, handled: HANDLED.load(Ordering::SeqCst) },
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Interrupted::Stuck { handled: HANDLED.load(Ordering::SeqCst) },
        }
    }
}
