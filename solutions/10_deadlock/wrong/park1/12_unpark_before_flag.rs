// WRONG: notify() unparks BEFORE it sets the flag (the admitted gap): the waiter can wake on that unpark, see the flag still unset, and park again with nobody left to wake it: wait() never returns.
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};

pub struct Signal {
    notified: AtomicBool,
    waiter: Thread,
}

impl Signal {
    pub fn new() -> Signal {
        Signal {
            notified: AtomicBool::new(false),
            waiter: thread::current(),
        }
    }

    pub fn wait(&self) {
        while !self.notified.load(Ordering::Acquire) {
            thread::park();
        }
    }

    pub fn notify(&self) {
        self.waiter.unpark();
        self.notified.store(true, Ordering::Release);
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
