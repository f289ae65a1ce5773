// park1: put a thread to sleep until another one wakes it.
//
// `Signal` is a one-shot wake-up call. The thread that will wait makes the
// signal, shares it (in an `Arc`, say) with the threads that may wake it,
// and calls `wait()`. Any thread may call `notify()`, once or many times.
// From the first `notify()` on, `wait()` returns: at once if `notify()`
// came first, or as soon as it comes.
//
// While it waits, the thread must sleep: no loop that checks again and
// again (that keeps a CPU busy, or wakes up every few milliseconds for
// nothing). `std::thread::park` puts the calling thread to sleep, and
// `Thread::unpark` wakes it; the README beside this file says what else
// they do, and what they do not promise.
//
// Build `Signal`. Right now every method is `todo!()`.

// Don't change this type's name: the hidden tests use it, from several
// threads at once (it must be Send and Sync).
pub struct Signal {
    // TODO: what does `notify` need to reach, and what must `wait` check
    // when it wakes up?
}

impl Signal {
    // Don't change this signature: the hidden tests call it.
    // Makes a signal for the calling thread: this thread is the one that
    // will call `wait()`.
    pub fn new() -> Signal {
        todo!()
    }

    // Don't change this signature: the hidden tests call it.
    // Called on the thread that made the signal: returns once `notify()`
    // has been called (before or during this wait). Sleeps until then.
    pub fn wait(&self) {
        todo!()
    }

    // Don't change this signature: the hidden tests call it.
    // Called on any thread: lets the waiting thread go on, now or as soon as
    // it waits. Calling it again changes nothing.
    pub fn notify(&self) {
        todo!()
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
