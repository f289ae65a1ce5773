// WRONG: collects the results in the order the threads finished
use std::sync::Mutex;
use std::thread;

pub fn map_chunks<R, F>(data: &[u64], workers: usize, f: F) -> Vec<R>
where
    F: Fn(&[u64]) -> R + Sync,
    R: Send,
{
    assert!(workers > 0, "need at least one worker");
    let chunk_len = data.len().div_ceil(workers).max(1);
    let results = Mutex::new(Vec::new());
    let f = &f;
    let results_ref = &results;
    thread::scope(|scope| {
        for chunk in data.chunks(chunk_len) {
            scope.spawn(move || {
                let r = f(chunk);
                results_ref.lock().unwrap().push(r);
            });
        }
    });
    results.into_inner().unwrap()
}

fn main() {}
