// WRONG: runs at most 128 scoped threads at a time
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
    let mut out = Vec::new();
    for group in chunks.chunks(128) {
        thread::scope(|scope| {
            let handles: Vec<_> = group
                .iter()
                .map(|&chunk| scope.spawn(move || f(chunk)))
                .collect();
            out.extend(handles.into_iter().map(|h| h.join().unwrap()));
        });
    }
    out
}
fn main() {}
