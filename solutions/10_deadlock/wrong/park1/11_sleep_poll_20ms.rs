// WRONG: sleeps 20 ms in a loop until the flag is set: polls instead of sleeping until woken
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};
use std::time::Duration;

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
            thread::sleep(Duration::from_millis(20));
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
