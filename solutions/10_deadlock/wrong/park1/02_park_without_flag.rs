// WRONG: wait is a bare park() and notify a bare unpark(): the token makes notify-before-wait work, but any other wake-up ends the wait
use std::thread::{self, Thread};

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
        thread::park();
    }

    pub fn notify(&self) {
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
