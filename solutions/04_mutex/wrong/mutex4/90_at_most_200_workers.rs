// WRONG: starts at most 200 worker threads, however many were asked for
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
        for _ in 0..workers.min(200) {
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

fn main() {
    let inbox = Mutex::new((1..=8).collect());
    let results = Mutex::new(Vec::new());
    process_all(&inbox, &results, 3, |job| job * job);
    println!("{:?}", results.into_inner().unwrap());
}
