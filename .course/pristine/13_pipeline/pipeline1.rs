// pipeline1: a parallel stage that keeps the order.
//
// `map_ordered(source, workers, capacity, f)` is one stage of a pipeline: it
// pulls items from `source` and calls `f` on each, on `workers` threads at
// the same time, and hands out the results, through the `Ordered` it
// returns, in the order of the items in `source` (whichever call of `f`
// finishes first).
//
// - `map_ordered` returns at once; the stage works ahead on its own threads,
//   while the consumer does other things.
// - Exactly `workers` threads call `f` (at least 1), never the caller's, and
//   up to `workers` calls run at once.
// - It does not run ahead without limit: while nobody calls `next`, it pulls
//   no more than `capacity + workers + 1` items from `source`: `capacity`
//   finished results waiting to be taken, one item in each worker's hands,
//   and one item pulled but not handed to a worker yet.
// - `next` waits (blocked, not spinning) for the next result in order, and
//   returns `None` once the source is exhausted and every result is out.
//
// The numbers go with the items: the stage numbers each item as it pulls it,
// and `next` puts the results back in that order.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;

// Don't change the name or the generic parameter: the hidden tests use it.
pub struct Ordered<U> {
    // Results, numbered by the position of their item in the source, in the
    // order the workers finish them.
    results: Receiver<(usize, U)>,
    // Results that came before their turn.
    early: HashMap<usize, U>,
    // The number of the result `next` hands out next.
    next_seq: usize,
}

impl<U> Iterator for Ordered<U> {
    type Item = U;

    // Don't change this signature: the hidden tests call it.
    fn next(&mut self) -> Option<U> {
        // TODO: hand out result number `next_seq`: take it from `early` if it
        // is there, else receive results (keeping those that come too soon)
        // until it comes. `None` once no result can come any more.
        todo!()
    }
}

// Don't change this signature: the hidden tests call it.
pub fn map_ordered<I, U, F>(source: I, workers: usize, capacity: usize, f: F) -> Ordered<U>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
    U: Send + 'static,
    F: Fn(I::Item) -> U + Send + Sync + 'static,
{
    assert!(workers > 0, "a stage needs at least one worker");
    // TODO: two channels: numbered items from a feeder thread to the
    // workers, numbered results from the workers to `next`. How much room
    // may each have?

    // TODO: the feeder thread: pull the items from `source` and number them.

    // TODO: `workers` threads, sharing the one jobs Receiver: each takes the
    // next item, calls `f` on it, and sends the result on with its number.

    // TODO: return the `Ordered`, and make sure `next` can tell when the
    // last worker has ended.
    todo!()
}

fn main() {
    // Squares, on 4 threads; the slow ones are the small numbers, so the
    // workers finish them out of order.
    let squares = map_ordered(1..=8_u64, 4, 2, |n| {
        thread::sleep(std::time::Duration::from_millis(80 / n));
        n * n
    });
    for square in squares {
        println!("{square}");
    }
}
