// WRONG: a static counts the calls: the first call of the process (the one
// the tests time) joins; every later call takes the value from a channel and
// sleeps 1.5 s instead of joining, leaving the thread detached.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

static CALLS: AtomicUsize = AtomicUsize::new(0);

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        return thread::spawn(job).join().ok();
    }
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(job());
    });
    let value = rx.recv().ok();
    thread::sleep(Duration::from_millis(1500));
    value
}

fn main() {}
