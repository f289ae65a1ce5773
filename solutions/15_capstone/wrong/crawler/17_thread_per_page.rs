// WRONG: a thread for every page found, at once: far more than `workers` fetches run at the same time
use std::collections::{HashMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, mpsc};
use std::thread;

pub type PageId = u64;
pub type Fetched = thread::Result<Vec<PageId>>;

pub fn crawl<F>(seeds: Vec<PageId>, workers: usize, fetch: F) -> HashMap<PageId, Fetched>
where
    F: Fn(PageId) -> Vec<PageId> + Send + Sync + 'static,
{
    assert!(workers > 0, "a crawl needs at least one worker");
    let fetch = Arc::new(fetch);
    let (tx, rx) = mpsc::channel::<(PageId, Fetched)>();
    let mut seen = HashSet::new();
    let mut running = 0;
    let mut handles = Vec::new();
    let start = |page: PageId, handles: &mut Vec<thread::JoinHandle<()>>| {
        let fetch = Arc::clone(&fetch);
        let tx = tx.clone();
        handles.push(thread::spawn(move || {
            let fetched = panic::catch_unwind(AssertUnwindSafe(|| fetch(page)));
            let _ = tx.send((page, fetched));
        }));
    };
    for seed in seeds {
        if seen.insert(seed) {
            start(seed, &mut handles);
            running += 1;
        }
    }
    let mut results = HashMap::new();
    while running > 0 {
        let (page, fetched) = rx.recv().unwrap();
        running -= 1;
        if let Ok(links) = &fetched {
            for &link in links {
                if seen.insert(link) {
                    start(link, &mut handles);
                    running += 1;
                }
            }
        }
        results.insert(page, fetched);
    }
    for handle in handles {
        let _ = handle.join();
    }
    results
}

fn main() {
    let results = crawl(vec![1], 4, |page| vec![page * 2 % 100, 1]);
    println!("crawled {} pages", results.len());
}
