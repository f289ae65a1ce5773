// WRONG: workers poll try_lock and nap 700 ms between tries instead of blocking in lock()
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

fn take<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    loop {
        if let Ok(guard) = m.try_lock() {
            return guard;
        }
        thread::sleep(Duration::from_millis(700));
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
                    let Some(job) = take(inbox).pop() else {
                        break;
                    };
                    let answer = work(job);
                    take(results).push(answer);
                }
            });
        }
    });
}

fn main() {
    let inbox = Mutex::new((1..=8).collect());
    let results = Mutex::new(Vec::new());
    process_all(&inbox, &results, 3, |job| job * job);
    println!("{:?}", results.into_inner().unwrap());
}
