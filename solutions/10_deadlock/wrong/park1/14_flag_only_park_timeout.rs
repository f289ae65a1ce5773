// WRONG: notify() only sets the flag and never unparks; wait() relies on park_timeout(50 ms) to look again: it polls 20 times a second and returns up to 50 ms late (timeouts instead of a wake-up).
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

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
            thread::park_timeout(Duration::from_millis(50));
        }
    }

    pub fn notify(&self) {
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
