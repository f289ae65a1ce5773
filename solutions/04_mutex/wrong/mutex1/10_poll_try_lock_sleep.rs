// WRONG: waits for the log by trying try_lock again every millisecond instead of blocking in lock()
use std::sync::Mutex;
use std::time::Duration;
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
pub fn record(event: &str) {
    loop {
        if let Ok(mut log) = LOG.try_lock() {
            log.push(event.to_string());
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
pub fn count() -> usize {
    LOG.lock().unwrap().len()
}
pub fn take_all() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
}
fn main() {}
