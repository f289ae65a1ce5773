// WRONG: the first worker drains the whole inbox, so the other workers have nothing to do
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
                let jobs = std::mem::take(&mut *inbox.lock().unwrap());
                for job in jobs {
                    let answer = work(job);
                    results.lock().unwrap().push(answer);
                }
            });
        }
    });
}

fn main() {}
