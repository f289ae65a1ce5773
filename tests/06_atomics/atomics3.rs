use super::support::{Gate, Rng, within};
use exercise::Limiter;

use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str =
    "try_open did not return: is a retry loop spinning forever, or is it waiting for a lock?";

// The API, pinned: these fail to compile if a signature changed.
const _: fn() -> Limiter = Limiter::new;
const _: fn(&Limiter) = Limiter::close;
const _: fn(&Limiter) -> usize = Limiter::open_now;
#[allow(dead_code)]
fn try_open_takes_a_policy(limiter: &Limiter) -> bool {
    let opened: bool = limiter.try_open(|open: usize| open < 3);
    opened
}

#[test]
fn opens_until_the_policy_says_no() {
    let (results, open_after, reopened, open_end) = within(LIMIT, HANGS, || {
        let limiter = Limiter::new();
        let results: Vec<bool> = (0..5).map(|_| limiter.try_open(|open| open < 3)).collect();
        let open_after = limiter.open_now();
        limiter.close();
        let reopened = limiter.try_open(|open| open < 3);
        (results, open_after, reopened, limiter.open_now())
    });
    assert_eq!(
        results,
        [true, true, true, false, false],
        "with the policy `open < 3`, five tries in a row should open 3 connections and refuse 2"
    );
    assert_eq!(
        open_after, 3,
        "after 3 successful opens, open_now() is {open_after}"
    );
    assert!(
        reopened,
        "after close(), there is room for one more connection, but try_open refused it"
    );
    assert_eq!(
        open_end, 3,
        "open 3, close 1, open 1: open_now() should be 3, is {open_end}"
    );
}

#[test]
fn every_limiter_counts_its_own_connections() {
    // Two servers, each with a limiter of its own: what one opens is none
    // of the other's business (not one static count for every limiter).
    let mut rng = Rng::from_env();
    let (a_opens, b_opens) = (1 + rng.below(5), 6 + rng.below(5));
    let (a_open, b_open, fresh, b_seen) = within(LIMIT, HANGS, move || {
        let a = Limiter::new();
        for _ in 0..a_opens {
            assert!(
                a.try_open(|_| true),
                "try_open refused a connection that its policy allowed"
            );
        }
        let b = Limiter::new();
        let fresh = b.open_now();
        let b_seen = Mutex::new(Vec::new());
        for _ in 0..b_opens {
            b.try_open(|open| {
                b_seen.lock().unwrap().push(open);
                true
            });
        }
        let b_seen = b_seen.into_inner().unwrap();
        a.close();
        (a.open_now(), b.open_now(), fresh, b_seen)
    });
    assert!(
        fresh == 0 && b_seen.first() == Some(&0) && a_open == a_opens - 1 && b_open == b_opens,
        "limiter A opened {a_opens} connections and closed one, limiter B opened {b_opens}, but A counts \
         {a_open} and B {b_open} (B started at {fresh}, and its policy first saw {:?}): does every Limiter \
         count on its own (a field, not one static count for all of them)?",
        b_seen.first()
    );
}

#[test]
fn the_policy_sees_the_current_count() {
    let seen = within(LIMIT, HANGS, || {
        let limiter = Limiter::new();
        let mut seen = Vec::new();
        for _ in 0..4 {
            let calls = Mutex::new(Vec::new());
            limiter.try_open(|open| {
                calls.lock().unwrap().push(open);
                open < 3
            });
            seen.push(calls.into_inner().unwrap());
        }
        seen
    });
    for (i, calls) in seen.iter().enumerate() {
        assert_eq!(
            calls.last(),
            Some(&i),
            "try number {} (with {i} connections open) asked the policy with {calls:?}: \
             `allow` should be called with the number of connections open right now",
            i + 1
        );
    }
}

// With `base` connections open, thread A asks the policy; while A's policy
// is still deciding, thread B opens a connection. Returns (A opened, B
// opened, open count at the end, counts seen by A's policy, A's policy
// calls, the largest count observed while the policies ran).
#[track_caller]
fn a_decides_while_b_opens(
    base: usize,
    limit: usize,
) -> (bool, bool, usize, Vec<usize>, usize, usize) {
    within(LIMIT, HANGS, move || {
        let limiter = Limiter::new();
        for _ in 0..base {
            assert!(
                limiter.try_open(|_| true),
                "try_open refused a connection that its policy allowed"
            );
        }
        let (a_asking_tx, a_asking_rx) = mpsc::channel();
        let (b_done_tx, b_done_rx) = mpsc::channel::<()>();
        let a_calls = Mutex::new(Vec::new());
        let most_open = Mutex::new(0);
        let observe = || {
            let mut most = most_open.lock().unwrap();
            *most = (*most).max(limiter.open_now());
        };
        let (limiter, a_calls, observe) = (&limiter, &a_calls, &observe);
        let (a_opened, b_opened) = thread::scope(|s| {
            let a = s.spawn(move || {
                limiter.try_open(|open| {
                    observe();
                    let first = {
                        let mut calls = a_calls.lock().unwrap();
                        calls.push(open);
                        calls.len() == 1
                    };
                    if first {
                        // Let B in, and wait until B has finished.
                        let _ = a_asking_tx.send(());
                        let _ = b_done_rx.recv_timeout(WAIT);
                    }
                    open < limit
                })
            });
            let b = s.spawn(move || {
                a_asking_rx
                    .recv_timeout(WAIT)
                    .expect("thread A never asked its policy");
                let opened = limiter.try_open(|open| {
                    observe();
                    open < limit
                });
                let _ = b_done_tx.send(());
                opened
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        observe();
        let a_calls = a_calls.lock().unwrap().clone();
        let calls = a_calls.len();
        let most = *most_open.lock().unwrap();
        (a_opened, b_opened, limiter.open_now(), a_calls, calls, most)
    })
}

#[test]
fn two_threads_at_the_limit_never_both_get_in() {
    // Room for one more connection. A's policy approves it, but by the time
    // A acts, B has taken it.
    let base = Rng::from_env().below(20);
    let limit = base + 1;
    let (a_opened, b_opened, open_end, a_saw, _, most) = a_decides_while_b_opens(base, limit);
    assert!(
        open_end <= limit && !(a_opened && b_opened),
        "with {base} connections open and room for one more, thread A and thread B both reported a \
         connection opened (open_now() is {open_end}). A's policy said yes to {base} open, but B had \
         opened one before A added its own. Checking and then adding are two steps; only swap in the \
         new count if the count is still the one the policy approved (compare_exchange)"
    );
    assert!(
        most <= limit,
        "the count reached {most} with a limit of {limit}: was a connection added before the policy \
         approved it (add first, check later)?"
    );
    assert!(
        b_opened,
        "thread B found room for one more connection, but try_open refused it"
    );
    assert_eq!(
        open_end, limit,
        "thread B opened a connection on top of {base}, but open_now() is {open_end}: was an open or a close lost?"
    );
    assert!(
        !a_opened,
        "thread A reported a connection opened, but there was no room for it (A's policy saw {a_saw:?})"
    );
}

#[test]
fn a_thread_that_lost_the_race_tries_again() {
    // Room for two more. A's policy approves `base` open, B opens one
    // meanwhile, so A must ask again with `base + 1` open, and get in.
    let base = Rng::from_env().below(20);
    let limit = base + 2;
    let (a_opened, b_opened, open_end, a_saw, calls, _) = a_decides_while_b_opens(base, limit);
    assert!(
        b_opened,
        "thread B found room for a connection, but try_open refused it"
    );
    assert!(
        a_opened,
        "with room for two more, thread A was refused after B opened one while A's policy \
         was deciding (A's policy saw {a_saw:?}). When the swap fails because the count changed, \
         ask the policy again with the new count instead of giving up"
    );
    assert_eq!(
        open_end, limit,
        "A and B both reported a connection opened on top of {base}, but open_now() is {open_end}: \
         was one addition overwritten (a load, then a store)?"
    );
    assert!(
        calls >= 2 && a_saw.last() == Some(&(base + 1)),
        "A's policy was asked with {a_saw:?}: after B got in, A should have asked again with {} open",
        base + 1
    );
}

#[test]
fn never_over_the_limit_under_contention() {
    const THREADS: usize = 4;
    const TRIES: usize = 300;
    const MAX: usize = 2;
    let (most, open_end, admitted) = within(LIMIT, HANGS, || {
        let limiter = Limiter::new();
        let gate = Gate::new(THREADS);
        let most = Mutex::new(0);
        let admitted = Mutex::new(0);
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    let _ = gate.wait(WAIT);
                    for _ in 0..TRIES {
                        let opened = limiter.try_open(|open| {
                            thread::yield_now(); // the policy takes a moment
                            open < MAX
                        });
                        if opened {
                            let now = limiter.open_now();
                            let mut m = most.lock().unwrap();
                            *m = (*m).max(now);
                            drop(m);
                            *admitted.lock().unwrap() += 1;
                            thread::yield_now();
                            limiter.close();
                        }
                    }
                });
            }
        });
        (
            most.into_inner().unwrap(),
            limiter.open_now(),
            admitted.into_inner().unwrap(),
        )
    });
    assert!(
        most <= MAX,
        "{THREADS} threads opened and closed connections with a limit of {MAX}, and {most} were open at \
         once: check-then-add lets two threads in on the same approval"
    );
    assert_eq!(
        open_end, 0,
        "every opened connection was closed again, but open_now() is {open_end}: was an open or a close lost?"
    );
    assert!(admitted > 0, "no connection was ever opened");
}

// A try_open that interrupts another try_open or close at a random
// instruction (a signal handler on the same thread) must not be lost, and
// must not wait for the interrupted call: compare-exchange and fetch_sub
// leave no moment in which the count is read but not yet written back, and
// hold nothing another call could wait for.
#[test]
fn an_open_interrupting_another_call_is_kept() {
    use super::support::interrupt::{Interrupted, run_interrupted};
    static LIMITER: std::sync::OnceLock<Limiter> = std::sync::OnceLock::new();
    fn on_interrupt() {
        if let Some(limiter) = LIMITER.get() {
            assert!(
                limiter.try_open(|_| true),
                "try_open refused a connection that its policy allowed"
            );
        }
    }
    let limiter = LIMITER.get_or_init(Limiter::new);
    let outcome = run_interrupted(on_interrupt, || {
        let limiter = LIMITER.get().unwrap();
        if limiter.try_open(|_| true) {
            limiter.close();
        }
    });
    match outcome {
        Interrupted::Stuck { handled } => panic!(
            "a try_open called while another try_open or close on the same thread was interrupted never \
             returned (after {handled} such calls had worked): it waits for something the interrupted call \
             holds, a lock (a Mutex, or a flag used as a lock). Change the count with compare_exchange_weak \
             and fetch_sub, and no lock at all"
        ),
        Interrupted::Done { calls, handled } => {
            let open = limiter.open_now();
            assert_eq!(
                open, handled as usize,
                "{calls} open-and-close pairs ran, interrupted {handled} times at random moments by a \
                 try_open that was never closed, so {handled} connections should be open, but open_now() \
                 is {open}: updates were lost. A call that reads the count and writes it back in a second \
                 step (a load then a store, or one compare_exchange that is not retried when it fails) \
                 loses what another call did in between: close with fetch_sub, and open with \
                 compare_exchange_weak in a retry loop"
            );
        }
    }
}

#[test]
fn a_count_that_went_down_is_asked_about_too() {
    // A policy that is not "below a limit": it allows a connection only
    // with exactly `base` open. A's policy approves `base`; while it decides,
    // B closes one. A's swap then fails, and the policy must be asked again
    // about `base - 1` (and say no): an approval is for one count only,
    // fewer open is not "surely fine".
    let base = 1 + Rng::from_env().below(20);
    let (a_opened, open_end, a_saw) = within(LIMIT, HANGS, move || {
        let limiter = Limiter::new();
        for _ in 0..base {
            assert!(
                limiter.try_open(|_| true),
                "try_open refused a connection that its policy allowed"
            );
        }
        let (a_asking_tx, a_asking_rx) = mpsc::channel();
        let (b_done_tx, b_done_rx) = mpsc::channel::<()>();
        let a_calls = Mutex::new(Vec::new());
        let (limiter, a_calls) = (&limiter, &a_calls);
        let a_opened = thread::scope(|s| {
            let a = s.spawn(move || {
                limiter.try_open(|open| {
                    let first = {
                        let mut calls = a_calls.lock().unwrap();
                        calls.push(open);
                        calls.len() == 1
                    };
                    if first {
                        let _ = a_asking_tx.send(());
                        let _ = b_done_rx.recv_timeout(WAIT);
                    }
                    open == base
                })
            });
            s.spawn(move || {
                a_asking_rx
                    .recv_timeout(WAIT)
                    .expect("thread A never asked its policy");
                limiter.close();
                let _ = b_done_tx.send(());
            });
            a.join().unwrap()
        });
        let a_saw = a_calls.lock().unwrap().clone();
        (a_opened, limiter.open_now(), a_saw)
    });
    assert!(
        !a_opened && open_end == base - 1,
        "with {base} open, A's policy (yes only with exactly {base} open) approved; meanwhile B closed one, \
         and A still opened a connection (A's policy saw {a_saw:?}, open_now() is {open_end}): when the swap \
         fails, the count changed, up or down, and the policy must be asked again about the count as it is now"
    );
    assert!(
        a_saw.first() == Some(&base) && a_saw.last() == Some(&(base - 1)),
        "A's policy was asked with {a_saw:?}: after B closed one, A should have asked again with {} open",
        base - 1
    );
}

// A call frozen at a random instruction of a try_open or a close (its
// thread is interrupted, and the signal handler waits) while ANOTHER thread
// opens a connection: with compare-exchange and fetch_sub the frozen call
// has not read the count yet, or has already changed it, and the other
// thread's open counts. A load then a store frozen in between writes back a
// count from before that open, whatever the frozen thread does to notice
// calls of its own (a thread-local "busy" flag sees none from another
// thread).
#[test]
fn an_open_of_another_thread_during_a_frozen_call_is_kept() {
    use super::support::interrupt::{Interrupted, run_interrupted};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::thread::Thread;
    use std::time::Instant;

    const FREEZE: Duration = Duration::from_secs(1);
    static LIMITER: OnceLock<Limiter> = OnceLock::new();
    static OTHER: OnceLock<Thread> = OnceLock::new();
    // Opens asked of the other thread, and made by it.
    static ASKED: AtomicU64 = AtomicU64::new(0);
    static ANSWERED: AtomicU64 = AtomicU64::new(0);
    static REFUSED: AtomicBool = AtomicBool::new(false);
    // The other thread's open did not finish within a freeze.
    static STALLED: AtomicBool = AtomicBool::new(false);
    static STOP: AtomicBool = AtomicBool::new(false);
    static READY: AtomicBool = AtomicBool::new(false);

    // Runs in the signal handler, on the interrupted thread: it stays
    // frozen until the other thread has opened one connection.
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

    LIMITER.get_or_init(Limiter::new);
    let other = thread::spawn(|| {
        let limiter = LIMITER.get().unwrap();
        // The other thread opens and closes first (so the frozen thread is
        // not the first one to call either).
        if limiter.try_open(|_| true) {
            limiter.close();
        } else {
            REFUSED.store(true, Ordering::SeqCst);
        }
        READY.store(true, Ordering::SeqCst);
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
            if !limiter.try_open(|_| true) {
                REFUSED.store(true, Ordering::SeqCst);
            }
            ANSWERED.store(answered + 1, Ordering::SeqCst);
        }
    });
    OTHER.set(other.thread().clone()).unwrap();
    let began = Instant::now();
    while !READY.load(Ordering::SeqCst) {
        assert!(began.elapsed() < LIMIT, "{HANGS}");
        thread::sleep(Duration::from_millis(1));
    }
    let outcome = run_interrupted(freeze, || {
        let limiter = LIMITER.get().unwrap();
        if limiter.try_open(|_| true) {
            limiter.close();
        }
    });
    STOP.store(true, Ordering::SeqCst);
    other.thread().unpark();
    within(LIMIT, HANGS, move || other.join())
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
    let calls = match outcome {
        Interrupted::Stuck { handled } => panic!(
            "a try_open or close frozen at a random moment (its thread interrupted {handled} times) did \
             not get going again: does it wait for something?"
        ),
        Interrupted::Done { calls, .. } => calls,
    };
    assert!(
        !STALLED.load(Ordering::SeqCst),
        "one thread was frozen at a random moment inside try_open or close, and meanwhile another thread's \
         try_open did not finish within {FREEZE:?}: it waited for the frozen call. A lock (a Mutex, or a \
         flag used as a lock) makes every call wait for whoever holds it. Change the count with \
         compare_exchange_weak and fetch_sub, and no lock"
    );
    assert!(
        !REFUSED.load(Ordering::SeqCst),
        "try_open refused a connection that its policy allowed"
    );
    let others = ANSWERED.load(Ordering::SeqCst);
    let open = LIMITER.get().unwrap().open_now() as u64;
    assert_eq!(
        open, others,
        "one thread ran {calls} open-and-close pairs and was frozen at random moments inside them; each \
         time, another thread opened a connection and kept it ({others} in all), so {others} should be \
         open, but open_now() is {open}: the other thread's opens were lost. A call frozen between \
         reading the count and writing it back overwrites what another thread did meanwhile: a load then \
         a store is two steps. Close with fetch_sub, and open with compare_exchange_weak in a retry loop"
    );
}
