// WRONG: waits for each lock by trying try_lock again every millisecond instead of blocking in lock()
use std::sync::{Mutex, MutexGuard};
use std::thread;

fn grab<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    loop {
        if let Ok(guard) = m.try_lock() {
            return guard;
        }
        thread::sleep(std::time::Duration::from_millis(1));
    }
}

pub fn process_all(
    inbox: &Mutex<Vec<u64>>,
    results: &Mutex<Vec<u64>>,
    workers: usize,
    work: impl Fn(u64) -> u64 + Sync,
) {
    let work = &work;
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(move || {
                loop {
                    let Some(job) = grab(inbox).pop() else {
                        break;
                    };
                    let answer = work(job);
                    grab(results).push(answer);
                }
            });
        }
    });
}
fn main() {}
