// WRONG: runs at most 256 chunks at a time (joins each batch before the next
// one): more chunks than that never all run at once.
use std::thread;

pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = data.len().div_ceil(workers).max(1);
    let f = &f;
    let chunks: Vec<&[u64]> = data.chunks(chunk_len).collect();
    let mut results = Vec::new();
    for batch in chunks.chunks(256) {
        thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|&chunk| scope.spawn(move || f(chunk)))
                .collect();
            for handle in handles {
                results.push(handle.join().expect("a worker panicked"));
            }
        });
    }
    results
}

fn main() {}
