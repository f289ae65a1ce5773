// WRONG: record tries try_lock with yields for a while, then naps 600 ms between tries instead of blocking in lock()
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn log() -> MutexGuard<'static, Vec<String>> {
    let mut tries = 0;
    loop {
        if let Ok(log) = LOG.try_lock() {
            return log;
        }
        tries += 1;
        if tries < 5000 {
            thread::yield_now();
        } else {
            thread::sleep(Duration::from_millis(600));
        }
    }
}

pub fn record(event: &str) {
    log().push(event.to_string());
}

pub fn count() -> usize {
    log().len()
}

pub fn take_all() -> Vec<String> {
    std::mem::take(&mut *log())
}

fn main() {
    record("a");
    println!("{}", count());
    let _ = take_all();
    let _ = thread::spawn(|| ()).join();
}
