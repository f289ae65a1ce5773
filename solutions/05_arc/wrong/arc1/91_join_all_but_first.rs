// WRONG: never joins the first thread (its result comes back through a shared slot)
use std::sync::{Arc, Mutex};
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let first: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
    let mut handles = Vec::new();
    for i in 0..count {
        let task = Arc::clone(&task);
        let first = Arc::clone(&first);
        handles.push(thread::spawn(move || {
            let value = task(i);
            if i == 0 {
                *first.lock().unwrap() = Some(value);
                None
            } else {
                Some(value)
            }
        }));
    }
    let mut handles = handles.into_iter();
    let first_handle = handles.next();
    let rest: Vec<T> = handles.map(|h| h.join().unwrap().unwrap()).collect();
    let mut results = Vec::new();
    if let Some(h) = first_handle {
        let ready = first.lock().unwrap().take();
        match ready {
            Some(v) => results.push(v),
            None => {
                h.join().unwrap();
                results.push(first.lock().unwrap().take().unwrap());
            }
        }
    }
    results.extend(rest);
    results
}

fn main() {
    println!("{:?}", run_all(3, |i| i));
}
