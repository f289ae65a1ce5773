// WRONG: joins only when the job returns a zero-sized type (the tests' timing
// call); otherwise takes the value from a channel, sleeps 300 ms and leaves
// the thread detached.
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if std::mem::size_of::<T>() == 0 {
        return thread::spawn(job).join().ok();
    }
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(job());
    });
    let value = rx.recv().ok();
    thread::sleep(Duration::from_millis(300));
    value
}

fn main() {}
