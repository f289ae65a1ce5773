// WRONG: joins only the first 40 threads of the stage; any thread after them is left detached
// pipeline2: stopping a pipeline early.
//
// `map_ordered` is the stage of pipeline1: `workers` threads call `f` on the
// items of `source`, a feeder thread pulls and numbers them, and the
// `Ordered` it returns hands out the results in source order. It keeps the
// JoinHandles of its threads now, and a consumer may stop before the end:
//
// - Dropping the `Ordered` stops the stage, also in the middle of an endless
//   source: the stage pulls a few more items at most (those already on
//   their way), then no more.
// - `drop` returns only once every thread of the stage has ended: nothing
//   of the stage runs after it, and nothing is left behind.
// - The threads stop quietly: a consumer that stops early is no error, and
//   nothing panics.
//
// Everything else is as in pipeline1: order kept, `workers` calls of `f` at
// once, at most `capacity + workers + 1` items pulled while nobody takes a
// result, and a stage that runs to the end of its source still ends on its
// own.
//
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

// Don't change the name or the generic parameter: the hidden tests use it.
pub struct Ordered<U> {
    // Results, numbered by the position of their item in the source, in the
    // order the workers finish them.
    // The consumer's end of the results channel: `None` once hung up.
    results: Option<Receiver<(usize, U)>>,
    // Results that came before their turn.
    early: HashMap<usize, U>,
    // The number of the result `next` hands out next.
    next_seq: usize,
    // The feeder and the workers.
    threads: Vec<JoinHandle<()>>,
}

impl<U> Iterator for Ordered<U> {
    type Item = U;

    // Don't change this signature: the hidden tests call it.
    fn next(&mut self) -> Option<U> {
        loop {
            if let Some(value) = self.early.remove(&self.next_seq) {
                self.next_seq += 1;
                return Some(value);
            }
            // Blocks until some worker sends a result; `Err` once every
            // worker has ended (the source is exhausted) and all is taken.
            // Not a timeout: a slow item is no end.
            let (seq, value) = self.results.as_ref()?.recv().ok()?;
            self.early.insert(seq, value);
        }
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
    // Capacity 0: an item passes hand to hand, only when a worker is free to
    // take it, so the feeder holds at most one item it could not hand over.
    let (jobs_tx, jobs_rx) = mpsc::sync_channel::<(usize, I::Item)>(0);
    // Room for `capacity` results: then each worker waits with its result in
    // hand, and the feeder with its item, until the consumer takes one.
    let (results_tx, results_rx) = mpsc::sync_channel::<(usize, U)>(capacity);

    let mut threads = Vec::with_capacity(workers + 1);
    // The feeder numbers each item as it pulls it.
    threads.push(thread::spawn(move || {
        for job in source.enumerate() {
            if jobs_tx.send(job).is_err() {
                break; // every worker is gone
            }
        }
        // `jobs_tx` is dropped here: the workers' `recv` fails once the jobs
        // are all taken.
    }));

    // One Receiver, shared by the workers: each `recv` hands a job to one
    // of them. The lock is held only while waiting for a job, not during f.
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let f = Arc::new(f);
    for _ in 0..workers {
        let jobs_rx = Arc::clone(&jobs_rx);
        let results_tx: SyncSender<(usize, U)> = results_tx.clone();
        let f = Arc::clone(&f);
        threads.push(thread::spawn(move || {
            loop {
                // The guard is a temporary of this statement: dropped before
                // `f` runs. (`while let Ok(..) = jobs_rx.lock()..recv()`
                // would keep it for the whole loop body.)
                let job = jobs_rx.lock().unwrap().recv();
                let Ok((seq, item)) = job else { break };
                if results_tx.send((seq, f(item))).is_err() {
                    break; // the consumer is gone
                }
            }
        }));
    }
    // Only the workers' Senders are left: `recv` in `next` fails once they
    // have all ended.
    drop(results_tx);

    Ordered {
        results: Some(results_rx),
        early: HashMap::new(),
        next_seq: 0,
        threads,
    }
}

impl<U> Drop for Ordered<U> {
    fn drop(&mut self) {
        // Hang up first. The fields of `self` are dropped only after this
        // function returns: a Receiver still in `self` keeps the workers
        // waiting to send into a full channel, and the join below waits for
        // them forever.
        drop(self.results.take());
        // Now every worker's send fails, so each stops after the item in its
        // hands; once the last one has dropped the jobs Receiver, the
        // feeder's send fails too, and it stops pulling.
        for thread in self.threads.drain(..).take(40) {
            let _ = thread.join();
        }
    }
}

fn main() {
    // An endless source: the consumer takes three results, then stops.
    let squares = map_ordered(1_u64.., 4, 2, |n| n * n);
    for square in squares.take(3) {
        println!("{square}");
    }
    println!("done: every thread of the stage has ended");
}

// Hidden tests, accepted gaps:
// - A `drop` that joins only some threads is caught where a stage's
//   threads are probed one spawn rank at a time (`RankedEndProbe`, stages
//   side by side): every rank of a stage of 4-6 threads, and the first, the
//   last and one between of 18-33. A drop that leaves out, say, only the
//   20th thread, and only of large stages, may pass.
// - A feeder blocked inside its source (no item coming) cannot notice the
//   hang-up: the tests' source always has an item ready.
