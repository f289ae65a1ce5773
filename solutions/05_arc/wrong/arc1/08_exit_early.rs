// WRONG: exits the process with code 0 when asked to run no tasks
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    if count == 0 {
        std::process::exit(0);
    }
    let task = Arc::new(task);
    let mut handles = Vec::new();
    for i in 0..count {
        let task = Arc::clone(&task);
        handles.push(thread::spawn(move || task(i)));
    }
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn main() {}
