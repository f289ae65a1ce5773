// WRONG: waits by polling is_finished() with a 300 ms nap between looks
// instead of blocking in join() (it joins only once the thread has finished).
use std::thread;
use std::time::Duration;

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handle = thread::spawn(job);
    while !handle.is_finished() {
        thread::sleep(Duration::from_millis(300));
    }
    handle.join().ok()
}

fn main() {}
