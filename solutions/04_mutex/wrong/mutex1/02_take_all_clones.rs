// WRONG: take_all returns a copy and leaves the log full
use std::sync::Mutex;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    LOG.lock().unwrap().push(event.to_string());
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    LOG.lock().unwrap().clone()
}

fn main() {}
