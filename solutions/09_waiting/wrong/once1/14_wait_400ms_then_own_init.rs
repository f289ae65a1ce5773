// WRONG: a caller that comes while init runs waits on a Condvar, but only 400 ms; then it decides the first init is stuck and runs its own: a slow init (a connection that takes a second) is made twice, and the second value is thrown away
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Lazy<T> {
    cell: OnceLock<T>,
    busy: Mutex<bool>,
    done: Condvar,
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Self::new()
    }
}

struct Release<'a>(&'a Mutex<bool>, &'a Condvar);
impl Drop for Release<'_> {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = false;
        self.1.notify_all();
    }
}

const PATIENCE: Duration = Duration::from_millis(400);

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            cell: OnceLock::new(),
            busy: Mutex::new(false),
            done: Condvar::new(),
        }
    }
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.cell.get() {
            return value;
        }
        let deadline = Instant::now() + PATIENCE;
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy && self.cell.get().is_none() {
            let now = Instant::now();
            if now >= deadline {
                break; // the other init is stuck: make our own
            }
            busy = self
                .done
                .wait_timeout(busy, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if let Some(value) = self.cell.get() {
            return value;
        }
        *busy = true;
        drop(busy);
        let _release = Release(&self.busy, &self.done);
        let value = init();
        let _ = self.cell.set(value);
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
