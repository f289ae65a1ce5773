// WRONG: the waker of the join's latest poll is kept in one `static` for every join: a child of one join wakes the task of whichever join was polled last
// future3: join2, two futures at once on one thread.
//
// `join2(a, b)` is a future that runs two futures at the same time and is
// ready with both outputs, `(a's, b's)`, once both are done. No threads:
// whoever polls the join polls the two children, on its own thread, and
// while one child waits, the other goes on. That is concurrency without
// parallelism.
//
// Polling a child costs (it may redo work, or look at a socket again), so
// the join polls a child only when there is news for it:
//
// - the first poll of the join polls both children;
// - after that, a child is polled only if its waker was woken since its
//   last poll, and never again once it returned `Poll::Ready`;
// - so each child gets a waker of its own (`ChildWaker`): waking it notes
//   that THIS child has news, and wakes the task that polls the join (the
//   waker of the join's latest poll).
//
// Run it (`main` below): the two counters take turns, one step each.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

// Don't change the name or the generic parameters: the hidden tests use it.
pub struct Join2<A: Future, B: Future> {
    a: Child<A>,
    b: Child<B>,
}

// The join never hands out a pinned reference to what it holds (the
// children are pinned in their boxes), so it may move freely.
impl<A: Future, B: Future> Unpin for Join2<A, B> {}

// Don't change this signature: the hidden tests call it.
pub fn join2<A: Future, B: Future>(a: A, b: B) -> Join2<A, B> {
    Join2 {
        a: Child::new(a),
        b: Child::new(b),
    }
}

// One of the two futures, with its own waker.
struct Child<F: Future> {
    future: Pin<Box<F>>,
    // Some once the future returned Ready (until the join hands it out).
    output: Option<F::Output>,
    done: bool,
    // What `waker` wakes: shared with every clone of it.
    news: Arc<ChildWaker>,
    // The waker this child is polled with.
    waker: Waker,
}

// The waker of the latest poll of any join: one for every join.
static PARENT: Mutex<Option<Waker>> = Mutex::new(None);

// Waking a child: "this child has news", then wake the join's task.
struct ChildWaker {
    // Woken since its last poll (true at first: the first poll polls all).
    woken: AtomicBool,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // The note first: the task, once woken, may poll the join at once.
        self.woken.store(true, Ordering::SeqCst);
        let parent = PARENT.lock().unwrap().clone();
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl<F: Future> Child<F> {
    fn new(future: F) -> Self {
        let news = Arc::new(ChildWaker {
            woken: AtomicBool::new(true),
        });
        Child {
            future: Box::pin(future),
            output: None,
            done: false,
            waker: Waker::from(Arc::clone(&news)),
            news,
        }
    }

    // Polls the future if it has news; `true` once it is done.
    fn poll_if_woken(&mut self, parent: &Waker) -> bool {
        if self.done {
            return true;
        }
        // The join's task may have a new waker: a later wake-up must reach
        // the task as it is now. Before the poll, which may wake at once.
        {
            let mut current = PARENT.lock().unwrap();
            if !current.as_ref().is_some_and(|w| w.will_wake(parent)) {
                *current = Some(parent.clone());
            }
        }
        // Cleared BEFORE the poll: a wake-up during the poll (the child
        // waking itself, or another thread) sets it again, and is not lost.
        if self.news.woken.swap(false, Ordering::SeqCst) {
            let mut cx = Context::from_waker(&self.waker);
            if let Poll::Ready(output) = self.future.as_mut().poll(&mut cx) {
                self.output = Some(output);
                self.done = true;
            }
        }
        self.done
    }

    fn take(&mut self) -> F::Output {
        self.output
            .take()
            .expect("Join2 polled again after it returned Ready")
    }
}

impl<A: Future, B: Future> Future for Join2<A, B> {
    type Output = (A::Output, B::Output);

    // Don't change this signature: the hidden tests call it.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Both, always: `&&` would skip b whenever a is not done.
        let a_done = this.a.poll_if_woken(cx.waker());
        let b_done = this.b.poll_if_woken(cx.waker());
        if a_done && b_done {
            Poll::Ready((this.a.take(), this.b.take()))
        } else {
            Poll::Pending
        }
    }
}

// For `main`: an executor for one future (see future2), and a future that
// lets others go first once ("yield").
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

async fn count(name: &str, steps: u64) -> u64 {
    for step in 1..=steps {
        println!(
            "{name}: step {step} of {steps} on {:?}",
            thread::current().id()
        );
        YieldOnce(false).await;
    }
    steps
}

fn main() {
    let (a, b) = block_on(join2(count("a", 3), count("b", 5)));
    println!("both done: a took {a} steps, b {b}");
}
