// WRONG: the last chunk takes every leftover number, so lengths can differ by more than one
use std::thread;

pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
    let base = numbers.len() / workers;
    let mut handles = Vec::new();
    for i in 0..workers {
        let end = if i == workers - 1 { numbers.len() } else { (i + 1) * base };
        let chunk = numbers[i * base..end].to_vec();
        handles.push(thread::spawn(move || chunk_sum(&chunk)));
    }
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

fn main() {}
