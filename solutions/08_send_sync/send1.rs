// send1: a service that stays on its own thread.
//
// Some values must never leave the thread that made them: anything that
// holds an `Rc`, for one, because two threads could then change its count
// at once. Many single-threaded libraries are built like that. Such a value
// can still serve other threads: it lives on a worker thread of its own,
// and the others send it requests over a channel.
//
// `Worker::start` starts a worker thread running the service that `make`
// builds; `call` sends the worker a request and waits for the reply; closing
// or dropping the `Worker` ends the worker thread and waits for it.
//
// It does not compile: the service is built on the caller's thread and then
// moved into the worker thread, which services holding an `Rc` (like the one
// in `main`) may not be.
//
// Make it compile for every service, `Send` or not: the service must be
// built, used and dropped on the worker thread, and on no other.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

// A service answers requests, one at a time.
pub trait Service {
    fn handle(&mut self, request: u64) -> u64;
}

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
        // The service may not cross threads, but `make` may (it is `Send`):
        // move the recipe, not the cake. Built on the worker thread, the
        // service is used there and dropped there when the loop ends, and
        // never touches another thread.
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
        // dropped as the worker thread ends. (Tests: a `call` or a `close`
        // that waits only up to a long timeout, say 3 s, and then returns
        // anyway is refused by name, not by the hidden tests: `forbidden`
        // lists the timed waits, sleeps and `try_recv`, because the tests
        // hold a reply or an ending thread for well under 2 s, and holding
        // it longer than any such timeout would make every passing run that
        // slow. A stop request
        // sent in-band is caught only for the values a learner would pick
        // (0, u64::MAX), and a worker that ends after some fixed number of
        // requests is not caught: tens of thousands of round trips cost
        // seconds on a loaded machine.)
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
