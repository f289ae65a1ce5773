// WRONG: bypasses the lesson: no park/unpark at all, a Mutex<bool> and a Condvar instead (the exercise asks for std::thread::park and Thread::unpark).
use std::sync::{Condvar, Mutex};

pub struct Signal {
    notified: Mutex<bool>,
    changed: Condvar,
}

impl Signal {
    pub fn new() -> Signal {
        Signal {
            notified: Mutex::new(false),
            changed: Condvar::new(),
        }
    }

    pub fn wait(&self) {
        let g = self.notified.lock().unwrap();
        let _g = self.changed.wait_while(g, |n| !*n).unwrap();
    }

    pub fn notify(&self) {
        *self.notified.lock().unwrap() = true;
        self.changed.notify_all();
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
