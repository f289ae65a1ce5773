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
    // Every thread shares `f` by reference; `move` then copies the reference
    // (and the chunk, itself a reference) into each closure.
    let f = &f;
    // Letting the scope join the threads, with the results gathered some
    // other way in chunk order, would pass the tests too: `scope` is the
    // lesson here. Joining the handles in order is the simple way.
    thread::scope(|scope| {
        let handles: Vec<_> = data
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || f(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a worker panicked"))
            .collect()
    })
}

fn main() {
    let readings: Vec<u64> = (1..=20).map(|i| (i * 37) % 23).collect();
    let label = "max"; // a local the threads borrow
    let maxima = map_chunks(&readings, 4, |chunk| {
        format!("{label} {}", chunk.iter().max().copied().unwrap_or(0))
    });
    println!("{readings:?} -> {maxima:?}");
}
