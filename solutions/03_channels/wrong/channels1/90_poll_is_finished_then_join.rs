// WRONG: polls `is_finished` with a 1 ms nap instead of blocking in `join`.
// channels1: sending a value gives it away.
//
// `ship` starts a writer thread, then sends it the batches of log lines one
// by one, as `batches` yields them. The writer hands every batch to `write`.
// `ship` returns how many lines it sent in all, once the writer is done.
//
// This file does not compile. Read the error: after `send`, who owns the
// batch?

use std::sync::mpsc;
use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn ship<I, W>(batches: I, mut write: W) -> usize
where
    I: IntoIterator<Item = Vec<String>>,
    W: FnMut(Vec<String>) + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let writer = thread::spawn(move || {
        for batch in rx {
            write(batch);
        }
    });

    let mut lines = 0;
    for batch in batches {
        // Count first: once sent, the batch belongs to the writer thread.
        lines += batch.len();
        tx.send(batch).expect("the writer thread stopped");
    }

    // The writer's `for` loop ends when the last Sender is gone.
    drop(tx);
    // Joining waits for the writer to end and passes on its panic. (The
    // tests also accept `thread::scope`, which joins too; not a sleep, a
    // "done" message or polling `is_finished`.)
    while !writer.is_finished() {
        thread::sleep(std::time::Duration::from_millis(1));
    }
    writer.join().expect("the writer thread panicked");
    lines
}

fn main() {
    let batches = vec![
        vec!["boot".to_string(), "mount /".to_string()],
        vec!["login alice".to_string()],
    ];
    let lines = ship(batches, |batch| {
        for line in batch {
            println!("wrote: {line}");
        }
    });
    println!("shipped {lines} lines");
}
