// WRONG: adds the partial sums into a shared total and sleeps 300 ms instead of joining
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
    let base = numbers.len() / workers;
    let extra = numbers.len() % workers;
    let total = Arc::new(Mutex::new(0));
    let mut start = 0;
    for i in 0..workers {
        let len = if i < extra { base + 1 } else { base };
        let chunk = numbers[start..start + len].to_vec();
        start += len;
        let total = Arc::clone(&total);
        thread::spawn(move || {
            let part = chunk_sum(&chunk);
            *total.lock().unwrap() += part;
        });
    }
    thread::sleep(Duration::from_millis(300));
    *total.lock().unwrap()
}

fn main() {}
