// WRONG: record leaks every event (Box::leak) into a log of &'static str
use std::sync::Mutex;

static LOG: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

pub fn record(event: &str) {
    let leaked: &'static str = Box::leak(event.to_string().into_boxed_str());
    LOG.lock().unwrap().push(leaked);
}

pub fn count() -> usize {
    LOG.lock().unwrap().len()
}

pub fn take_all() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
        .into_iter()
        .map(String::from)
        .collect()
}

fn main() {}
