// atomics1: a traffic counter that many threads add to.
//
// Every request handler calls `record` to send a response and add its size
// to the shared total. Alone, one handler gets the right total. Together,
// they come out short: `record` reads the total, sends, and then writes
// back "what I read + my size". Whatever another handler added in between
// is overwritten and lost. Atomic loads and stores are each indivisible, but
// a load followed by a store is two steps, not one.
//
// The atomic types can also read, add and write back in one indivisible
// step. Make `record` use that, so that no handler's bytes are ever lost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

#[derive(Debug, Default)]
pub struct Traffic {
    bytes: AtomicU64,
}

impl Traffic {
    pub fn new() -> Self {
        Self::default()
    }

    // Don't change this signature: the hidden tests call it.
    // Runs `send` (which sends one response and returns its size in bytes)
    // and adds that size to the total. Many threads call it at once.
    pub fn record(&self, send: impl FnOnce() -> u64) {
        // One indivisible read-add-write: no other thread can get in between.
        let size = send();
        self.bytes.fetch_add(size, Ordering::SeqCst);
    }

    // Don't change this signature: the hidden tests call it.
    pub fn total(&self) -> u64 {
        self.bytes.load(Ordering::SeqCst)
    }
}

fn main() {
    let traffic = Traffic::new();
    thread::scope(|s| {
        for handler in 0..4 {
            let traffic = &traffic;
            s.spawn(move || {
                for _ in 0..1000 {
                    traffic.record(|| {
                        thread::yield_now(); // pretend to talk to the network
                        handler + 1
                    });
                }
            });
        }
    });
    println!("{} bytes sent (expected 10000)", traffic.total());
}

// Accepted escape (adversary review, second pass): code that loads then
// stores on threads that have recorded only a few times, and uses
// `fetch_add` once a thread has recorded often (a thread-local call
// counter), passes. The race tests can only catch a load-then-store at a
// random instruction on a thread that records in a tight loop (interrupted
// hundreds of times by a signal); the threads that record now and then are
// never frozen in the middle. Catching it would need a thread frozen inside
// one of its first few records, which signals at random moments hardly ever
// do.
