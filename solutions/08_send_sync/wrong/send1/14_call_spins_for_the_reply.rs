// WRONG: call busy-waits for the reply: it polls the reply channel with try_recv in a loop instead of blocking in recv, so every caller burns a CPU for as long as the service takes to answer.
use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub trait Service {
    fn handle(&mut self, request: u64) -> u64;
}

pub struct Worker {
    requests: Option<Sender<u64>>,
    replies: Receiver<u64>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start<S, F>(make: F) -> Worker
    where
        S: Service + 'static,
        F: FnOnce() -> S + Send + 'static,
    {
        let (request_tx, request_rx) = mpsc::channel::<u64>();
        let (reply_tx, reply_rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            let mut service = make();
            for request in request_rx {
                if reply_tx.send(service.handle(request)).is_err() {
                    break;
                }
            }
        });
        Worker {
            requests: Some(request_tx),
            replies: reply_rx,
            thread: Some(thread),
        }
    }

    pub fn call(&self, request: u64) -> u64 {
        let requests = self.requests.as_ref().expect("the worker is closed");
        requests.send(request).expect("the worker thread has ended");
        loop {
            match self.replies.try_recv() {
                Ok(reply) => return reply,
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
                Err(TryRecvError::Disconnected) => panic!("the worker thread has ended"),
            }
        }
    }

    pub fn close(self) {
        drop(self);
    }
}
impl Drop for Worker {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Tally {
    total: Rc<Cell<u64>>,
}

impl Service for Tally {
    fn handle(&mut self, amount: u64) -> u64 {
        self.total.set(self.total.get() + amount);
        self.total.get()
    }
}

fn main() {
    let worker = Worker::start(|| Tally {
        total: Rc::new(Cell::new(0)),
    });
    for amount in [5, 10, 20] {
        println!("added {amount}, total {}", worker.call(amount));
    }
    worker.close();
}
