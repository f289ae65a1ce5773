// WRONG: drop sets a stop flag that the workers check before each job: a worker that sees it leaves, and the jobs still queued never run
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    sender: Option<mpsc::Sender<Job>>,
    stop: Arc<AtomicBool>,
}

impl ThreadPool {
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a pool needs at least one worker");
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..size)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                let stop = Arc::clone(&stop);
                thread::spawn(move || {
                    loop {
                        let message = receiver.lock().unwrap().recv();
                        match message {
                            Ok(_) if stop.load(Ordering::SeqCst) => break,
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        ThreadPool {
            workers,
            sender: Some(sender),
            stop,
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
        // "Shut down quickly": no new job starts from here on.
        self.stop.store(true, Ordering::SeqCst);
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            worker.join().expect("a worker thread panicked");
        }
    }
}

fn main() {}
