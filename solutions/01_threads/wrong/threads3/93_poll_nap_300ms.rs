// WRONG: waits for each worker by polling is_finished() with a 300 ms nap
// instead of blocking in join().
use std::thread;
use std::time::Duration;

pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
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
        .map(|handle| {
            while !handle.is_finished() {
                thread::sleep(Duration::from_millis(300));
            }
            handle.join().expect("a worker panicked")
        })
        .sum()
}

fn main() {}
