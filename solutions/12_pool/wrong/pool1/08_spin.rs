// WRONG: the queue is a VecDeque under a Mutex, and an idle worker checks it again and again (yield_now in a loop): it spins instead of blocking until a job comes
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Shared {
    jobs: Mutex<VecDeque<Job>>,
    closed: AtomicBool,
}

pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl ThreadPool {
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a pool needs at least one worker");
        let shared = Arc::new(Shared {
            jobs: Mutex::new(VecDeque::new()),
            closed: AtomicBool::new(false),
        });
        let workers = (0..size)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    loop {
                        let job = shared.jobs.lock().unwrap().pop_front();
                        match job {
                            Some(job) => job(),
                            None if shared.closed.load(Ordering::SeqCst) => break,
                            None => thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        ThreadPool { workers, shared }
    }

    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.shared.jobs.lock().unwrap().push_back(Box::new(job));
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
    }
}

fn main() {}
