// WRONG: never joins the last thread it started (its result comes back through a shared slot)
use std::sync::{Arc, Mutex};
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let last: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
    let mut handles = Vec::new();
    for i in 0..count {
        let task = Arc::clone(&task);
        let last = Arc::clone(&last);
        handles.push(thread::spawn(move || {
            let value = task(i);
            if i + 1 == count {
                *last.lock().unwrap() = Some(value);
                None
            } else {
                Some(value)
            }
        }));
    }
    let last_handle = handles.pop();
    let mut results: Vec<T> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    if let Some(h) = last_handle {
        let ready = last.lock().unwrap().take();
        match ready {
            Some(v) => results.push(v),
            None => {
                h.join().unwrap();
                results.push(last.lock().unwrap().take().unwrap());
            }
        }
    }
    results
}

fn main() {
    println!("{:?}", run_all(3, |i| i));
}
