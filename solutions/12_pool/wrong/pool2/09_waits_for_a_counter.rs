// WRONG: instead of joining, drop waits on a Condvar until every worker has counted itself out at the end of its loop: it returns while the worker threads are still ending
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct ThreadPool {
    size: usize,
    sender: Option<mpsc::Sender<Job>>,
    left: Arc<(Mutex<usize>, Condvar)>,
}

impl ThreadPool {
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a pool needs at least one worker");
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let left = Arc::new((Mutex::new(0), Condvar::new()));
        for _ in 0..size {
            let receiver = Arc::clone(&receiver);
            let left = Arc::clone(&left);
            thread::spawn(move || {
                loop {
                    let message = receiver.lock().unwrap().recv();
                    match message {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                }
                *left.0.lock().unwrap() += 1;
                left.1.notify_all();
            });
        }
        ThreadPool {
            size,
            sender: Some(sender),
            left,
        }
    }

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

impl Drop for ThreadPool {
    fn drop(&mut self) {
        drop(self.sender.take());
        let (count, changed) = &*self.left;
        let _all = changed
            .wait_while(count.lock().unwrap(), |n| *n < self.size)
            .unwrap();
    }
}

fn main() {}
