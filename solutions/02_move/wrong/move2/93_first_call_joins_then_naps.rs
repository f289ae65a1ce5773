// WRONG: a static counts the calls: the first call of the process blocks in
// join(); every later call polls is_finished() with a 500 ms nap between
// looks before joining.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

static CALLS: AtomicUsize = AtomicUsize::new(0);

pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = data.len().div_ceil(workers).max(1);
    let first = CALLS.fetch_add(1, Ordering::SeqCst) == 0;
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = data
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || f(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                while !first && !handle.is_finished() {
                    thread::sleep(Duration::from_millis(500));
                }
                handle.join().expect("a worker panicked")
            })
            .collect()
    })
}

fn main() {}
