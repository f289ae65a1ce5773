// WRONG: polls is_finished() every millisecond, then drops the handle unjoined
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
    let handle = thread::spawn(move || {
        let value = job();
        *theirs.lock().unwrap() = Some(value);
    });
    while !handle.is_finished() {
        thread::sleep(Duration::from_millis(1));
    }
    slot.lock().unwrap_or_else(|e| e.into_inner()).take()
}

fn main() {}
