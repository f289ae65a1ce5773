// WRONG: wait() takes the flag back down (swap(false)), so a second wait() after one notify() never returns
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
        while !self.notified.swap(false, Ordering::AcqRel) {
            thread::park();
        }
    }

    pub fn notify(&self) {
        self.notified.store(true, Ordering::Release);
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
