// WRONG: leaks one owner of the task (never freed) when there are more than 3 indexes
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let mut handles = Vec::new();
    for i in 0..count {
        let task = Arc::clone(&task);
        handles.push(thread::spawn(move || task(i)));
    }
    if count > 3 {
        std::mem::forget(task);
    }
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn main() {
    println!("{:?}", run_all(3, |i| i));
}
