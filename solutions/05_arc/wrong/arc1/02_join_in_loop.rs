// WRONG: joins each thread right after spawning it, so the tasks never run at the same time
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let mut results = Vec::new();
    for i in 0..count {
        let task = Arc::clone(&task);
        results.push(thread::spawn(move || task(i)).join().unwrap());
    }
    results
}

fn main() {}
