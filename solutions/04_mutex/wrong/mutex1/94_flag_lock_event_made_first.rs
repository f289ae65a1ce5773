// WRONG: a hand-made flag lock (AtomicBool) whose waiters yield in a loop; each event is made (64 bytes) before locking, and take_all leaves a reserved Vec behind
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

static BUSY: AtomicBool = AtomicBool::new(false);
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn with_log<R>(f: impl FnOnce(&mut Vec<String>) -> R) -> R {
    while BUSY
        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        thread::yield_now();
    }
    let result = f(&mut LOG.lock().unwrap());
    BUSY.store(false, Ordering::Release);
    result
}

pub fn record(event: &str) {
    let mut owned = String::with_capacity(64);
    owned.push_str(event);
    let event = owned;
    with_log(|log| log.push(event));
}

pub fn count() -> usize {
    with_log(|log| log.len())
}

pub fn take_all() -> Vec<String> {
    with_log(|log| std::mem::replace(log, Vec::with_capacity(64)))
}

fn main() {
    record("a");
    println!("{}", count());
    let _ = take_all();
}
