// WRONG: the first worker's sum comes back through a channel and its thread
// is never joined (left detached); every other worker is joined.
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
    let mut handles = Vec::new();
    let mut start = 0;
    for i in 0..workers {
        let len = if i < extra { base + 1 } else { base };
        let chunk = numbers[start..start + len].to_vec();
        start += len;
        if i == 0 {
            let tx = tx.clone();
            thread::spawn(move || {
                let _ = tx.send(chunk_sum(&chunk));
            });
        } else {
            handles.push(thread::spawn(move || chunk_sum(&chunk)));
        }
    }
    let rest: u64 = handles
        .into_iter()
        .map(|handle| handle.join().expect("a worker panicked"))
        .sum();
    rest + rx.recv().expect("a worker panicked")
}

fn main() {}
