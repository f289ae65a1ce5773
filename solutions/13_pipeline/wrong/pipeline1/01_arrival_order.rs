// WRONG: next hands out the results in the order the workers finish them, not in source order
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, SyncSender};
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
        self.results.recv().ok().map(|(_, value)| value)
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

    // The feeder numbers each item as it pulls it.
    thread::spawn(move || {
        for job in source.enumerate() {
            if jobs_tx.send(job).is_err() {
                break; // every worker is gone
            }
        }
        // `jobs_tx` is dropped here: the workers' `recv` fails once the jobs
        // are all taken.
    });

    // One Receiver, shared by the workers: each `recv` hands a job to one
    // of them. The lock is held only while waiting for a job, not during f.
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let f = Arc::new(f);
    for _ in 0..workers {
        let jobs_rx = Arc::clone(&jobs_rx);
        let results_tx: SyncSender<(usize, U)> = results_tx.clone();
        let f = Arc::clone(&f);
        thread::spawn(move || {
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
        });
    }
    // Only the workers' Senders are left: `recv` in `next` fails once they
    // have all ended.
    drop(results_tx);

    Ordered {
        results: results_rx,
        early: HashMap::new(),
        next_seq: 0,
    }
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
