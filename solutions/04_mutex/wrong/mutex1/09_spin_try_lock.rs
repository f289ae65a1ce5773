// WRONG: record spins on try_lock instead of blocking in lock
use std::sync::Mutex;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    loop {
        if let Ok(mut log) = LOG.try_lock() {
            log.push(event.to_string());
            return;
        }
        std::hint::spin_loop();
    }
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
}

fn main() {}
