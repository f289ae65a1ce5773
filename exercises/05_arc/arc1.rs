// arc1: one task, many threads.
//
// `run_all` runs the same task on several threads. The task is a closure the
// caller hands over: it cannot be cloned, so the threads share it through a
// reference-counted pointer.
//
// This file does not compile. Read the error: what does it say about `Rc`
// and threads? Make it compile, keeping one shared task and one thread per
// index.

use std::rc::Rc;
use std::thread;

// Don't change this signature: the hidden tests call it.
// Runs `task(i)` for every i in 0..count, each on its own thread, all at the
// same time, and returns the results in order of i.
pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    // TODO: `Rc` cannot cross to another thread.
    let task = Rc::new(task);
    let mut handles = Vec::new();
    for i in 0..count {
        let task = Rc::clone(&task);
        handles.push(thread::spawn(move || task(i)));
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
