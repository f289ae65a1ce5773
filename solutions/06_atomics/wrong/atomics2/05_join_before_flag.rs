// WRONG: joins the thread before setting the flag: stop never returns
// atomics2: a background worker that can be told to stop.
//
// `start` spawns a thread that calls `tick` over and over until the worker
// is stopped; `Worker::stop` asks it to stop, waits for the thread to end
// and returns how many ticks it made. But `stop` never returns: the thread
// keeps ticking as if it had never been asked.
//
// `bool` is `Copy`, so the `move` closure took its own copy of `stop`:
// setting the worker's field later changes a different `bool` from the one
// the thread keeps reading. Both threads need to see the same flag, and it
// must be safe for one thread to write it while the other reads it.
//
// Make `stop` work: the worker must finish its current tick, see the flag,
// and end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

#[derive(Debug)]
pub struct Worker {
    // One flag, shared by the worker's owner and its thread.
    stop: Arc<AtomicBool>,
    handle: JoinHandle<u64>,
}

// Don't change this signature: the hidden tests call it.
// Spawns a thread that calls `tick` until the worker is stopped.
pub fn start(mut tick: impl FnMut() + Send + 'static) -> Worker {
    let stop = Arc::new(AtomicBool::new(false));
    let stop_seen_by_thread = Arc::clone(&stop);
    let handle = thread::spawn(move || {
        let mut ticks = 0;
        while !stop_seen_by_thread.load(Ordering::Relaxed) {
            tick();
            ticks += 1;
        }
        ticks
    });
    Worker { stop, handle }
}

impl Worker {
    // Don't change this signature: the hidden tests call it.
    // Tells the worker to stop, waits for its thread to end and returns the
    // number of ticks it made.
    pub fn stop(self) -> u64 {
        let ticks = self.handle.join().unwrap();
        self.stop.store(true, Ordering::Relaxed);
        ticks
    }
}

fn main() {
    // Each tick waits for a go-ahead from main: five of them, then none
    // (once `go` is dropped, a tick no longer waits).
    let (go, go_ahead) = mpsc::channel::<()>();
    let worker = start(move || {
        let _ = go_ahead.recv();
    });
    for _ in 0..5 {
        go.send(()).unwrap();
    }
    drop(go);
    let ticks = worker.stop();
    println!("the worker ticked {ticks} times (5 or more)");
}
