// WRONG: keeps the service in the handle and answers on the caller's thread: no worker thread (and the handle is not Send)
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub trait Service {
    fn handle(&mut self, request: u64) -> u64;
}

// No thread: the service lives in the handle and answers on the caller.
pub struct Worker {
    service: RefCell<Box<dyn Service>>,
}

impl Worker {
    pub fn start<S, F>(make: F) -> Worker
    where
        S: Service + 'static,
        F: FnOnce() -> S + Send + 'static,
    {
        Worker {
            service: RefCell::new(Box::new(make())),
        }
    }

    pub fn call(&self, request: u64) -> u64 {
        self.service.borrow_mut().handle(request)
    }

    pub fn close(self) {}
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
