// WRONG: no park and unpark at all: the signal is a OnceLock<()>, notify() sets it and wait() blocks in OnceLock::wait (a futex inside std), a bypass the forbidden names (Condvar, channels, Barrier, timed waits) miss
use std::sync::OnceLock;

pub struct Signal {
    done: OnceLock<()>,
}

impl Signal {
    pub fn new() -> Signal {
        Signal {
            done: OnceLock::new(),
        }
    }

    pub fn wait(&self) {
        self.done.wait();
    }

    pub fn notify(&self) {
        let _ = self.done.set(());
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
