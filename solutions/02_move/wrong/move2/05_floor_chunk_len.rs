// WRONG: rounds the chunk length down, so there can be more chunks than workers
use std::thread;

pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = (data.len() / workers).max(1);
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = data
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || f(chunk)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn main() {}
