// WRONG: runs task(0) on the calling thread and only the rest on threads of their own
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let mut handles = Vec::new();
    for i in 1..count {
        let task = Arc::clone(&task);
        handles.push(thread::spawn(move || task(i)));
    }
    let mut results = Vec::new();
    if count > 0 {
        results.push(task(0));
    }
    results.extend(handles.into_iter().map(|h| h.join().unwrap()));
    results
}

fn main() {}
