// WRONG: starts at most 128 workers, whatever was asked
use std::sync::Mutex;
use std::thread;

pub fn process_all(
    inbox: &Mutex<Vec<u64>>,
    results: &Mutex<Vec<u64>>,
    workers: usize,
    work: impl Fn(u64) -> u64 + Sync,
) {
    let work = &work;
    thread::scope(|s| {
        for _ in 0..workers.min(128) {
            s.spawn(move || {
                loop {
                    let Some(job) = inbox.lock().unwrap().pop() else {
                        break;
                    };
                    let answer = work(job);
                    results.lock().unwrap().push(answer);
                }
            });
        }
    });
}
fn main() {}
