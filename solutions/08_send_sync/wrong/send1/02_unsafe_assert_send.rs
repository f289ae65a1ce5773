// WRONG: wraps the service in a type declared Send with an unsafe impl (unsound; and unsafe code is forbidden here)
use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

// A service answers requests, one at a time.
pub trait Service {
    fn handle(&mut self, request: u64) -> u64;
}

struct AssertSend<S>(S);
// SAFETY: none, the Rc goes to another thread anyway.
unsafe impl<S> Send for AssertSend<S> {}

pub struct Worker {
    requests: Option<Sender<u64>>,
    replies: Receiver<u64>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    // Don't change this signature: the hidden tests call it.
    // Starts a worker thread that builds its service with `make` and then
    // answers every request sent to it, in order.
    pub fn start<S, F>(make: F) -> Worker
    where
        S: Service + 'static,
        F: FnOnce() -> S + Send + 'static,
    {
        let (request_tx, request_rx) = mpsc::channel::<u64>();
        let (reply_tx, reply_rx) = mpsc::channel();
        let service = AssertSend(make());
        let thread = thread::spawn(move || {
            let mut service = service;
            for request in request_rx {
                if reply_tx.send(service.0.handle(request)).is_err() {
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

    // Don't change this signature: the hidden tests call it.
    // Sends `request` to the service and returns its reply.
    pub fn call(&self, request: u64) -> u64 {
        let requests = self.requests.as_ref().expect("the worker is closed");
        requests.send(request).expect("the worker thread has ended");
        self.replies.recv().expect("the worker thread has ended")
    }

    // Don't change this signature: the hidden tests call it.
    // Ends the worker thread and returns once it has ended.
    pub fn close(self) {
        drop(self);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the worker's loop, and the service is
        // dropped as the worker thread ends.
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// A running total. It keeps the total in an `Rc<Cell<..>>`, as a library
// that hands out views of it might: so it is not `Send`.
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
