// mutex4: keep the critical section short.
//
// `process_all` lets a few worker threads take jobs from a shared inbox and
// put the answers into a shared results list. The answers come out right,
// but the workers take turns instead of working side by side: each one keeps
// a lock while it runs the slow `work`, so every other worker waits.
//
// Where is a guard that was never given a name dropped? At the end of the
// statement that made it, with two catches: a temporary made in the head of a
// `while let`, `if let` or `match` lives until the end of that body (an `if
// let`'s is dropped before its `else` branch in edition 2024, not in
// earlier editions), and in `results.lock().unwrap().push(work(job))` the
// guard is made first, so it is held while the argument `work(job)` runs.
//
// Make sure no lock is held while `work` runs.

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
                // (Accepted too: handing each worker its share of the jobs
                // up front, as long as every worker works at the same time
                // and no lock is held during `work`.)
                loop {
                    // The guard is a temporary of this `let`: it is dropped
                    // at the `;`, before the work starts.
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
    let mut results = results.into_inner().unwrap();
    results.sort();
    println!("{results:?}");
}
