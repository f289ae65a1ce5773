// WRONG: uses rayon's global pool, which runs only as many chunks at once as it has threads
use rayon::prelude::*;

pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = data.len().div_ceil(workers).max(1);
    let f = &f;
    data.par_chunks(chunk_len).map(|chunk| f(chunk)).collect()
}

fn main() {}
