// WRONG: leaks the task (Box::leak) to share it as a &'static reference; it is never freed
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task: &'static F = Box::leak(Box::new(task));
    let handles: Vec<_> = (0..count).map(|i| thread::spawn(move || task(i))).collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn main() {}
