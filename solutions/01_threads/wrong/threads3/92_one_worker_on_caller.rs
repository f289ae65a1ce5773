// WRONG: with a single worker it calls chunk_sum on the caller's own thread
// instead of spawning one.
use std::thread;

pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
    if workers == 1 {
        return chunk_sum(&numbers);
    }
    let base = numbers.len() / workers;
    let extra = numbers.len() % workers;
    let mut handles = Vec::with_capacity(workers);
    let mut start = 0;
    for i in 0..workers {
        let len = if i < extra { base + 1 } else { base };
        let chunk = numbers[start..start + len].to_vec();
        start += len;
        handles.push(thread::spawn(move || chunk_sum(&chunk)));
    }
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a worker panicked"))
        .sum()
}

fn main() {}
