// WRONG: cuts chunks of len.div_ceil(workers), which can give fewer than workers chunks
use std::thread;

pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
    let size = numbers.len().div_ceil(workers).max(1);
    let handles: Vec<_> = numbers
        .chunks(size)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            thread::spawn(move || chunk_sum(&chunk))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

fn main() {}
