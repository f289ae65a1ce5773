// WRONG: runs at most 256 workers at a time (joins each batch before the next
// one): more workers than that never all run at once.
use std::thread;

pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
    let base = numbers.len() / workers;
    let extra = numbers.len() % workers;
    let mut chunks = Vec::new();
    let mut start = 0;
    for i in 0..workers {
        let len = if i < extra { base + 1 } else { base };
        chunks.push(numbers[start..start + len].to_vec());
        start += len;
    }
    let mut total = 0;
    let mut chunks = chunks.into_iter().peekable();
    while chunks.peek().is_some() {
        let handles: Vec<_> = chunks
            .by_ref()
            .take(256)
            .map(|chunk| thread::spawn(move || chunk_sum(&chunk)))
            .collect();
        for handle in handles {
            total += handle.join().expect("a worker panicked");
        }
    }
    total
}

fn main() {}
