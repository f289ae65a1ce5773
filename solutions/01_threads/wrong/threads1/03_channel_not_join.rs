// WRONG: waits for the value on a channel and never joins the thread
use std::sync::mpsc;
use std::thread;

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(job());
    });
    // A panicking job drops `tx` while unwinding: recv gives Err.
    rx.recv().ok()
}

fn main() {}
