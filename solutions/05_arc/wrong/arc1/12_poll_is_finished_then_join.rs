// WRONG: waits for the threads by polling is_finished (sleeping 1 ms between looks) before joining: it checks again and again instead of blocking in join
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
    // One task, shared by every thread through an `Arc`.
    // (Accepted too: `thread::scope`, with every thread borrowing `&task`.
    // It is not this lesson's tool, and the hidden tests cannot tell it from
    // an `Arc`: both share one task, free it once and join every thread.)
    let task = Arc::new(task);
    let mut handles = Vec::new();
    for i in 0..count {
        let task = Arc::clone(&task);
        handles.push(thread::spawn(move || task(i)));
    }
    while !handles.iter().all(|h| h.is_finished()) {
        thread::sleep(std::time::Duration::from_millis(1));
    }
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn main() {
    let greeting = String::from("hello from thread");
    let lines = run_all(3, move |i| format!("{greeting} {i}"));
    for line in lines {
        println!("{line}");
    }
}
