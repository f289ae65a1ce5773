// threads3: split the work across a given number of threads.
//
// `sum_chunks` cuts `numbers` into exactly `workers` contiguous chunks, in
// order, whose lengths differ by at most one (10 numbers for 4 workers:
// lengths 3, 3, 2, 2). It starts one thread per chunk, all running at the
// same time; each thread calls `chunk_sum(&its_chunk)`. The function returns
// the sum of what the `chunk_sum` calls returned.
//
// With fewer numbers than workers, some chunks are empty; that is fine.
// `workers` is at least 1. The caller chooses it: don't ask the machine how
// many cores it has.
//
// Each thread needs a chunk it owns (`'static`), so copy the chunk into a
// `Vec` before spawning. The 02_move exercises show how to avoid that copy.

use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn sum_chunks<F>(numbers: Vec<u64>, workers: usize, chunk_sum: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Copy + Send + 'static,
{
    assert!(workers > 0, "need at least one worker");
    // TODO: work out where each of the `workers` chunks starts and ends.
    // TODO: spawn one thread per chunk, each calling `chunk_sum` on its own
    // copy of the chunk; keep the handles.
    // TODO: join every handle and add up the partial sums.
    todo!()
}

fn main() {
    let numbers: Vec<u64> = (1..=100).collect();
    let total = sum_chunks(numbers, 4, |chunk| {
        println!(
            "{:?}: {} numbers starting at {:?}",
            thread::current().id(),
            chunk.len(),
            chunk.first()
        );
        chunk.iter().sum()
    });
    println!("total: {total}");
}
