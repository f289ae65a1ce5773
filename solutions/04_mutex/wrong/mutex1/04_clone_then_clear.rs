// WRONG: take_all copies the log under one lock and clears it under another (events in between are lost)
use std::sync::Mutex;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    LOG.lock().unwrap().push(event.to_string());
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    let events = LOG.lock().unwrap().clone();
    LOG.lock().unwrap().clear();
    events
}

fn main() {}
