// WRONG: count reports the Vec's capacity, not how many events it holds
use std::sync::Mutex;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    LOG.lock().unwrap().push(event.to_string());
}

pub fn count() -> usize {
    LOG.lock().unwrap().capacity()
}

pub fn take_all() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
}

fn main() {}
