// The hidden tests of future2. The futures are the test's own: they count
// their polls, note the thread each poll runs on, and are woken by the test
// (from another thread, from inside a poll, or both) at moments it chooses.
// None of them is `Send`: block_on runs its future on the caller's thread.

use super::support::{Latch, Rng, process_cpu_time, quiet, within};
use exercise::block_on;

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(2);

// A future that stays pending until the test completes it, through a
// `Remote` handle, from any thread. Not `Send` (a `PhantomData<Rc<()>>`).
struct Waiting {
    shared: Arc<Shared>,
    polls: Rc<Cell<usize>>,
    _not_send: PhantomData<Rc<()>>,
}

struct Shared {
    // (the value once completed, the waker of the latest poll)
    state: Mutex<(Option<u64>, Option<Waker>)>,
    // How many polls have returned Pending.
    pending: Latch<usize>,
    // The thread of every poll.
    threads: Mutex<Vec<ThreadId>>,
}

#[derive(Clone)]
struct Remote(Arc<Shared>);

impl Remote {
    fn complete(&self, value: u64) {
        let waker = {
            let mut state = self.0.state.lock().unwrap();
            state.0 = Some(value);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    // Waits until `n` polls have returned Pending.
    fn pending_polls(&self, n: usize) -> bool {
        self.0.pending.wait_until(LIMIT, |&p| p >= n)
    }

    fn threads(&self) -> Vec<ThreadId> {
        self.0.threads.lock().unwrap().clone()
    }
}

fn waiting() -> (Waiting, Remote, Rc<Cell<usize>>) {
    let shared = Arc::new(Shared {
        state: Mutex::new((None, None)),
        pending: Latch::new(0),
        threads: Mutex::new(Vec::new()),
    });
    let polls = Rc::new(Cell::new(0));
    (
        Waiting {
            shared: Arc::clone(&shared),
            polls: Rc::clone(&polls),
            _not_send: PhantomData,
        },
        Remote(shared),
        polls,
    )
}

// The API, pinned: a changed signature does not compile (and block_on asks
// nothing of the future beyond `Future`: this one is not `Send`).
const _: fn(Waiting) -> u64 = block_on::<Waiting>;

impl Future for Waiting {
    type Output = u64;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        self.polls.set(self.polls.get() + 1);
        self.shared
            .threads
            .lock()
            .unwrap()
            .push(thread::current().id());
        let mut state = self.shared.state.lock().unwrap();
        match state.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                state.1 = Some(cx.waker().clone());
                drop(state);
                self.shared.pending.update(|p| *p += 1);
                Poll::Pending
            }
        }
    }
}

// A future that is woken `wakes.len()` times, then ready. Before the `i`th
// Pending, the waker is woken: by the poll itself (`Wake::Itself`), or by
// another thread that the poll waits for (`Wake::Thread`), so the wake-up
// has happened by the time block_on sees Pending. `Wake::After` hands the
// waker to another thread that wakes it right after the poll returns.
#[derive(Debug, Clone, Copy)]
enum Wake {
    Itself,
    Thread,
    After,
}

struct Steps {
    wakes: Vec<Wake>,
    done: usize,
    output: u64,
    helper: mpsc::Sender<(Waker, Option<Arc<Latch<bool>>>)>,
    _not_send: PhantomData<Rc<()>>,
}

fn steps(wakes: Vec<Wake>, output: u64) -> Steps {
    let (helper, jobs) = mpsc::channel::<(Waker, Option<Arc<Latch<bool>>>)>();
    thread::spawn(move || {
        for (waker, woken) in jobs {
            waker.wake();
            if let Some(woken) = woken {
                woken.update(|w| *w = true);
            }
        }
    });
    Steps {
        wakes,
        done: 0,
        output,
        helper,
        _not_send: PhantomData,
    }
}

impl Future for Steps {
    type Output = (u64, usize);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(u64, usize)> {
        let this = &mut *self;
        let Some(&wake) = this.wakes.get(this.done) else {
            return Poll::Ready((this.output, this.done));
        };
        this.done += 1;
        match wake {
            Wake::Itself => cx.waker().wake_by_ref(),
            Wake::Thread => {
                // Waits with a Mutex and a Condvar, not a channel: a
                // blocking channel parks this thread too, and could take the
                // wake-up's park token for itself.
                let woken = Arc::new(Latch::new(false));
                this.helper
                    .send((cx.waker().clone(), Some(Arc::clone(&woken))))
                    .expect("the test's waking thread is gone");
                assert!(
                    woken.wait_until(LIMIT, |&w| w),
                    "the test's waking thread did not wake the future"
                );
            }
            Wake::After => this
                .helper
                .send((cx.waker().clone(), None))
                .expect("the test's waking thread is gone"),
        }
        Poll::Pending
    }
}

#[test]
fn returns_the_output_of_a_future_that_is_ready_at_once() {
    let mut rng = Rng::from_env();
    let v = rng.next_u64();
    let got = within(
        LIMIT,
        "block_on of a ready future did not return",
        move || block_on(std::future::ready(v)),
    );
    assert!(
        got == v,
        "block_on(ready({v})) returned {got}: it should return the future's output"
    );
}

#[test]
fn a_future_woken_once_from_another_thread_is_polled_only_when_woken_and_the_wait_does_not_spin() {
    let mut rng = Rng::from_env();
    let v = rng.next_u64();
    let (started, started_rx) = mpsc::channel();
    let caller = thread::spawn(move || {
        let (future, remote, polls) = waiting();
        started.send(remote).unwrap();
        let got = block_on(future);
        (got, polls.get(), thread::current().id())
    });
    let remote: Remote = started_rx.recv().expect("the test's thread did not start");
    let first = remote.pending_polls(1);
    // While the future can only wait: CPU time and wake-ups of the process.
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let quiet = quiet::wait_until_quiet();
    let stretch_min = Duration::from_millis(150);
    if started.elapsed() < stretch_min {
        thread::sleep(stretch_min - started.elapsed());
    }
    let cpu = process_cpu_time().saturating_sub(cpu_before);
    let stretch = started.elapsed();
    let polls_while_waiting = remote.0.pending.update(|p| *p);
    remote.complete(v);
    let (got, polls, caller_id) = within(
        LIMIT,
        "block_on did not return after the future's waker was woken from another thread: does \
         your waker wake (unpark) the thread that waits in block_on, and does block_on poll \
         again when it wakes up?",
        move || {
            caller
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        },
    );
    assert!(
        first,
        "block_on never polled the future (no Poll::Pending within {LIMIT:?})"
    );
    assert!(
        got == v,
        "block_on returned {got}, the future's output was {v}"
    );
    assert!(
        polls_while_waiting <= 2,
        "the future was polled {polls_while_waiting} times while it waited for ONE wake-up \
         (in {stretch:?}): block_on polls again and again instead of sleeping until the \
         future's waker is woken. A waker that does nothing (Waker::noop) cannot tell block_on \
         when to poll: make one that wakes this thread (unpark), and park on Pending"
    );
    if let Err(window) = quiet {
        panic!(
            "while the future waited for {stretch:?}, the process kept waking up ({} context \
             switches, {:?} of CPU in its busiest window of {:?}): block_on checks again and \
             again instead of sleeping until the waker is woken (thread::park)",
            window.switches,
            window.cpu,
            quiet::WINDOW
        );
    }
    assert!(
        cpu * 4 < stretch,
        "while the future waited for {stretch:?}, the process used {cpu:?} of CPU: block_on \
         keeps a CPU busy instead of sleeping until the waker is woken (thread::park)"
    );
    assert!(
        polls <= 3,
        "the future was polled {polls} times for one wake-up: it should be polled once, then \
         once more after the wake-up (a rare spurious return from park may add one)"
    );
    let threads = remote.threads();
    assert!(
        threads.iter().all(|&t| t == caller_id),
        "the future was polled on another thread than the one that called block_on: block_on \
         runs the future on the caller's thread"
    );
}

#[test]
fn a_wake_that_comes_before_block_on_waits_is_not_lost() {
    let mut rng = Rng::from_env();
    let n = 20 + rng.below(40);
    let wakes: Vec<Wake> = (0..n)
        .map(|_| match rng.below(3) {
            0 => Wake::Itself,
            1 => Wake::Thread,
            _ => Wake::After,
        })
        .collect();
    let v = rng.next_u64();
    let said = format!("{wakes:?}");
    let (got, done) = within(
        LIMIT,
        &format!(
            "block_on did not return: the future was woken {n} times, each time BEFORE or just \
             after its poll returned Pending (woken during the poll by itself or by another \
             thread, or right after it by another thread: {said}). A wake-up that comes before \
             block_on starts to wait must not be lost: thread::park returns at once if the \
             thread was unparked since its last park (a Condvar without a flag forgets a \
             notify that came before the wait; a flag cleared after the poll forgets a wake \
             from during the poll)"
        ),
        move || {
            let future = steps(wakes, v);
            // The future is not Send: made on the thread that runs it.
            block_on(future)
        },
    );
    assert!(
        got == v && done == n,
        "block_on returned ({got}, {done}); the future's output was ({v}, {n})"
    );
}

#[test]
fn two_block_ons_on_two_threads_each_wake_their_own_thread() {
    let mut rng = Rng::from_env();
    let values = [rng.next_u64(), rng.next_u64()];
    let first = rng.below(2);
    let mut callers = Vec::new();
    let mut remotes = Vec::new();
    let returned = Arc::new(Latch::new([false, false]));
    for (i, v) in values.into_iter().enumerate() {
        let (started, remote) = mpsc::channel();
        let returned = Arc::clone(&returned);
        callers.push(thread::spawn(move || {
            let (future, remote, _) = waiting();
            started.send(remote).unwrap();
            let got = block_on(future);
            returned.update(|r| r[i] = true);
            got
        }));
        let remote: Remote = remote.recv().expect("the test's thread did not start");
        assert!(
            remote.pending_polls(1),
            "block_on never polled the future (no Poll::Pending within {LIMIT:?})"
        );
        remotes.push((remote, v));
    }
    let second = 1 - first;
    remotes[first].0.complete(remotes[first].1);
    assert!(
        returned.wait_until(LIMIT, |r| r[first]),
        "two threads each waited in block_on; the future of one of them was woken, but that \
         block_on did not return: does the waker wake the thread that called THIS block_on? \
         (one made once for the whole program, or for the first thread, wakes the wrong one)"
    );
    assert!(
        !returned.update(|r| r[second]),
        "the other block_on returned before its future was ready"
    );
    remotes[second].0.complete(remotes[second].1);
    assert!(
        returned.wait_until(LIMIT, |r| r[second]),
        "the second of two block_ons on two threads did not return after its future was \
         woken: does the waker wake the thread that called this block_on?"
    );
    for (i, caller) in callers.into_iter().enumerate() {
        let got = caller
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        assert!(
            got == values[i],
            "block_on returned {got}, the future's output was {}",
            values[i]
        );
    }
}
