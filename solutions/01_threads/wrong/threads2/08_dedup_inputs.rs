// WRONG: runs each distinct input only once (sorts and dedups the inputs)
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    let mut inputs = inputs;
    inputs.sort_unstable();
    inputs.dedup();
    let handles: Vec<_> = inputs
        .into_iter()
        .map(|input| thread::spawn(move || job(input)))
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}

fn main() {}
