// future2: block_on, an executor for one future.
//
// `block_on(future)` runs a future on the calling thread until it is done,
// and returns its output. It polls the future; on `Poll::Pending` it must
// wait until the future's waker is woken (by whatever the future waits for:
// another thread, a timer, the future itself), then poll again.
//
// Run it (`main` below): the answer is right, but the future was polled
// hundreds of thousands of times while it waited for one value, and the
// thread kept a CPU busy all along.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    // TODO: a waker that does nothing, and a loop that polls again at once.
    // Make a waker that wakes this thread, and wait until it is woken
    // before polling again.
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

// For `main`: a value computed on another thread, as a future.
struct FromThread {
    shared: Arc<Mutex<(Option<u64>, Option<Waker>)>>,
}

impl FromThread {
    fn compute(work: impl FnOnce() -> u64 + Send + 'static) -> FromThread {
        let shared = Arc::new(Mutex::new((None, None::<Waker>)));
        let theirs = Arc::clone(&shared);
        thread::spawn(move || {
            let value = work();
            let waker = {
                let mut state = theirs.lock().unwrap();
                state.0 = Some(value);
                state.1.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        FromThread { shared }
    }
}

impl Future for FromThread {
    type Output = u64;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let mut state = self.shared.lock().unwrap();
        match state.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn main() {
    let polls = AtomicUsize::new(0);
    let answer = block_on(async {
        let slow = FromThread::compute(|| (1..=30_000_000_u64).map(|i| i % 7).sum());
        // Counts how often block_on polls the whole async block.
        let mut slow = pin!(slow);
        std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::SeqCst);
            slow.as_mut().poll(cx)
        })
        .await
    });
    println!(
        "answer: {answer}, after {} polls",
        polls.load(Ordering::SeqCst)
    );
}
