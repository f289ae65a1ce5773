// WRONG: waits by polling is_finished() (a short spin first, then 1.5 s naps)
// instead of blocking in join().
use std::thread;
use std::time::{Duration, Instant};

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handle = thread::spawn(job);
    let start = Instant::now();
    while !handle.is_finished() {
        if start.elapsed() < Duration::from_millis(30) {
            thread::yield_now();
        } else {
            thread::sleep(Duration::from_millis(1500));
        }
    }
    handle.join().ok()
}

fn main() {}
