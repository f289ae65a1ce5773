use super::support::{Rng, within};
use exercise::Traffic;

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str =
    "record did not return: is it waiting for something that another record call holds?";

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
    // Small responses and huge ones (a total far past 4 GiB: it needs all 64
    // bits; their sum still fits in a u64).
    let sizes: Vec<u64> = (0..rng.range(3..40))
        .map(|n| {
            if n % 2 == 0 {
                rng.range(0..100_000)
            } else {
                rng.range(1 << 32..1 << 58)
            }
        })
        .collect();
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
    assert_eq!(
        calls, count,
        "send should run exactly once per record call, ran {calls} times for {count} calls"
    );
    assert_eq!(
        total, want,
        "recorded {count} responses (sum {want} bytes) one after another, but the total is {total}"
    );
}

#[test]
fn every_traffic_counts_its_own_bytes() {
    let mut rng = Rng::from_env();
    let (a_size, b_size) = (rng.range(1..1000), rng.range(1 << 40..1 << 60));
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
                a_sending_rx
                    .recv_timeout(WAIT)
                    .expect("handler A never called send");
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
    use super::support::interrupt::{Interrupted, run_interrupted};
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

// A record frozen at a random instruction (its thread is interrupted, and
// the signal handler waits) while a record on ANOTHER thread goes through:
// with one atomic read-modify-write the frozen record has not read the
// total yet, or has already added to it, and both count. A load then a
// store frozen in between writes back a total from before the other
// thread's bytes, whatever the frozen thread does to notice records of its
// own (a thread-local "busy" flag sees none from another thread).
#[test]
fn a_record_of_another_thread_during_a_frozen_one_is_kept() {
    use super::support::interrupt::{Interrupted, run_interrupted};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicU64};
    use std::thread::Thread;
    use std::time::Instant;

    const FREEZE: Duration = Duration::from_secs(1);
    static TRAFFIC: OnceLock<Traffic> = OnceLock::new();
    static OTHER: OnceLock<Thread> = OnceLock::new();
    // Records asked of the other thread, and made by it.
    static ASKED: AtomicU64 = AtomicU64::new(0);
    static ANSWERED: AtomicU64 = AtomicU64::new(0);
    // The other thread's record did not finish within a freeze.
    static STALLED: AtomicBool = AtomicBool::new(false);
    static STOP: AtomicBool = AtomicBool::new(false);
    // The sizes each handler records (random: not only one-byte responses).
    static FROZEN_SIZE: AtomicU64 = AtomicU64::new(0);
    static OTHER_SIZE: AtomicU64 = AtomicU64::new(0);

    // Runs in the signal handler, on the interrupted thread: it stays
    // frozen until the other thread has recorded a response.
    fn freeze() {
        if STALLED.load(Ordering::SeqCst) {
            return;
        }
        let asked = ASKED.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(other) = OTHER.get() {
            other.unpark();
        }
        let started = Instant::now();
        while ANSWERED.load(Ordering::SeqCst) < asked {
            if started.elapsed() > FREEZE {
                STALLED.store(true, Ordering::SeqCst);
                return;
            }
            thread::sleep(Duration::from_micros(20));
        }
    }

    let mut rng = Rng::from_env();
    FROZEN_SIZE.store(rng.range(2..1000), Ordering::SeqCst);
    OTHER_SIZE.store(rng.range(2..1000), Ordering::SeqCst);
    TRAFFIC.get_or_init(Traffic::new);
    let other = thread::spawn(|| {
        let traffic = TRAFFIC.get().unwrap();
        // The other handler records first (and the frozen one is not the
        // first thread to record).
        traffic.record(|| OTHER_SIZE.load(Ordering::SeqCst));
        ASKED.fetch_add(1, Ordering::SeqCst);
        ANSWERED.fetch_add(1, Ordering::SeqCst);
        loop {
            let asked = ASKED.load(Ordering::SeqCst);
            let answered = ANSWERED.load(Ordering::SeqCst);
            if asked == answered {
                if STOP.load(Ordering::SeqCst) {
                    return;
                }
                thread::park();
                continue;
            }
            traffic.record(|| OTHER_SIZE.load(Ordering::SeqCst));
            ANSWERED.store(answered + 1, Ordering::SeqCst);
        }
    });
    OTHER.set(other.thread().clone()).unwrap();
    // (The other handler's first record is done before the freezes begin.)
    let began = Instant::now();
    while ANSWERED.load(Ordering::SeqCst) == 0 {
        assert!(began.elapsed() < LIMIT, "{HANGS}");
        thread::sleep(Duration::from_millis(1));
    }
    let outcome = run_interrupted(freeze, || {
        TRAFFIC
            .get()
            .unwrap()
            .record(|| FROZEN_SIZE.load(Ordering::SeqCst))
    });
    STOP.store(true, Ordering::SeqCst);
    other.thread().unpark();
    within(LIMIT, HANGS, move || other.join())
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
    let calls = match outcome {
        Interrupted::Stuck { handled } => panic!(
            "a record frozen at a random moment (its thread interrupted {handled} times) did not get going \
             again: does record wait for something?"
        ),
        Interrupted::Done { calls, .. } => calls,
    };
    assert!(
        !STALLED.load(Ordering::SeqCst),
        "one handler was frozen at a random moment inside record, and meanwhile another handler's record \
         did not finish within {FREEZE:?}: it waited for the frozen one. A lock (a Mutex, or a flag used \
         as a lock) makes every handler wait for whoever holds it. Add with one atomic read-modify-write, \
         and no lock"
    );
    let others = ANSWERED.load(Ordering::SeqCst);
    let (frozen_size, other_size) = (
        FROZEN_SIZE.load(Ordering::SeqCst),
        OTHER_SIZE.load(Ordering::SeqCst),
    );
    let total = TRAFFIC.get().unwrap().total();
    let want = calls * frozen_size + others * other_size;
    assert_eq!(
        total,
        want,
        "one handler recorded {calls} responses of {frozen_size} bytes and was frozen at random moments \
         inside record; each time, another handler recorded {other_size} bytes ({others} times). The total \
         should be {want}, but it is {total}: {} bytes were lost. A record frozen between reading the \
         total and writing it back overwrites what the other handler added meanwhile: a load then a \
         store is two steps. Use fetch_add",
        want - total.min(want)
    );
}
