// WRONG: take_all pops the events, so they come back newest first
use std::sync::Mutex;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    LOG.lock().unwrap().push(event.to_string());
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    let mut log = LOG.lock().unwrap();
    let mut events = Vec::new();
    while let Some(e) = log.pop() {
        events.push(e);
    }
    events
}

fn main() {}
