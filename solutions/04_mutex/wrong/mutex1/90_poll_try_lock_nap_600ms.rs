// WRONG: record polls try_lock and naps 600 ms between tries instead of blocking in lock()
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    loop {
        if let Ok(mut log) = LOG.try_lock() {
            log.push(event.to_string());
            return;
        }
        thread::sleep(Duration::from_millis(600));
    }
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
}

fn main() {
    record("a");
    println!("{}", count());
    let _ = take_all();
    let _ = thread::spawn(|| ()).join();
}
