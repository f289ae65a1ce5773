// WRONG: the log is per thread (thread_local), not one static shared by all threads
use std::cell::RefCell;

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

pub fn record(event: &str) {
    LOG.with(|log| log.borrow_mut().push(event.to_string()));
}

pub fn count() -> usize {
    LOG.with(|log| log.borrow().len())
}

pub fn take_all() -> Vec<String> {
    LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

fn main() {}
