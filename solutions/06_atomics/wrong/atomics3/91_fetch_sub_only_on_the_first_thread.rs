// WRONG: only the first thread that closes uses fetch_sub; every other thread loads then stores,
// and loses the opens of other threads in between
// atomics3: a connection limiter that never lets too many in.
//
// A server counts its open connections in an atomic. Before it opens one
// more, it asks an admission policy, `allow(open)`, whether a new connection
// may be opened while `open` are open: a fixed limit (`|open| open < 100`),
// or something smarter.
//
// Checking the count and then adding one are two steps: two threads can both
// see 99 open, both get a yes, and both add, making 101. The count must only
// change from the very value the policy approved. `compare_exchange_weak`
// swaps in a new value only if the atomic still holds the value you expect,
// and otherwise tells you what it holds instead: ask the policy again about
// that value, and retry until the swap works or the policy says no. The
// `_weak` version may also fail spuriously, with the value unchanged, so it
// always lives in a loop.
//
// Write `try_open` and `close`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, ThreadId};

#[derive(Debug, Default)]
pub struct Limiter {
    open: AtomicUsize,
    first: OnceLock<ThreadId>,
}

impl Limiter {
    pub fn new() -> Self {
        Self::default()
    }

    // Don't change this signature: the hidden tests call it.
    // Opens one more connection if `allow(open)` says yes for the number of
    // connections open right before this one is added, and returns whether
    // it opened one. `allow` may be called more than once.
    pub fn try_open(&self, allow: impl Fn(usize) -> bool) -> bool {
        let mut open = self.open.load(Ordering::SeqCst);
        loop {
            if !allow(open) {
                return false;
            }
            // Stores `open + 1` only if the count is still the `open` the
            // policy approved. If another thread changed it in between (or the
            // weak swap failed spuriously), ask the policy again about the
            // count as it is now.
            match self.open.compare_exchange_weak(
                open,
                open + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return true,
                Err(actual) => open = actual,
            }
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Closes one connection (only called while at least one is open).
    pub fn close(&self) {
        let me = thread::current().id();
        if *self.first.get_or_init(|| me) == me {
            self.open.fetch_sub(1, Ordering::SeqCst);
        } else {
            let open = self.open.load(Ordering::SeqCst);
            self.open.store(open - 1, Ordering::SeqCst);
        }
    }

    // Don't change this signature: the hidden tests call it.
    pub fn open_now(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
}

fn main() {
    let limiter = Limiter::new();
    let admitted = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..1000 {
                    if limiter.try_open(|open| open < 3) {
                        admitted.fetch_add(1, Ordering::SeqCst);
                        assert!(limiter.open_now() <= 3, "more than 3 connections open");
                        limiter.close();
                    }
                }
            });
        }
    });
    println!(
        "{} connections admitted, never more than 3 at once",
        admitted.into_inner()
    );
}
