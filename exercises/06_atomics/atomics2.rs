// atomics2: a background worker that can be told to stop.
//
// `start` spawns a thread that calls `tick` over and over until the worker
// is stopped; `Worker::stop` asks it to stop, waits for the thread to end
// and returns how many ticks it made. The worker must finish its current
// tick, see that it was asked to stop, and end.
//
// But `stop` never returns: the thread keeps ticking as if it had never been
// asked. The tests time out in `stop`, and the demo `main` never prints how
// many times the worker ticked.

use std::sync::mpsc;
use std::thread::{self, JoinHandle};

#[derive(Debug)]
pub struct Worker {
    // TODO: is this the flag the thread reads?
    stop: bool,
    handle: JoinHandle<u64>,
}

// Don't change this signature: the hidden tests call it.
// Spawns a thread that calls `tick` until the worker is stopped.
pub fn start(mut tick: impl FnMut() + Send + 'static) -> Worker {
    // TODO: what does the `move` closure below capture: this `stop`, or a
    // copy of it?
    let stop = false;
    let handle = thread::spawn(move || {
        let mut ticks = 0;
        // TODO: can this ever see the `Worker`'s `stop` change?
        while !stop {
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
    pub fn stop(mut self) -> u64 {
        // TODO: which thread reads this `bool`?
        self.stop = true;
        self.handle.join().unwrap()
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
