// WRONG: try_submit calls send, so it waits while the queue is full
// channels5: a bounded queue pushes back.
//
// A print spooler: one printer thread prints jobs one at a time, and the
// jobs wait in a queue until it is their turn. Printing is slow, so the
// queue must not grow without limit: it holds at most `capacity` waiting
// jobs (the one being printed does not count). When it is full, `submit`
// blocks until there is room (backpressure) and `try_submit` hands the job
// back at once. With capacity 0 there is no queue at all: a job only passes
// hand to hand, when the printer is ready to take it (a rendezvous).
//
// `mpsc::sync_channel(capacity)` is such a queue. Build the spooler on it.

use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::{self, JoinHandle};

#[derive(Debug)]
pub struct Spooler<J> {
    jobs: SyncSender<J>,
    printer: JoinHandle<usize>,
}

impl<J: Send + 'static> Spooler<J> {
    // Don't change this signature: the hidden tests call it.
    // Starts the printer thread: it calls `print` for every job, in the order
    // submitted, and ends (returning how many jobs it printed) when the
    // spooler is closed.
    pub fn new<P>(capacity: usize, mut print: P) -> Spooler<J>
    where
        P: FnMut(J) + Send + 'static,
    {
        let (jobs, queue) = mpsc::sync_channel(capacity);
        let printer = thread::spawn(move || {
            let mut printed = 0;
            for job in queue {
                print(job);
                printed += 1;
            }
            printed
        });
        Spooler { jobs, printer }
    }

    // Don't change this signature: the hidden tests call it.
    // Waits while the queue is full.
    pub fn submit(&self, job: J) {
        self.jobs.send(job).expect("the printer thread stopped");
    }

    // Don't change this signature: the hidden tests call it.
    // Never waits: `Err(job)` gives the job back when the queue is full (or
    // the printer is gone).
    pub fn try_submit(&self, job: J) -> Result<(), J> {
        self.jobs.send(job).map_err(|error| error.0)
    }

    // Don't change this signature: the hidden tests call it.
    // Waits until every submitted job is printed; returns how many were.
    pub fn close(self) -> usize {
        // The printer's loop ends once the last Sender is gone.
        drop(self.jobs);
        self.printer.join().expect("the printer thread panicked")
    }
}

fn main() {
    let spooler = Spooler::new(2, |page: String| {
        // (A real printer takes a while; this one only says where it runs.)
        println!("printed {page} on {:?}", thread::current().id());
    });
    for n in 1..=5 {
        match spooler.try_submit(format!("page {n}")) {
            Ok(()) => println!("queued page {n}"),
            Err(page) => {
                println!("queue full, waiting to queue {page}");
                spooler.submit(page);
            }
        }
    }
    println!("{} pages printed", spooler.close());
}
