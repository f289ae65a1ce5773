// WRONG: spins on a shared counter until every job has finished
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    let done = Arc::new(AtomicUsize::new(0));
    let count = inputs.len();
    for input in inputs {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            job(input);
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    while done.load(Ordering::SeqCst) < count {
        std::hint::spin_loop();
    }
}

fn main() {}
