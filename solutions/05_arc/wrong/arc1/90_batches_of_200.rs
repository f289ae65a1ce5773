// WRONG: runs the tasks in batches of 200 threads, joining each batch before the next
use std::sync::Arc;
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let mut results = Vec::new();
    let mut start = 0;
    while start < count {
        let end = (start + 200).min(count);
        let handles: Vec<_> = (start..end)
            .map(|i| {
                let task = Arc::clone(&task);
                thread::spawn(move || task(i))
            })
            .collect();
        results.extend(handles.into_iter().map(|h| h.join().unwrap()));
        start = end;
    }
    results
}

fn main() {
    println!("{:?}", run_all(3, |i| i));
}
