// crawler: a concurrent crawler over a fake link graph.
//
// `crawl(seeds, workers, fetch)` fetches every page it can reach from the
// seed pages, following the links each fetch returns, with `workers`
// threads, and returns what each page gave: its links, or the panic of its
// fetch.
//
// - Each page is fetched once, however many pages link to it (or link to
//   it at the same moment, from two workers).
// - `workers` fetches run at once whenever there are that many pages to
//   fetch, and never more.
// - The crawl ends when every page it found has been fetched: a frontier
//   that is empty for a moment is no end while a worker is still fetching
//   (its page may link to new ones). Cycles, self-links, duplicate links
//   and an empty list of seeds all end.
// - A fetch that panics is reported in the result, under its page, with the
//   panic's payload; the crawl goes on without its links.
// - Idle workers wait without using the CPU.
//
// Nothing is written yet: run this file to see the `todo!()`. The types
// below are a plan (one lock over all the shared state, and a Condvar for
// the workers that wait); change them as you like, but not `crawl`'s
// signature nor `PageId` and `Fetched`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Condvar, Mutex};
use std::thread;

// Don't change these: the hidden tests use them.
pub type PageId = u64;
// What a fetch gave: the page's links, or the payload of its panic.
pub type Fetched = thread::Result<Vec<PageId>>;

// Everything the workers share, behind one lock.
struct State {
    // Pages found and not yet taken by a worker.
    frontier: VecDeque<PageId>,
    // Every page ever put on the frontier: a page is found once.
    seen: HashSet<PageId>,
    // TODO: how does a worker that finds the frontier empty know whether
    // the crawl is over, or another worker's fetch may still bring pages?
    results: HashMap<PageId, Fetched>,
}

struct Shared {
    state: Mutex<State>,
    // For the workers that wait for pages (or for the end).
    changed: Condvar,
}

// Don't change this signature: the hidden tests call it.
pub fn crawl<F>(seeds: Vec<PageId>, workers: usize, fetch: F) -> HashMap<PageId, Fetched>
where
    F: Fn(PageId) -> Vec<PageId> + Send + Sync + 'static,
{
    assert!(workers > 0, "a crawl needs at least one worker");
    // TODO: put the seeds on the frontier (each once), start `workers`
    // threads that run `work`, wait for them, and return the results.
    let _ = (seeds, fetch);
    todo!()
}

// One worker: take a page, fetch it (without holding the lock), record
// what it gave and put the new pages it links to on the frontier; wait
// while there is nothing to take; stop when the crawl is over.
fn work(shared: &Shared, fetch: &dyn Fn(PageId) -> Vec<PageId>) {
    // TODO
    let _ = (shared, fetch);
    todo!()
}

fn main() {
    // A small web: page p links to 2p and 3p below 100, and back to 1.
    let links = |page: PageId| -> Vec<PageId> {
        thread::sleep(std::time::Duration::from_millis(5));
        [page * 2, page * 3, 1]
            .into_iter()
            .filter(|&p| p < 100)
            .collect()
    };
    let results = crawl(vec![1], 4, links);
    let mut pages: Vec<&PageId> = results.keys().collect();
    pages.sort();
    println!("crawled {} pages: {pages:?}", pages.len());

    // A page whose fetch panics is reported, and the crawl goes on.
    let results = crawl(vec![1, 2], 2, |page| {
        if page == 2 {
            panic!("page 2 is broken");
        }
        vec![2, 3]
    });
    for page in [1, 2, 3] {
        match &results[&page] {
            Ok(links) => println!("page {page}: links {links:?}"),
            Err(_) => println!("page {page}: its fetch panicked"),
        }
    }
}
