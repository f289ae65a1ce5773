// WRONG: makes the value under one static Mutex shared by every Lazy (checked again under it, poison ignored): inits of unrelated Lazy values wait for each other, and an init that uses another Lazy deadlocks on the static lock
use std::sync::{Mutex, OnceLock};
use std::thread;

static INIT: Mutex<()> = Mutex::new(());

#[derive(Debug)]
pub struct Lazy<T> {
    cell: OnceLock<T>,
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            cell: OnceLock::new(),
        }
    }
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.cell.get() {
            return value;
        }
        let _one_at_a_time = INIT.lock().unwrap_or_else(|e| e.into_inner());
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
