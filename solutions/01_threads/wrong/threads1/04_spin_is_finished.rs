// WRONG: spins on is_finished() instead of blocking in join
use std::thread;

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handle = thread::spawn(job);
    while !handle.is_finished() {
        std::hint::spin_loop();
    }
    handle.join().ok()
}

fn main() {}
