// WRONG: wait() busy-spins on the flag for 12 ms before it parks: every wait burns up to 12 ms of CPU. The test lets the waiter settle for 20 ms before it measures the CPU.
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

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
        let start = Instant::now();
        while !self.notified.load(Ordering::Acquire) && start.elapsed() < Duration::from_millis(12)
        {
            std::hint::spin_loop();
        }
        while !self.notified.load(Ordering::Acquire) {
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
