// WRONG: locks the results before the argument work(job) runs
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
                    results.lock().unwrap().push(work(job));
                }
            });
        }
    });
}

fn main() {}
