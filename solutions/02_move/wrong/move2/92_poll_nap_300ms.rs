// WRONG: waits for each scoped thread by polling is_finished() with a 300 ms
// nap instead of blocking in join().
use std::thread;
use std::time::Duration;

pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = data.len().div_ceil(workers).max(1);
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = data
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || f(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                while !handle.is_finished() {
                    thread::sleep(Duration::from_millis(300));
                }
                handle.join().expect("a worker panicked")
            })
            .collect()
    })
}

fn main() {}
