// WRONG: runs the tasks in batches of 32 threads, joining each batch before starting the next: more than 32 indexes never all run at once
// arc1: one task, many threads.
//
// `run_all` runs the same task on several threads. The task is a closure the
// caller hands over: it cannot be cloned, so the threads share it through a
// reference-counted pointer. `Rc` counts its owners with plain, non-atomic
// arithmetic; two threads changing the count at once could corrupt it, so
// `Rc` is not `Send` and the compiler refuses to move one into a thread.
// `Arc` (atomically reference counted) does the same job with atomic
// operations. `Arc<T>` is `Send` and `Sync` only when `T` is both `Send` and
// `Sync`: every thread with a clone uses the one `T` through `&T`, and the
// last owner drops it, on whichever thread that is.
//
// Make it compile, keeping one shared task and one thread per index.

use std::sync::Arc;
use std::thread;

// Don't change this signature: the hidden tests call it.
// Runs `task(i)` for every i in 0..count, each on its own thread, all at the
// same time, and returns the results in order of i.
pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    // WRONG: at most 32 threads at a time
    let task = Arc::new(task);
    let mut out = Vec::new();
    let idx: Vec<usize> = (0..count).collect();
    for chunk in idx.chunks(32) {
        let hs: Vec<_> = chunk.iter().map(|&i| { let t = Arc::clone(&task); thread::spawn(move || t(i)) }).collect();
        for h in hs { out.push(h.join().unwrap()); }
    }
    out
}

fn main() {
    let greeting = String::from("hello from thread");
    let lines = run_all(3, move |i| format!("{greeting} {i}"));
    for line in lines {
        println!("{line}");
    }
}
