// WRONG: one static flag for all signals: one notify() lets every waiter go
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};

static NOTIFIED: AtomicBool = AtomicBool::new(false);

pub struct Signal {
    waiter: Thread,
}

impl Signal {
    pub fn new() -> Signal {
        Signal {
            waiter: thread::current(),
        }
    }

    pub fn wait(&self) {
        while !NOTIFIED.load(Ordering::Acquire) {
            thread::park();
        }
    }

    pub fn notify(&self) {
        NOTIFIED.store(true, Ordering::Release);
        self.waiter.unpark();
    }
}

impl Default for Signal {
    fn default() -> Signal {
        Signal::new()
    }
}

fn main() {
    use std::sync::Arc;
    use std::thread;

    // The main thread makes the signal, so it is the one that waits.
    let signal = Arc::new(Signal::new());
    let s = Arc::clone(&signal);
    let notifier = thread::spawn(move || {
        println!("other thread: notify");
        s.notify();
    });
    println!("main: waiting");
    signal.wait();
    println!("main: woken up");
    notifier.join().unwrap();
}
