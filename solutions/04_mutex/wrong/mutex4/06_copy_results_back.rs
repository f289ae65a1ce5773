// WRONG: copies the results out under one lock and stores them back under another (lost answers)
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
                loop {
                    let Some(job) = inbox.lock().unwrap().pop() else {
                        break;
                    };
                    let answer = work(job);
                    let mut copy = results.lock().unwrap().clone();
                    copy.push(answer);
                    *results.lock().unwrap() = copy;
                }
            });
        }
    });
}

fn main() {}
