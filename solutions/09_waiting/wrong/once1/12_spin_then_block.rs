// WRONG: a caller that comes while init runs first spins (yield_now) for 100 ms "in case it is quick", burning a CPU, and only then blocks in get_or_init
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

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

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            cell: OnceLock::new(),
            busy: AtomicBool::new(false),
        }
    }
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if self.busy.load(Ordering::SeqCst) {
            let start = Instant::now();
            while self.cell.get().is_none() && start.elapsed() < Duration::from_millis(100) {
                thread::yield_now();
            }
        }
        self.cell.get_or_init(|| {
            self.busy.store(true, Ordering::SeqCst);
            init()
        })
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
