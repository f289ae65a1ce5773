// WRONG: the first caller claims a flag and makes the value, the others block in OnceLock::wait(); if init panics the flag is reset but the callers already waiting are never woken: they sleep until some later caller succeeds, forever if none comes
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

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
        if let Some(value) = self.cell.get() {
            return value;
        }
        if self.busy.swap(true, Ordering::SeqCst) {
            return self.cell.wait();
        }
        let _release = Release(&self.busy);
        if let Some(value) = self.cell.get() {
            return value;
        }
        let _ = self.cell.set(init());
        self.cell.get().unwrap()
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
