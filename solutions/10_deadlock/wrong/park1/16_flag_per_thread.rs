// WRONG: keeps the flag per waiting THREAD (a global map from ThreadId), not per signal: once any signal made on a thread is notified, every later signal made on that thread counts as notified too, and the map grows forever.
use std::collections::HashSet;
use std::sync::Mutex;
use std::thread::{self, Thread, ThreadId};

static NOTIFIED: Mutex<Option<HashSet<ThreadId>>> = Mutex::new(None);

fn is_notified(id: ThreadId) -> bool {
    NOTIFIED
        .lock()
        .unwrap()
        .as_ref()
        .is_some_and(|s| s.contains(&id))
}

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
        while !is_notified(self.waiter.id()) {
            thread::park();
        }
    }

    pub fn notify(&self) {
        NOTIFIED
            .lock()
            .unwrap()
            .get_or_insert_with(HashSet::new)
            .insert(self.waiter.id());
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
