// WRONG: a load then a store (lost updates between threads), shielded only against a record that
// interrupts another record on the same thread (a thread-local "busy" flag defers it)
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

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

thread_local! {
    static BUSY: Cell<bool> = const { Cell::new(false) };
    static PENDING: Cell<u64> = const { Cell::new(0) };
}

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
        let size = send();
        // A record that lands inside another record on this same thread
        // only notes its size; the outer one adds it afterwards.
        if BUSY.get() {
            PENDING.set(PENDING.get() + size);
            return;
        }
        let mut add = size;
        loop {
            BUSY.set(true);
            let before = self.bytes.load(Ordering::SeqCst);
            self.bytes.store(before + add, Ordering::SeqCst);
            BUSY.set(false);
            add = PENDING.replace(0);
            if add == 0 {
                break;
            }
        }
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
