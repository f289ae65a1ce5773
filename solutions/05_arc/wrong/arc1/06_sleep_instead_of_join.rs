// WRONG: sleeps a fixed time instead of joining, then collects whatever the threads stored
#![allow(unused_imports)]
use std::sync::{Arc, Mutex};
use std::thread;

pub fn run_all<T, F>(count: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + 'static,
{
    let task = Arc::new(task);
    let slots: Arc<Mutex<Vec<Option<T>>>> =
        Arc::new(Mutex::new((0..count).map(|_| None).collect()));
    for i in 0..count {
        let task = Arc::clone(&task);
        let slots = Arc::clone(&slots);
        thread::spawn(move || {
            let r = task(i);
            slots.lock().unwrap()[i] = Some(r);
        });
    }
    thread::sleep(std::time::Duration::from_millis(300));
    let mut slots = slots.lock().unwrap();
    slots.iter_mut().map(|s| s.take().unwrap()).collect()
}

fn main() {}
