// WRONG: notify() unparks the thread that calls notify, not the waiting thread
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

pub struct Signal {
    notified: AtomicBool,
}

impl Signal {
    pub fn new() -> Signal {
        Signal {
            notified: AtomicBool::new(false),
        }
    }

    pub fn wait(&self) {
        while !self.notified.load(Ordering::Acquire) {
            thread::park();
        }
    }

    pub fn notify(&self) {
        self.notified.store(true, Ordering::Release);
        thread::current().unpark();
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
