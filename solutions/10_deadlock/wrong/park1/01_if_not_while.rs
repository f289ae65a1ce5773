// WRONG: parks once if the flag is not set (`if` instead of `while`): any wake-up ends the wait
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
        if !self.notified.load(Ordering::Acquire) {
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
    use std::sync::{Arc, mpsc};
    use std::thread;
    use std::time::Duration;

    let (tx, rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let signal = Arc::new(Signal::new());
        tx.send(Arc::clone(&signal)).unwrap();
        println!("waiter: waiting");
        signal.wait();
        println!("waiter: woken up");
    });
    let signal = rx.recv().unwrap();
    thread::sleep(Duration::from_millis(300));
    println!("main: notify");
    signal.notify();
    waiter.join().unwrap();
}
