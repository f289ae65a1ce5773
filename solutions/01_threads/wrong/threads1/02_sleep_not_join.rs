// WRONG: sleeps 300 ms instead of joining the thread
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Mutex::new(None));
    let theirs = Arc::clone(&slot);
    thread::spawn(move || {
        let value = job();
        *theirs.lock().unwrap() = Some(value);
    });
    thread::sleep(Duration::from_millis(300));
    slot.lock().unwrap_or_else(|e| e.into_inner()).take()
}

fn main() {}
