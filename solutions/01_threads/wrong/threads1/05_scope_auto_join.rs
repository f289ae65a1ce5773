// WRONG: lets thread::scope wait for the closure, never joins the thread itself
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::thread;

pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Mutex::new(None);
    let ran = panic::catch_unwind(AssertUnwindSafe(|| {
        thread::scope(|s| {
            s.spawn(|| {
                let value = job();
                *slot.lock().unwrap() = Some(value);
            });
        })
    }));
    ran.ok()?;
    slot.into_inner().unwrap_or_else(|e| e.into_inner())
}

fn main() {}
