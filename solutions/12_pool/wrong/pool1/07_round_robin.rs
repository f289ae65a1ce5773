// WRONG: one channel per worker, and execute deals the jobs out in turn: a job can wait behind a long one while other workers are idle
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    senders: Vec<mpsc::Sender<Job>>,
    next: AtomicUsize,
}

impl ThreadPool {
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a pool needs at least one worker");
        let mut senders = Vec::new();
        let mut workers = Vec::new();
        for _ in 0..size {
            let (sender, receiver) = mpsc::channel::<Job>();
            senders.push(sender);
            workers.push(thread::spawn(move || {
                for job in receiver {
                    job();
                }
            }));
        }
        ThreadPool {
            workers,
            senders,
            next: AtomicUsize::new(0),
        }
    }

    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let i = self.next.fetch_add(1, Ordering::SeqCst) % self.senders.len();
        self.senders[i]
            .send(Box::new(job))
            .expect("every worker has stopped");
    }
}

fn main() {}
