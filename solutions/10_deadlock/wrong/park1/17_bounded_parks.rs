// WRONG: parks in a loop but gives up after 1000 wake-ups and returns without notify(): a thread that other code unparks often (any code holding its Thread may) gets through without being notified. The test sends at most a few hundred stray unparks.
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
        // Park in a loop, but not forever: after 1000 wake-ups, give up.
        for _ in 0..1000 {
            if self.notified.load(Ordering::Acquire) {
                return;
            }
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
