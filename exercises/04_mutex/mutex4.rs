// mutex4: workers that work side by side.
//
// `process_all` lets a few worker threads take jobs from a shared inbox and
// put the answers into a shared results list. The workers must run the slow
// `work` side by side. The answers come out right, but the workers take
// turns instead: the tests see only one worker inside `work` at a time.

use std::sync::Mutex;
use std::thread;

// Don't change this signature: the hidden tests call it.
// Starts `workers` threads. Each one takes a job from `inbox` (any order),
// computes `work(job)`, pushes the answer into `results`, and repeats until
// the inbox is empty.
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
                // TODO: how long does the guard from `inbox.lock()` live here?
                while let Some(job) = inbox.lock().unwrap().pop() {
                    // TODO: and the one from `results.lock()`?
                    results.lock().unwrap().push(work(job));
                }
            });
        }
    });
}

fn main() {
    let inbox = Mutex::new((1..=8).collect());
    let results = Mutex::new(Vec::new());
    process_all(&inbox, &results, 3, |job| job * job);
    let mut results = results.into_inner().unwrap();
    results.sort();
    println!("{results:?}");
}
