// WRONG: runs only as many jobs at a time as the machine has cores (at least 4)
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    let cores = thread::available_parallelism().map_or(4, |n| n.get()).max(4);
    for batch in inputs.chunks(cores) {
        let handles: Vec<_> = batch
            .iter()
            .map(|&input| thread::spawn(move || job(input)))
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    }
}

fn main() {}
