// WRONG: forgets one Arc clone (mem::forget), so the task is never freed
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    std::mem::forget(Arc::clone(&task));
    let mut handles = Vec::new();
    for i in 0..count {
        let task = Arc::clone(&task);
        handles.push(thread::spawn(move || task(i)));
    }
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn main() {}
