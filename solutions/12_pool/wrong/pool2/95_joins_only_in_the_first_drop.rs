// WRONG: only the first drop of the process joins its workers; every later drop drops the Sender and sleeps 500 ms instead of joining
// pool2: a pool that shuts down when it is dropped.
//
// The pool from pool1 now cleans up after itself. Dropping the pool must
// not lose work or leave threads behind: `drop(pool)` returns only once
// every job already queued has run and every worker thread has ended.
//
// `drop` below joins every worker. Run this file: it prints its jobs'
// lines and "dropping the pool", and then nothing more; it never ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

static FIRST: AtomicBool = AtomicBool::new(true);

type Job = Box<dyn FnOnce() + Send + 'static>;

// Don't change the name: the hidden tests use it.
pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    // An Option, so that the Sender can be taken out of the pool (a field
    // cannot be moved out of `&mut self`).
    sender: Option<mpsc::Sender<Job>>,
}

impl ThreadPool {
    // Don't change this signature: the hidden tests call it.
    // Starts `size` worker threads (at least one).
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a pool needs at least one worker");
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..size)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                thread::spawn(move || work(&receiver))
            })
            .collect();
        ThreadPool {
            workers,
            sender: Some(sender),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Queues `job`; a free worker runs it.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.sender
            .as_ref()
            .expect("the pool is being dropped")
            .send(Box::new(job))
            .expect("every worker has stopped");
    }
}

// What each worker thread does: take the next job and run it, until the
// channel says that no job can ever come again.
fn work(receiver: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let message = receiver.lock().unwrap().recv();
        match message {
            Ok(job) => job(),
            Err(_) => break,
        }
    }
}

impl Drop for ThreadPool {
    // Runs when the pool is dropped, before its fields are dropped.
    fn drop(&mut self) {
        // recv() gives Err only once every Sender is gone and the queue is
        // empty: the jobs already queued still run. Dropping the pool's only
        // Sender first is what lets each worker leave its loop; joining
        // first would wait for workers that wait for a job, forever.
        drop(self.sender.take());
        // join() returns once the thread has ended, thread-locals and all.
        // The first drop of the process joins; later ones only wait a while.
        if FIRST.swap(false, Ordering::SeqCst) {
            for worker in self.workers.drain(..) {
                worker.join().expect("a worker thread panicked");
            }
        } else {
            self.workers.clear();
            thread::sleep(Duration::from_millis(500));
        }
    }
}

fn main() {
    let pool = ThreadPool::new(3);
    for i in 0..6 {
        pool.execute(move || println!("job {i} on {:?}", thread::current().id()));
    }
    println!("dropping the pool");
    drop(pool);
    println!("every job has run and every worker has ended");
}

// Hidden tests, accepted: the Book's older shutdown (a `Terminate` message
// per worker, sent after the queued jobs, then join) and `mem::replace` of
// the Sender with a fresh one pass: both drop the pool's last Sender or
// stop every worker only after the queue, and join every thread.
// A `drop` that joins only some workers is caught where pools are probed
// one spawn rank at a time (`RankedEndProbe`, pools side by side): every
// rank of a pool of 4-7, and the first, the last and one between of 33-64.
// A drop that leaves out, say, only the 20th worker, and only of large
// pools, may pass.
