// WRONG: does all the work on the calling thread
use std::sync::Mutex;
use std::thread;

pub fn process_all(
    inbox: &Mutex<Vec<u64>>,
    results: &Mutex<Vec<u64>>,
    workers: usize,
    work: impl Fn(u64) -> u64 + Sync,
) {
    let work = &work;
    let jobs = std::mem::take(&mut *inbox.lock().unwrap());
    let answers: Vec<u64> = jobs.into_iter().map(work).collect();
    let _ = workers;
    results.lock().unwrap().extend(answers);
}

fn main() {}
