// WRONG: keeps only the newest 1000 events (drops the oldest), so a long log loses events
use std::collections::VecDeque;
use std::sync::Mutex;

static LOG: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

pub fn record(event: &str) {
    let mut log = LOG.lock().unwrap();
    if log.len() == 1000 {
        log.pop_front();
    }
    log.push_back(event.to_string());
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    Vec::from(std::mem::take(&mut *LOG.lock().unwrap()))
}

fn main() {}
