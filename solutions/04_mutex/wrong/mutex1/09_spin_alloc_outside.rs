// WRONG: makes the String before locking, then spins on try_lock until the log is free
use std::sync::Mutex;
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
pub fn record(event: &str) {
    let event = event.to_string();
    loop {
        if let Ok(mut log) = LOG.try_lock() {
            log.push(event);
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
