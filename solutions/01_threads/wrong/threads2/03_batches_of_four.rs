// WRONG: runs at most 4 jobs at a time (spawns 4, joins 4, repeats)
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    for batch in inputs.chunks(4) {
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
