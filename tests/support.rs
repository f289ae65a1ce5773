//! Helpers shared by every hidden test file. The runner compiles this module
//! into each exercise's test build as `support` (reach it with
//! `use super::support::*;` or `crate::support`). Keep it small and generic:
//! tests must not depend on anything an exercise could be solved with.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Runs `f` on a helper thread and waits at most `limit` for it to finish.
///
/// A hang becomes a test failure that says `what_hangs` (for example "is a
/// Sender still alive, so the receiver never ends?") instead of a silent
/// freeze. A panic inside `f` is passed on unchanged.
pub fn within<T, F>(limit: Duration, what_hangs: &str, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // The receiver may be gone after a timeout; nothing to report then.
        let _ = tx.send(panic::catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(_) => panic!("no result after {limit:?}: {what_hangs}"),
    }
}

/// A barrier with a deadline: `wait` returns once `parties` threads have
/// arrived, or reports how many had arrived when `limit` ran out.
///
/// Tests use it to prove that work really runs at the same time: if the
/// learner's code runs the workers one after another (say, joining inside
/// the spawn loop), the first worker waits alone and the gate never fills.
/// It works on one pinned CPU too, because waiting threads block.
#[derive(Debug)]
pub struct Gate {
    parties: usize,
    arrived: Mutex<usize>,
    all_here: Condvar,
}

impl Gate {
    pub fn new(parties: usize) -> Self {
        Gate {
            parties,
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
        }
    }

    /// Waits until every party has arrived. `Err(n)`: only `n` of them
    /// arrived within `limit`.
    pub fn wait(&self, limit: Duration) -> Result<(), usize> {
        let deadline = Instant::now() + limit;
        let mut arrived = self.arrived.lock().unwrap_or_else(|e| e.into_inner());
        *arrived += 1;
        if *arrived >= self.parties {
            self.all_here.notify_all();
            return Ok(());
        }
        while *arrived < self.parties {
            let now = Instant::now();
            if now >= deadline {
                return Err(*arrived);
            }
            arrived = self
                .all_here
                .wait_timeout(arrived, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        Ok(())
    }
}
