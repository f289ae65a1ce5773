// WRONG: calls f on the caller's thread for the first chunk, threads for the rest
use std::thread;

pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = data.len().div_ceil(workers).max(1);
    let f = &f;
    thread::scope(|scope| {
        let mut chunks = data.chunks(chunk_len);
        let first = chunks.next().map(f);
        let handles: Vec<_> = chunks.map(|chunk| scope.spawn(move || f(chunk))).collect();
        first
            .into_iter()
            .chain(handles.into_iter().map(|h| h.join().unwrap()))
            .collect()
    })
}

fn main() {}
