// WRONG: joins every worker first and drops the Sender after: the workers wait for a job, drop waits for the workers, forever
// pool2: a pool that shuts down when it is dropped.
//
// The pool from pool1 now cleans up after itself. Dropping the pool must
// not lose work or leave threads behind: `drop(pool)` returns only once
// every job already queued has run and every worker thread has ended.
//
// `drop` below joins every worker. Run this file: it prints its jobs'
// lines and "dropping the pool", and then nothing more; it never ends.

use std::sync::{Arc, Mutex, mpsc};
use std::thread;

type Job = Box<dyn FnOnce() + Send + 'static>;

// Don't change the name: the hidden tests use it.
pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    // An Option, so that drop() can take the Sender out and drop it while
    // the pool itself is still alive (a field cannot be moved out of
    // `&mut self`).
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
    fn drop(&mut self) {
        for worker in self.workers.drain(..) {
            worker.join().expect("a worker thread panicked");
        }
        drop(self.sender.take());
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
