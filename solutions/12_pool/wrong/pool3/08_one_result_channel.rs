// WRONG: one results channel for the whole pool: every job sends its outcome there, and join takes whichever outcome comes next, which may be another job's
use std::any::Any;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

type Job = Box<dyn FnOnce() + Send + 'static>;
type Outcome = thread::Result<Box<dyn Any + Send>>;

pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    sender: Option<mpsc::Sender<Job>>,
    results: mpsc::Sender<Outcome>,
    outcomes: Arc<Mutex<mpsc::Receiver<Outcome>>>,
}

pub struct JobHandle<T> {
    outcomes: Arc<Mutex<mpsc::Receiver<Outcome>>>,
    _type: PhantomData<T>,
}

impl ThreadPool {
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
        let (results, outcomes) = mpsc::channel();
        ThreadPool {
            workers,
            sender: Some(sender),
            results,
            outcomes: Arc::new(Mutex::new(outcomes)),
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

    pub fn spawn<F, T>(&self, job: F) -> JobHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let results = self.results.clone();
        self.execute(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(job))
                .map(|value| Box::new(value) as Box<dyn Any + Send>);
            let _ = results.send(outcome);
        });
        JobHandle {
            outcomes: Arc::clone(&self.outcomes),
            _type: PhantomData,
        }
    }
}

impl<T: 'static> JobHandle<T> {
    pub fn join(self) -> thread::Result<T> {
        let outcome = self.outcomes.lock().unwrap().recv().unwrap();
        outcome.map(|value| *value.downcast::<T>().expect("a result of another type"))
    }
}

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
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            worker.join().expect("a worker thread panicked");
        }
    }
}

fn main() {}
