// move2: scoped threads can borrow.
//
// `map_chunks` cuts `data` into chunks of `chunk_len` numbers (the last one
// may be shorter) and calls `f` on every chunk, each on its own thread, all
// at the same time. It returns the results in chunk order.
//
// `thread::spawn` cannot do this without copying: its closure must be
// `'static`, and `data` and `f` are only borrowed. `thread::scope` can: every
// thread spawned inside the scope is joined before `scope` returns, so the
// threads may borrow anything that outlives the scope. Hand each thread a
// borrowed chunk; copy nothing.
//
// The threads also share `f`: each one gets `&f`, not an `f` of its own.
// That is what the `F: Sync` bound is for. A type is `Sync` when it may be
// shared between threads, that is, when `&F` may be sent to another thread
// (`Send` is for moving the value itself).

use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = data.len().div_ceil(workers).max(1);
    // TODO: open a `thread::scope`; inside it, spawn one scoped thread per
    // chunk of `data.chunks(chunk_len)` that calls `f` on that chunk. Start
    // them all before joining any.
    // TODO: join the handles in order and collect the results.
    todo!()
}

fn main() {
    let readings: Vec<u64> = (1..=20).map(|i| (i * 37) % 23).collect();
    let label = "max"; // a local the threads borrow
    let maxima = map_chunks(&readings, 4, |chunk| {
        format!("{label} {}", chunk.iter().max().copied().unwrap_or(0))
    });
    println!("{readings:?} -> {maxima:?}");
}
