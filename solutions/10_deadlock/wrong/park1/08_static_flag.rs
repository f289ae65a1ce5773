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
