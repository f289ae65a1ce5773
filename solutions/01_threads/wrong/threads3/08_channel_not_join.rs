// WRONG: receives the partial sums from a channel and never joins the workers
use std::sync::mpsc;
use std::thread;

pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
    let base = numbers.len() / workers;
    let extra = numbers.len() % workers;
    let (tx, rx) = mpsc::channel();
    let mut start = 0;
    for i in 0..workers {
        let len = if i < extra { base + 1 } else { base };
        let chunk = numbers[start..start + len].to_vec();
        start += len;
        let tx = tx.clone();
        thread::spawn(move || tx.send(chunk_sum(&chunk)).unwrap());
    }
    drop(tx);
    rx.iter().sum()
}

fn main() {}
