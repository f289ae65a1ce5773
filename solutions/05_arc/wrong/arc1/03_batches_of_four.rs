// WRONG: runs the tasks in batches of four threads, joining each batch before the next
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let mut results = Vec::new();
    for start in (0..count).step_by(4) {
        let handles: Vec<_> = (start..count.min(start + 4))
            .map(|i| {
                let task = Arc::clone(&task);
                thread::spawn(move || task(i))
            })
            .collect();
        results.extend(handles.into_iter().map(|h| h.join().unwrap()));
    }
    results
}

fn main() {}
