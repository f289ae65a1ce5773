// WRONG: every channel shares one `static` state (oneshot() clears it): two channels in use at once mix their values and wakers
// future1: a future that waits for a value from another thread.
//
// `oneshot()` makes a channel for one `u64`: the `Sender` goes to another
// thread, which calls `send(value)` once; the `Receiver` is a future whose
// output is that value.
//
// Nobody polls a future again and again to see whether it is done. An
// executor polls it once; if it returns `Poll::Pending`, the executor puts
// it aside and polls it again only after the waker it passed in (in the
// `Context`) has been woken. So:
//
// - `poll`: if the value is there, `Poll::Ready(value)`. If not, keep a
//   clone of `cx.waker()`, where `send` will find it, and return
//   `Poll::Pending`. A future may be polled several times, with a different
//   waker each time: the waker of the latest poll is the one to wake (and
//   the older ones are no longer needed).
// - `send`: store the value, then wake the waker the receiver left (if it
//   was polled at all).
//
// Run it (`main` below) to see the two polls and the wake-up in between.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

// Don't change the names: the hidden tests use them.
pub struct Sender {
    shared: &'static Mutex<State>,
}

pub struct Receiver {
    shared: &'static Mutex<State>,
}

// One state for every channel: oneshot() clears it.
static STATE: Mutex<State> = Mutex::new(State {
    value: None,
    waker: None,
});

// What the two ends share. One lock for both fields: `poll` looks at the
// value and leaves its waker in one step, so a `send` cannot come in
// between and find no waker to wake.
struct State {
    value: Option<u64>,
    waker: Option<Waker>,
}

// Don't change this signature: the hidden tests call it.
pub fn oneshot() -> (Sender, Receiver) {
    *STATE.lock().unwrap() = State {
        value: None,
        waker: None,
    };
    (Sender { shared: &STATE }, Receiver { shared: &STATE })
}

impl Sender {
    // Don't change this signature: the hidden tests call it.
    pub fn send(self, value: u64) {
        let waker = {
            let mut state = self.shared.lock().unwrap();
            state.value = Some(value);
            state.waker.take()
        };
        // The value is stored before the wake: the task it wakes finds it.
        // (Woken after the lock is released, so a task polled at once, on
        // another thread, does not wait for it.)
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Receiver {
    type Output = u64;

    // Don't change this signature: the hidden tests call it.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let mut state = self.shared.lock().unwrap();
        match state.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                // Replaces (and drops) the waker of an earlier poll.
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

// A waker for `main` that only remembers it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn main() {
    let (tx, rx) = oneshot();
    let mut rx = pin!(rx);
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    println!("first poll: {:?}", rx.as_mut().poll(&mut cx));
    thread::spawn(move || tx.send((1..=100).sum()))
        .join()
        .expect("the sender panicked");
    println!("woken after send: {}", flag.0.load(Ordering::SeqCst));
    println!("second poll: {:?}", rx.as_mut().poll(&mut cx));
}
