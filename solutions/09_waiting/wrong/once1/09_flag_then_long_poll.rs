// WRONG: the first caller claims a flag (reset if init panics) and makes the value; the others poll for it with 250 ms sleeps instead of blocking: they keep waking up, and get the value up to 250 ms after it is there
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

#[derive(Debug)]
pub struct Lazy<T> {
    cell: OnceLock<T>,
    busy: AtomicBool,
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Self::new()
    }
}

struct Release<'a>(&'a AtomicBool);
impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            cell: OnceLock::new(),
            busy: AtomicBool::new(false),
        }
    }
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        loop {
            if let Some(value) = self.cell.get() {
                return value;
            }
            if !self.busy.swap(true, Ordering::SeqCst) {
                let _release = Release(&self.busy);
                if let Some(value) = self.cell.get() {
                    return value;
                }
                let _ = self.cell.set(init());
                return self.cell.get().unwrap();
            }
            thread::sleep(Duration::from_millis(250));
        }
    }
}
fn main() {
    let connection: Lazy<String> = Lazy::new();
    thread::scope(|s| {
        for user in 0..3 {
            let connection = &connection;
            s.spawn(move || {
                let c = connection.get_or_init(|| {
                    println!("user {user} opens the connection");
                    format!("connection opened by user {user}")
                });
                println!("user {user} uses {c}");
            });
        }
    });
}
