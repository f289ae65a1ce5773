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
