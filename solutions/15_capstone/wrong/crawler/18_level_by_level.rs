// WRONG: the crawl goes level by level (all pages one link away, then all two links away, ...): a slow page holds up every page of the next level, and free workers wait for it
use std::collections::{HashMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::thread;

pub type PageId = u64;
pub type Fetched = thread::Result<Vec<PageId>>;

pub fn crawl<F>(seeds: Vec<PageId>, workers: usize, fetch: F) -> HashMap<PageId, Fetched>
where
    F: Fn(PageId) -> Vec<PageId> + Send + Sync + 'static,
{
    assert!(workers > 0, "a crawl needs at least one worker");
    let mut seen = HashSet::new();
    let mut level: Vec<PageId> = seeds.into_iter().filter(|&p| seen.insert(p)).collect();
    let mut results = HashMap::new();
    while !level.is_empty() {
        // The level's pages, shared by `workers` threads.
        let queue = Mutex::new(level.clone());
        let done = Mutex::new(Vec::new());
        thread::scope(|s| {
            for _ in 0..workers.min(level.len()) {
                s.spawn(|| {
                    loop {
                        let page = queue.lock().unwrap().pop();
                        let Some(page) = page else { break };
                        let fetched = panic::catch_unwind(AssertUnwindSafe(|| fetch(page)));
                        done.lock().unwrap().push((page, fetched));
                    }
                });
            }
        });
        let mut next = Vec::new();
        for (page, fetched) in done.into_inner().unwrap() {
            if let Ok(links) = &fetched {
                for &link in links {
                    if seen.insert(link) {
                        next.push(link);
                    }
                }
            }
            results.insert(page, fetched);
        }
        level = next;
    }
    results
}

fn main() {
    let results = crawl(vec![1], 4, |page| vec![page * 2 % 100, 1]);
    println!("crawled {} pages", results.len());
}
