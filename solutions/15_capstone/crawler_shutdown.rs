// crawler_shutdown: a crawl that streams its results, and stops when its
// consumer does.
//
// `crawl(seeds, workers, fetch)` is the crawler of the previous exercise,
// started in the background: it returns a `Crawl` at once, and the result
// of each page comes out of it, as an iterator, as soon as its fetch is
// done (in the order the fetches end). `next()` returns `None` once the
// crawl is over (every page found has been fetched).
//
// A consumer may stop early: it takes a few results and drops the `Crawl`,
// even of a web with no end. Then:
//
// - No fetch starts once `drop` has begun. The fetches already running
//   finish, and their links are not followed.
// - `drop` returns only once every worker thread has ended (joined), also
//   the ones that were waiting for pages, and the ones still fetching.
// - Nothing panics: a consumer that stops is no error.
//
// Everything else is as in the crawler: each page fetched once, `workers`
// fetches at once and never more, a panicking fetch reported under its
// page (on the stream), idle workers and the consumer waiting without
// using the CPU.

use std::collections::{HashSet, VecDeque};
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};

// Don't change these: the hidden tests use them.
pub type PageId = u64;
// What a fetch gave: the page's links, or the payload of its panic.
pub type Fetched = thread::Result<Vec<PageId>>;

struct State {
    // Pages found and not yet taken by a worker.
    frontier: VecDeque<PageId>,
    // Every page ever put on the frontier.
    seen: HashSet<PageId>,
    // Pages taken by a worker whose fetch has not been recorded yet.
    in_flight: usize,
    // Set by `drop`: take no more pages.
    cancelled: bool,
}

struct Shared {
    state: Mutex<State>,
    // Notified when the frontier gets pages, when the crawl is over, and
    // when it is cancelled.
    changed: Condvar,
}

// Don't change the name: the hidden tests use it.
pub struct Crawl {
    // The consumer's end of the results: `None` once hung up.
    results: Option<Receiver<(PageId, Fetched)>>,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Iterator for Crawl {
    type Item = (PageId, Fetched);

    // Don't change this signature: the hidden tests call it.
    fn next(&mut self) -> Option<(PageId, Fetched)> {
        // Blocks until a worker sends a result; `Err` once every worker has
        // ended (each holds a Sender), that is, once the crawl is over.
        self.results.as_ref()?.recv().ok()
    }
}

// Don't change this signature: the hidden tests call it.
pub fn crawl<F>(seeds: Vec<PageId>, workers: usize, fetch: F) -> Crawl
where
    F: Fn(PageId) -> Vec<PageId> + Send + Sync + 'static,
{
    assert!(workers > 0, "a crawl needs at least one worker");
    let mut state = State {
        frontier: VecDeque::new(),
        seen: HashSet::new(),
        in_flight: 0,
        cancelled: false,
    };
    for seed in seeds {
        if state.seen.insert(seed) {
            state.frontier.push_back(seed);
        }
    }
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        changed: Condvar::new(),
    });
    let (results_tx, results_rx) = mpsc::channel();
    let fetch = Arc::new(fetch);
    let handles = (0..workers)
        .map(|_| {
            let shared = Arc::clone(&shared);
            let fetch = Arc::clone(&fetch);
            let results_tx = results_tx.clone();
            thread::spawn(move || work(&shared, &*fetch, &results_tx))
        })
        .collect();
    // Only the workers' Senders are left: the stream ends when they have
    // all ended.
    drop(results_tx);
    Crawl {
        results: Some(results_rx),
        shared,
        workers: handles,
    }
}

fn work(
    shared: &Shared,
    fetch: &dyn Fn(PageId) -> Vec<PageId>,
    results: &Sender<(PageId, Fetched)>,
) {
    loop {
        let page = {
            let mut state = shared.state.lock().unwrap();
            loop {
                // Checked under the lock `drop` sets it under, every time
                // the worker looks for a page (after each wake-up too).
                if state.cancelled {
                    return;
                }
                if let Some(page) = state.frontier.pop_front() {
                    state.in_flight += 1;
                    break page;
                }
                if state.in_flight == 0 {
                    return;
                }
                state = shared.changed.wait(state).unwrap();
            }
        };
        let fetched = panic::catch_unwind(AssertUnwindSafe(|| fetch(page)));
        {
            let mut state = shared.state.lock().unwrap();
            if let Ok(links) = &fetched {
                for &link in links {
                    if state.seen.insert(link) {
                        state.frontier.push_back(link);
                    }
                }
            }
            state.in_flight -= 1;
            if !state.frontier.is_empty() || state.in_flight == 0 {
                shared.changed.notify_all();
            }
        }
        if results.send((page, fetched)).is_err() {
            // The consumer is gone: nobody wants more results.
            return;
        }
    }
}

impl Drop for Crawl {
    fn drop(&mut self) {
        // Stop taking pages, and wake the workers that wait for one: they
        // see `cancelled` and end.
        self.shared.state.lock().unwrap().cancelled = true;
        self.shared.changed.notify_all();
        // Hang up: a worker's send fails from now on.
        drop(self.results.take());
        for worker in self.workers.drain(..) {
            // A worker that panicked outside of fetch was reported as it
            // happened; a second panic here would abort the process.
            let _ = worker.join();
        }
    }
}

fn main() {
    // A web with no end: page p links to 2p and 2p + 1.
    let crawl = crawl(vec![1], 4, |page: PageId| {
        thread::sleep(std::time::Duration::from_millis(5));
        vec![page * 2, page * 2 + 1]
    });
    for (page, fetched) in crawl.take(5) {
        match fetched {
            Ok(links) => println!("page {page}: links {links:?}"),
            Err(_) => println!("page {page}: its fetch panicked"),
        }
    }
    println!("done: the crawl has stopped, and every worker has ended");
}

// Hidden tests, accepted gaps:
// - A `drop` that joins only some of the workers is caught for every rank
//   of crawls of 2-8 workers and for the first, the last and one drawn
//   between of larger ones: one that leaves out, say, only the tenth worker
//   of crawls past 8 workers passes when the draw misses it.
// - A `drop` that joins in the crawls the test times (its first drop, or
//   crawls shaped like the timed one: a `static` count, or special-casing)
//   and sleeps instead in the others, for longer than the thread-end
//   probe's hold (120 ms + 3 x the timed crawl): the probe cannot hold a
//   thread longer than a correct `drop` can afford to wait for it, and a
//   sleep is as quiet as a join. (A `drop` that sleeps in every call is
//   caught: the timed crawl includes its sleep, and the hold is 3 x that.)
// - As in the crawler, a visited set checked and updated under two
//   separate locks loses only an instruction-sized race.
// - The crawl past 1024 workers probes only its last worker (one probe per
//   crawl: a held first worker makes `drop` wait as long as any other
//   probe holds): a drop that leaves out a middle worker, or the first,
//   only in crawls that large (special-casing the size) passes.
// - OPEN (not closed on pinned runs): new pages that wake one idle worker
//   (notify_one) while other fetches run, the others left to a 3 s
//   wait_timeout. The slow-fetch test makes the pages come while a keeper
//   fetch runs and, if they are not all taken within 0.5 s, requires them
//   all taken once the process is quiet: caught unpinned; pinned, the
//   time-outs can fall inside that window.
// - OPEN (caught on most runs, not all): a drop that joins only the first
//   64 workers. The crawl past 1024 workers probes its last worker, but its
//   hold (120 ms + 3 x a small crawl) can run out while a thousand threads
//   are still ending, before the 64th join returns.
