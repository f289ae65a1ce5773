// atomics1: a traffic counter that many threads add to.
//
// Every request handler calls `record` to send a response and add its size
// to the shared total. No handler's bytes may ever be lost.
//
// Alone, one handler gets the right total. Together, they come out short:
// the tests see totals smaller than the sum of the sizes, and the demo
// `main` may print fewer bytes than the 10000 it expects.

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
        // TODO: what can another handler do to the total between this load
        // and the store below?
        let before = self.bytes.load(Ordering::SeqCst);
        let size = send();
        self.bytes.store(before + size, Ordering::SeqCst);
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
