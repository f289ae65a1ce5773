// WRONG: record copies the log under one lock and stores it back under another (lost events)
use std::sync::Mutex;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    let mut events = LOG.lock().unwrap().clone();
    events.push(event.to_string());
    *LOG.lock().unwrap() = events;
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
}

fn main() {}
