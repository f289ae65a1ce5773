// WRONG: takes jobs in a while-let head, so the inbox stays locked while work runs
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
        for _ in 0..workers {
            s.spawn(move || {
                while let Some(job) = inbox.lock().unwrap().pop() {
                    let answer = work(job);
                    results.lock().unwrap().push(answer);
                }
            });
        }
    });
}

fn main() {}
