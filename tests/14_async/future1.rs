// The hidden tests of future1. The test is the executor: it polls the
// receiver itself, with wakers of its own (`Probe`) that count their clones,
// drops and wake-ups, and note on which thread, and whether inside `send`,
// each wake-up came. A receiver that returns `Pending` is only polled again
// after the waker of its latest poll was woken, as a real executor does.

use super::support::{Latch, Rng, within};
use exercise::{Receiver, Sender, oneshot};

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread;
use std::time::Duration;

// The API, pinned: a changed signature does not compile.
const _: fn() -> (Sender, Receiver) = oneshot;
const _: fn(Sender, u64) = Sender::send;
const _: for<'a, 'b, 'c> fn(Pin<&'a mut Receiver>, &'b mut Context<'c>) -> Poll<u64> =
    <Receiver as Future>::poll;

fn both_ends_are_send() {
    fn send<T: Send + 'static>() {}
    send::<Sender>();
    send::<Receiver>();
}

const LIMIT: Duration = Duration::from_secs(2);

type Hook = Box<dyn FnOnce() + Send>;

// A waker of the test's: counts what is done with it.
struct Probe {
    clones: AtomicUsize,
    drops: AtomicUsize,
    wakes: Latch<usize>,
    // Wake-ups that came on a thread inside `send` (see IN_SEND).
    in_send: AtomicUsize,
    // Runs once, at the first clone (inside the learner's `poll`).
    on_clone: Mutex<Option<Hook>>,
    // Runs once, at the first wake-up.
    on_wake: Mutex<Option<Hook>>,
}

thread_local! {
    // Set on the test's sending thread while it is inside `send`.
    static IN_SEND: Cell<bool> = const { Cell::new(false) };
}

impl Probe {
    fn new() -> &'static Probe {
        Box::leak(Box::new(Probe {
            clones: AtomicUsize::new(0),
            drops: AtomicUsize::new(0),
            wakes: Latch::new(0),
            in_send: AtomicUsize::new(0),
            on_clone: Mutex::new(None),
            on_wake: Mutex::new(None),
        }))
    }

    // The test's own waker (not counted as a clone; its drop is counted).
    fn waker(&'static self) -> Waker {
        let data = self as *const Probe as *const ();
        // SAFETY: `data` is a `&'static Probe`, and VTABLE's functions only
        // use it as one.
        unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
    }

    // Clones of the test's waker that are still alive (held by the code
    // under test), while the test's own waker is alive too.
    fn held(&self) -> usize {
        let clones = self.clones.load(Ordering::SeqCst);
        clones.saturating_sub(self.drops.load(Ordering::SeqCst))
    }

    fn wakes(&self) -> usize {
        self.wakes.update(|n| *n)
    }

    fn woken(&self) {
        if IN_SEND.with(Cell::get) {
            self.in_send.fetch_add(1, Ordering::SeqCst);
        }
        let hook = self
            .on_wake
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(hook) = hook {
            hook();
        }
        self.wakes.update(|n| *n += 1);
    }
}

fn probe(data: *const ()) -> &'static Probe {
    // SAFETY: every RawWaker with VTABLE was made from a `&'static Probe`.
    unsafe { &*(data as *const Probe) }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(
    |data| {
        let p = probe(data);
        p.clones.fetch_add(1, Ordering::SeqCst);
        let hook = p.on_clone.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(hook) = hook {
            hook();
        }
        RawWaker::new(data, &VTABLE)
    },
    |data| {
        let p = probe(data);
        p.woken();
        p.drops.fetch_add(1, Ordering::SeqCst);
    },
    |data| probe(data).woken(),
    |data| {
        probe(data).drops.fetch_add(1, Ordering::SeqCst);
    },
);

fn poll(rx: &mut Pin<Box<Receiver>>, waker: &Waker) -> Poll<u64> {
    rx.as_mut().poll(&mut Context::from_waker(waker))
}

// Calls `send` on a thread of its own, marked as "inside send", and waits
// for it to return.
fn send_on_thread(tx: Sender, value: u64) {
    let sending = thread::spawn(move || {
        IN_SEND.with(|s| s.set(true));
        tx.send(value);
        IN_SEND.with(|s| s.set(false));
    });
    if let Err(panic) = sending.join() {
        std::panic::resume_unwind(panic);
    }
}

// A value from the whole u64 range.
fn value(rng: &mut Rng) -> u64 {
    rng.next_u64()
}

#[test]
fn pending_until_sent_then_woken_by_send_then_ready() {
    both_ends_are_send();
    let mut rng = Rng::from_env();
    let v = value(&mut rng);
    let polls = 1 + rng.below(4);
    within(
        LIMIT,
        "poll or send did not return: neither may wait for the other",
        move || {
            let (tx, rx) = oneshot();
            let mut rx = Box::pin(rx);
            let p = Probe::new();
            let waker = p.waker();
            for i in 1..=polls {
                let got = poll(&mut rx, &waker);
                assert!(
                    got.is_pending(),
                    "poll {i}, before anything was sent, returned {got:?}: with no value yet, \
                     poll must return Poll::Pending"
                );
                assert!(
                    p.wakes() == 0,
                    "poll {i} returned Pending, but the waker was already woken ({} times) \
                     although nothing was sent: the executor then polls again at once, and \
                     again, a busy loop. Wake the waker when the value arrives, in send",
                    p.wakes()
                );
                assert!(
                    p.held() >= 1,
                    "poll {i} returned Pending without keeping a clone of cx.waker(): nobody \
                     can wake this task when the value arrives, so it is never polled again"
                );
            }
            send_on_thread(tx, v);
            assert!(
                p.in_send.load(Ordering::SeqCst) >= 1,
                "send({v}) returned, but it did not wake the waker of the last poll (woken \
                 {} times, none inside send): the executor polls a Pending future only after \
                 its waker is woken, so this receiver is never polled again. send must wake \
                 the waker that poll left",
                p.wakes()
            );
            let got = poll(&mut rx, &waker);
            assert!(
                got == Poll::Ready(v),
                "after send({v}) woke the waker, poll returned {got:?}: it should be \
                 Poll::Ready({v})"
            );
            let outside = p.wakes() - p.in_send.load(Ordering::SeqCst);
            assert!(
                outside == 0,
                "the waker was woken {outside} time(s) outside send (from another thread, or \
                 in poll): only send has news for the task"
            );
            drop(rx);
            drop(waker);
            let (clones, drops) = (
                p.clones.load(Ordering::SeqCst),
                p.drops.load(Ordering::SeqCst),
            );
            assert!(
                drops == clones + 1,
                "the waker was cloned {clones} times, but only {} of the clones were dropped \
                 once the channel was gone: a waker was leaked (mem::forget, leak)",
                drops.saturating_sub(1)
            );
        },
    );
}

#[test]
fn channels_in_use_at_once_each_keep_their_own_value_and_waker() {
    // Several channels, each polled (Pending) before any is sent to, then
    // sent to in an order of the test's: each send wakes the waker of its
    // own receiver only; then each receiver, polled in another order, is
    // Ready with its own value. State shared by every channel (a `static`
    // value or waker) mixes them.
    let mut rng = Rng::from_env();
    let n = 2 + rng.below(3);
    let values: Vec<u64> = (0..n).map(|_| value(&mut rng)).collect();
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut polls = order.clone();
    rng.shuffle(&mut polls);
    within(
        LIMIT,
        "poll or send did not return: neither may wait for the other",
        move || {
            let mut senders = Vec::new();
            let mut receivers = Vec::new();
            for _ in 0..n {
                let (tx, rx) = oneshot();
                senders.push(Some(tx));
                receivers.push(Box::pin(rx));
            }
            let probes: Vec<&'static Probe> = (0..n).map(|_| Probe::new()).collect();
            let wakers: Vec<Waker> = probes.iter().map(|p| p.waker()).collect();
            for i in 0..n {
                let got = poll(&mut receivers[i], &wakers[i]);
                assert!(
                    got.is_pending(),
                    "{n} channels were made, and receiver {} was polled before anything was \
                     sent on any of them: it returned {got:?}, not Poll::Pending. Each channel \
                     has its own value: is the state kept in one place for every channel?",
                    i + 1
                );
            }
            for (k, &i) in order.iter().enumerate() {
                let tx = senders[i].take().expect("each sender is used once");
                send_on_thread(tx, values[i]);
                for (j, probe) in probes.iter().enumerate() {
                    let wakes = probe.wakes();
                    let want = usize::from(order[..=k].contains(&j));
                    assert!(
                        wakes == want,
                        "{n} channels, each polled once; after sends on channel(s) {:?} (in \
                         that order), the waker of receiver {} was woken {wakes} time(s), \
                         expected {want}: a send wakes the waker of its own channel's \
                         receiver, no other. Is the state (value, waker) kept in one place \
                         for every channel?",
                        order[..=k].iter().map(|i| i + 1).collect::<Vec<_>>(),
                        j + 1
                    );
                }
            }
            // Every value sent: the receivers are polled in another order.
            for &i in &polls {
                let got = poll(&mut receivers[i], &wakers[i]);
                assert!(
                    got == Poll::Ready(values[i]),
                    "{n} channels in use at once, each sent a value, then polled: receiver {} \
                     returned {got:?}, but send({}) had been called on its channel: each \
                     channel hands over its own value",
                    i + 1,
                    values[i]
                );
            }
        },
    );
}

#[test]
fn ready_at_the_first_poll_when_the_value_was_sent_before() {
    let mut rng = Rng::from_env();
    let v = value(&mut rng);
    within(
        LIMIT,
        "poll or send did not return: neither may wait for the other",
        move || {
            let (tx, rx) = oneshot();
            let mut rx = Box::pin(rx);
            send_on_thread(tx, v);
            let p = Probe::new();
            let waker = p.waker();
            let got = poll(&mut rx, &waker);
            assert!(
                got == Poll::Ready(v),
                "send({v}) had returned before the first poll, which returned {got:?}: the \
                 value is there, so poll should return Poll::Ready({v}) at once (a Pending now \
                 waits for a wake-up that will never come: send is over)"
            );
        },
    );
}

#[test]
fn the_waker_of_the_latest_poll_is_woken_and_older_ones_are_let_go() {
    let mut rng = Rng::from_env();
    let v = value(&mut rng);
    let polls = 2 + rng.below(5);
    within(
        LIMIT,
        "poll or send did not return: neither may wait for the other",
        move || {
            let (tx, rx) = oneshot();
            let mut rx = Box::pin(rx);
            let probes: Vec<&'static Probe> = (0..polls).map(|_| Probe::new()).collect();
            let wakers: Vec<Waker> = probes.iter().map(|p| p.waker()).collect();
            for (i, waker) in wakers.iter().enumerate() {
                let got = poll(&mut rx, waker);
                assert!(
                    got.is_pending(),
                    "poll {}, before anything was sent, returned {got:?}: with no value yet, \
                     poll must return Poll::Pending",
                    i + 1
                );
                if i > 0 {
                    let held = probes[i - 1].held();
                    assert!(
                        held == 0,
                        "after poll {} with a new waker, the receiver still holds {held} \
                         clone(s) of the waker of poll {i}: only the latest poll's waker is \
                         needed (a task that moved on is woken through its new waker). \
                         Replace the old one",
                        i + 1
                    );
                }
            }
            send_on_thread(tx, v);
            let last = probes[polls - 1];
            assert!(
                last.in_send.load(Ordering::SeqCst) >= 1,
                "the receiver was polled {polls} times, each time with a new waker, then \
                 send({v}) returned without waking the waker of the LAST poll: a task may be \
                 polled with a different waker each time, and only the latest one reaches it. \
                 Keep the waker of every poll, replacing the one before"
            );
            let got = poll(&mut rx, &wakers[polls - 1]);
            assert!(
                got == Poll::Ready(v),
                "after send({v}), poll returned {got:?}: it should be Poll::Ready({v})"
            );
        },
    );
}

// Each round: the first clone of the waker, inside the learner's poll,
// lets the sender go and gives it up to HOLD to finish `send`. A poll that
// checks the value and then, apart from that check, leaves its waker (after
// the clone), does so after send looked for a waker and found none: the
// wake-up is lost. A poll that checks and leaves its waker under one lock
// keeps send waiting until poll is done (the hold only times out).
#[test]
fn a_send_that_comes_while_poll_runs_is_not_lost() {
    const ROUNDS: usize = 4;
    const HOLD: Duration = Duration::from_millis(60);
    let mut rng = Rng::from_env();
    let values: Vec<u64> = (0..ROUNDS).map(|_| value(&mut rng)).collect();
    within(
        LIMIT * 2,
        "poll or send did not return: neither may wait for the other for long",
        move || {
            for (round, v) in values.into_iter().enumerate() {
                let (tx, rx) = oneshot();
                let mut rx = Box::pin(rx);
                let (go, wait_for_go) = mpsc::channel::<()>();
                let (sent, wait_for_sent) = mpsc::channel::<()>();
                let sending = thread::spawn(move || {
                    if wait_for_go.recv().is_ok() {
                        IN_SEND.with(|s| s.set(true));
                        tx.send(v);
                        IN_SEND.with(|s| s.set(false));
                        let _ = sent.send(());
                    }
                });
                let p = Probe::new();
                *p.on_clone.lock().unwrap() = Some(Box::new(move || {
                    let _ = go.send(());
                    let _ = wait_for_sent.recv_timeout(HOLD);
                }));
                let waker = p.waker();
                let got = poll(&mut rx, &waker);
                if got.is_pending() {
                    let woken = p.wakes.wait_until(LIMIT, |&n| n >= 1);
                    assert!(
                        woken,
                        "round {}: poll returned Pending, and send({v}) ran while poll was \
                         running (after poll had found no value, before it returned); then \
                         nothing ever woke the waker: the wake-up was lost. Looking at the \
                         value and leaving the waker must be one step that send cannot come \
                         in between: do both under one lock, the one send takes",
                        round + 1
                    );
                    let again = poll(&mut rx, &waker);
                    assert!(
                        again == Poll::Ready(v),
                        "after send({v}) woke the waker, poll returned {again:?}: it should be \
                         Poll::Ready({v})"
                    );
                } else {
                    assert!(
                        got == Poll::Ready(v),
                        "poll returned {got:?} after send({v}): it should be Poll::Ready({v})"
                    );
                }
                if let Err(panic) = sending.join() {
                    std::panic::resume_unwind(panic);
                }
            }
        },
    );
}

// When send wakes the waker, the task may be polled at once, on another
// thread (here: the test's): the value must be there by then. Otherwise that
// poll returns Pending, and nothing wakes the task again.
#[test]
fn the_value_is_there_when_the_waker_is_woken() {
    // How long the wake-up waits for the poll it causes: a send that still
    // holds its lock while it wakes keeps that poll waiting until it is done.
    const HOLD: Duration = Duration::from_millis(200);
    let mut rng = Rng::from_env();
    let v = value(&mut rng);
    within(
        LIMIT * 2,
        "poll or send did not return: neither may wait for the other for long",
        move || {
            let (tx, rx) = oneshot();
            let rx = Arc::new(Mutex::new(Box::pin(rx)));
            let p = Probe::new();
            let waker = p.waker();
            let first = poll(&mut rx.lock().unwrap(), &waker);
            assert!(
                first.is_pending(),
                "the first poll, before anything was sent, returned {first:?}: with no value \
                 yet, poll must return Poll::Pending"
            );
            // The poll the wake-up causes, on a thread of its own.
            let (poll_now, wait_for_wake) = mpsc::channel::<()>();
            let (polled, wait_for_poll) = mpsc::channel::<Poll<u64>>();
            let rx2 = Arc::clone(&rx);
            let waker2 = waker.clone();
            let polling = thread::spawn(move || {
                if wait_for_wake.recv().is_ok() {
                    let got = poll(&mut rx2.lock().unwrap(), &waker2);
                    let _ = polled.send(got);
                }
            });
            let (seen, seen_rx) = mpsc::channel::<Option<Poll<u64>>>();
            *p.on_wake.lock().unwrap() = Some(Box::new(move || {
                let _ = poll_now.send(());
                let _ = seen.send(wait_for_poll.recv_timeout(HOLD).ok());
            }));
            send_on_thread(tx, v);
            if let Err(panic) = polling.join() {
                std::panic::resume_unwind(panic);
            }
            let at_wake = seen_rx
                .recv_timeout(LIMIT)
                .expect("send returned without waking the waker: send must wake it");
            if at_wake.is_some_and(|got| got.is_pending()) {
                assert!(
                    p.wakes() >= 2,
                    "send woke the waker before the value was stored: the task, polled right \
                     then, got Poll::Pending, and nothing woke it again, so it waits forever. \
                     Store the value first, then wake"
                );
            }
        },
    );
}

#[test]
fn a_send_at_any_moment_of_poll_is_not_lost() {
    interrupted::check();
}

// The send of `a_send_that_comes_while_poll_runs_is_not_lost`, at random
// instructions of `poll` (see support::interrupt): a signal interrupts the
// thread that polls, and its handler hands the round's Sender to a sending
// thread and waits (a little) for `send` to return. A poll that looks at the
// value under one lock and leaves its waker under another is interrupted
// between the two after a few dozen signals: send finds no waker, poll then
// leaves one that nobody wakes. A poll that does both under one lock keeps
// send waiting until it is done (the handler stops waiting and returns).
mod interrupted {
    use super::super::support::interrupt::{Interrupted, run_interrupted};
    use super::{Rng, Sender, oneshot, poll};

    use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};
    use std::task::{Poll, Wake, Waker};
    use std::thread::{self, Thread};
    use std::time::{Duration, Instant};

    // How long the handler waits for a send that is held up (by the lock
    // the interrupted poll holds): it gives up and lets the poll go on.
    const HANDLER_WAIT: Duration = Duration::from_millis(2);
    // How long the polling thread waits for a send that was started.
    const SEND_WAIT: Duration = Duration::from_secs(2);

    // The round's Sender, while the polling thread may be interrupted.
    static ROUND: AtomicPtr<Sender> = AtomicPtr::new(std::ptr::null_mut());
    // The Sender handed to the sending thread.
    static TO_SEND: AtomicPtr<Sender> = AtomicPtr::new(std::ptr::null_mut());
    static SENT: AtomicBool = AtomicBool::new(false);
    static STOP: AtomicBool = AtomicBool::new(false);
    static VALUE: AtomicU64 = AtomicU64::new(0);
    static SENDER: OnceLock<Thread> = OnceLock::new();
    // Rounds in which send ran while poll was under way / lost its wake-up.
    // A send did not return within SEND_WAIT: the rounds stop.
    static SEND_STUCK: AtomicBool = AtomicBool::new(false);
    static SENDS: AtomicUsize = AtomicUsize::new(0);
    static RACED: AtomicUsize = AtomicUsize::new(0);
    static LOST: AtomicUsize = AtomicUsize::new(0);
    static WRONG: AtomicU64 = AtomicU64::new(0);

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    // In the signal handler: atomics, unpark, yield and the clock only.
    fn on_interrupt() {
        let tx = ROUND.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if tx.is_null() {
            return;
        }
        SENDS.fetch_add(1, Ordering::SeqCst);
        TO_SEND.store(tx, Ordering::SeqCst);
        if let Some(sender) = SENDER.get() {
            sender.unpark();
        }
        let start = Instant::now();
        while !SENT.load(Ordering::SeqCst) && start.elapsed() < HANDLER_WAIT {
            thread::yield_now();
        }
    }

    fn sending_thread() {
        while !STOP.load(Ordering::SeqCst) {
            let tx = TO_SEND.swap(std::ptr::null_mut(), Ordering::SeqCst);
            if tx.is_null() {
                thread::park();
                continue;
            }
            // SAFETY: every pointer in ROUND / TO_SEND came from
            // Box::into_raw, and is taken out (swapped to null) once.
            let tx = unsafe { Box::from_raw(tx) };
            tx.send(VALUE.load(Ordering::SeqCst));
            SENT.store(true, Ordering::SeqCst);
        }
    }

    fn round() {
        if SEND_STUCK.load(Ordering::SeqCst) {
            return;
        }
        let (tx, rx) = oneshot();
        let mut rx = Box::pin(rx);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        SENT.store(false, Ordering::SeqCst);
        ROUND.store(Box::into_raw(Box::new(tx)), Ordering::SeqCst);
        let got = poll(&mut rx, &waker);
        let tx = ROUND.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !tx.is_null() {
            // Not interrupted with this round's Sender: nothing was sent.
            // SAFETY: as in `sending_thread`.
            drop(unsafe { Box::from_raw(tx) });
            return;
        }
        let start = Instant::now();
        while !SENT.load(Ordering::SeqCst) && start.elapsed() < SEND_WAIT {
            thread::sleep(Duration::from_micros(50));
        }
        if !SENT.load(Ordering::SeqCst) {
            SEND_STUCK.store(true, Ordering::SeqCst);
            return;
        }
        let value = VALUE.load(Ordering::SeqCst);
        match got {
            Poll::Pending => {
                RACED.fetch_add(1, Ordering::SeqCst);
                if count.0.load(Ordering::SeqCst) == 0 {
                    LOST.fetch_add(1, Ordering::SeqCst);
                }
            }
            Poll::Ready(v) if v == value => {}
            Poll::Ready(v) => WRONG.store(v ^ value, Ordering::SeqCst),
        }
    }

    pub fn check() {
        let mut rng = Rng::from_env();
        VALUE.store(rng.next_u64(), Ordering::SeqCst);
        let sender = thread::spawn(sending_thread);
        let _ = SENDER.set(sender.thread().clone());
        let outcome = run_interrupted(on_interrupt, round);
        STOP.store(true, Ordering::SeqCst);
        sender.thread().unpark();
        assert!(
            !SEND_STUCK.load(Ordering::SeqCst),
            "send, called (on another thread) while poll was running or right after it, did \
             not return within {SEND_WAIT:?}: does send wait for something poll does, or \
             hold the lock while it wakes a waker that needs it?"
        );
        let _ = sender.join();
        let (raced, lost) = (RACED.load(Ordering::SeqCst), LOST.load(Ordering::SeqCst));
        match outcome {
            Interrupted::Stuck { handled } => panic!(
                "poll or send did not return (after {handled} interrupts at random moments of \
                 a poll had been handled): does one wait for the other, or hold the lock while \
                 waking?"
            ),
            Interrupted::Done { .. } => {
                let sends = SENDS.load(Ordering::SeqCst);
                assert!(
                    lost == 0,
                    "{sends} times, send was called at a random moment around a poll (a signal \
                     interrupted the thread in poll, and another thread called send \
                     meanwhile); \
                     {raced} of those polls returned Pending, and in {lost} of them send \
                     returned without waking anything, while the waker poll left was never \
                     woken: those wake-ups were lost. Looking at the value and leaving the \
                     waker must be one step that send cannot come in between: do both under \
                     one lock, the one send takes (a clone of the waker made before that lock \
                     is fine, a second lock for the waker is not)"
                );
                let wrong = WRONG.load(Ordering::SeqCst);
                assert!(
                    wrong == 0,
                    "a poll that came during send returned Ready with a value that was not \
                     the one sent"
                );
            }
        }
    }
}

#[test]
fn a_poll_at_any_moment_of_send_is_not_lost() {
    interrupted_send::check();
}

// The other side of `interrupted`: a signal interrupts the thread in `send`,
// and its handler hands the receiver to a polling thread, which polls it
// with a new waker (the task moved) while send is under way. A send that
// takes the waker under one lock and stores the value under another is
// interrupted between the two: the poll finds no value and leaves the new
// waker, and send wakes the old one it took. Under one lock, the poll waits
// until send is done (the handler stops waiting) and finds the value.
mod interrupted_send {
    use super::super::support::interrupt::{Interrupted, run_interrupted};
    use super::{Receiver, Rng, oneshot, poll};

    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};
    use std::task::{Poll, Wake, Waker};
    use std::thread::{self, Thread};
    use std::time::{Duration, Instant};

    const HANDLER_WAIT: Duration = Duration::from_millis(2);
    const POLL_WAIT: Duration = Duration::from_secs(2);

    type Rx = Pin<Box<Receiver>>;

    // The round's receiver, while send may be interrupted.
    static ROUND: AtomicPtr<Rx> = AtomicPtr::new(std::ptr::null_mut());
    // The receiver handed to the polling thread.
    static TO_POLL: AtomicPtr<Rx> = AtomicPtr::new(std::ptr::null_mut());
    // What that poll returned: 0 not yet, 1 Pending, 2 the value, 3 another.
    static POLLED: AtomicUsize = AtomicUsize::new(0);
    // Wake-ups of the polling thread's (new) waker in this round.
    static NEW_WOKEN: AtomicUsize = AtomicUsize::new(0);
    static STOP: AtomicBool = AtomicBool::new(false);
    static POLL_STUCK: AtomicBool = AtomicBool::new(false);
    static VALUE: AtomicU64 = AtomicU64::new(0);
    static POLLER: OnceLock<Thread> = OnceLock::new();
    static POLLS: AtomicUsize = AtomicUsize::new(0);
    static RACED: AtomicUsize = AtomicUsize::new(0);
    static LOST: AtomicUsize = AtomicUsize::new(0);
    static WRONG: AtomicUsize = AtomicUsize::new(0);

    // The waker of the first poll: only counted as a waker.
    struct Old;

    impl Wake for Old {
        fn wake(self: Arc<Self>) {}
    }

    // The waker of the poll during send.
    struct New;

    impl Wake for New {
        fn wake(self: Arc<Self>) {
            NEW_WOKEN.fetch_add(1, Ordering::SeqCst);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            NEW_WOKEN.fetch_add(1, Ordering::SeqCst);
        }
    }

    // In the signal handler: atomics, unpark, yield and the clock only.
    fn on_interrupt() {
        let rx = ROUND.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if rx.is_null() {
            return;
        }
        POLLS.fetch_add(1, Ordering::SeqCst);
        TO_POLL.store(rx, Ordering::SeqCst);
        if let Some(poller) = POLLER.get() {
            poller.unpark();
        }
        let start = Instant::now();
        while POLLED.load(Ordering::SeqCst) == 0 && start.elapsed() < HANDLER_WAIT {
            thread::yield_now();
        }
    }

    fn polling_thread() {
        let waker = Waker::from(Arc::new(New));
        while !STOP.load(Ordering::SeqCst) {
            let rx = TO_POLL.swap(std::ptr::null_mut(), Ordering::SeqCst);
            if rx.is_null() {
                thread::park();
                continue;
            }
            // SAFETY: every pointer in ROUND / TO_POLL came from
            // Box::into_raw, and is taken out (swapped to null) once.
            let mut rx = unsafe { Box::from_raw(rx) };
            let got = match poll(&mut rx, &waker) {
                Poll::Pending => 1,
                Poll::Ready(v) if v == VALUE.load(Ordering::SeqCst) => 2,
                Poll::Ready(_) => 3,
            };
            POLLED.store(got, Ordering::SeqCst);
        }
    }

    fn round() {
        if POLL_STUCK.load(Ordering::SeqCst) {
            return;
        }
        let (tx, rx) = oneshot();
        let mut rx = Box::pin(rx);
        let old = Waker::from(Arc::new(Old));
        if poll(&mut rx, &old).is_ready() {
            WRONG.fetch_add(1, Ordering::SeqCst);
            return;
        }
        POLLED.store(0, Ordering::SeqCst);
        NEW_WOKEN.store(0, Ordering::SeqCst);
        ROUND.store(Box::into_raw(Box::new(rx)), Ordering::SeqCst);
        tx.send(VALUE.load(Ordering::SeqCst));
        let rx = ROUND.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !rx.is_null() {
            // Not interrupted with this round's receiver: nobody polled.
            // SAFETY: as in `polling_thread`.
            drop(unsafe { Box::from_raw(rx) });
            return;
        }
        let start = Instant::now();
        while POLLED.load(Ordering::SeqCst) == 0 && start.elapsed() < POLL_WAIT {
            thread::sleep(Duration::from_micros(50));
        }
        match POLLED.load(Ordering::SeqCst) {
            0 => POLL_STUCK.store(true, Ordering::SeqCst),
            1 => {
                RACED.fetch_add(1, Ordering::SeqCst);
                if NEW_WOKEN.load(Ordering::SeqCst) == 0 {
                    LOST.fetch_add(1, Ordering::SeqCst);
                }
            }
            2 => {}
            _ => {
                WRONG.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    pub fn check() {
        let mut rng = Rng::from_env();
        VALUE.store(rng.next_u64(), Ordering::SeqCst);
        let poller = thread::spawn(polling_thread);
        let _ = POLLER.set(poller.thread().clone());
        let outcome = run_interrupted(on_interrupt, round);
        STOP.store(true, Ordering::SeqCst);
        poller.thread().unpark();
        assert!(
            !POLL_STUCK.load(Ordering::SeqCst),
            "poll, called (on another thread) while send was running, did not return within \
             {POLL_WAIT:?}: does poll wait for something send does?"
        );
        let _ = poller.join();
        match outcome {
            Interrupted::Stuck { handled } => panic!(
                "send or poll did not return (after {handled} interrupts at random moments of \
                 a send had been handled): does one wait for the other?"
            ),
            Interrupted::Done { .. } => {
                let (polls, raced, lost) = (
                    POLLS.load(Ordering::SeqCst),
                    RACED.load(Ordering::SeqCst),
                    LOST.load(Ordering::SeqCst),
                );
                assert!(
                    lost == 0,
                    "{polls} times, the receiver was polled again, with a new waker (the task \
                     moved), at a random moment of send (a signal interrupted the thread in \
                     send, and another thread polled meanwhile); {raced} of those polls \
                     returned Pending, and in {lost} of them send returned without waking the \
                     new waker: it woke the waker it had taken before that poll. Storing the \
                     value and taking the waker must be one step under the lock poll takes \
                     too: a poll then either finds the value, or leaves its waker before send \
                     takes it"
                );
                let wrong = WRONG.load(Ordering::SeqCst);
                assert!(
                    wrong == 0,
                    "{wrong} time(s), a poll returned Ready before anything was sent, or a \
                     poll during send returned a value that was not the one sent"
                );
            }
        }
    }
}
