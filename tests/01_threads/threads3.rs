use super::*;

use super::support::{Gate, within};
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "fetch_all did not return: is every thread joined exactly once?";

// What the test's fetches record. Leaked so that the fetch closures, which
// must be `Copy + 'static`, can reach it through a plain `&'static` reference.
struct Log {
    ran_on: Mutex<Vec<ThreadId>>,
    gate: Gate,
    gate_errors: Mutex<Vec<usize>>,
}

fn new_log(parties: usize) -> &'static Log {
    Box::leak(Box::new(Log {
        ran_on: Mutex::new(Vec::new()),
        gate: Gate::new(parties),
        gate_errors: Mutex::new(Vec::new()),
    }))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn urls(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("https://example.com/{i}")).collect()
}

fn page_of(url: &str) -> String {
    format!("<page of {url}>")
}

#[test]
fn pages_come_back_in_url_order() {
    // Later URLs answer sooner, so finishing order is the reverse of url order.
    let urls = urls(5);
    let pages = within(LIMIT, HANGS, {
        let urls = urls.clone();
        move || {
            fetch_all(urls, |url| {
                let i: u64 = url
                    .rsplit('/')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                thread::sleep(Duration::from_millis(3 * (5 - i)));
                page_of(&url)
            })
        }
    });
    let expected: Vec<String> = urls.iter().map(|u| page_of(u)).collect();
    assert_eq!(
        pages, expected,
        "pages must be in the same order as the urls (join the handles in the order you \
         started them)"
    );
}

#[test]
fn no_urls_no_pages() {
    let pages = within(LIMIT, HANGS, || fetch_all(Vec::new(), |url| page_of(&url)));
    assert!(
        pages.is_empty(),
        "no urls should give no pages, got {pages:?}"
    );
}

#[test]
fn each_fetch_runs_on_its_own_thread() {
    let log = new_log(1);
    let (caller, pages) = within(LIMIT, HANGS, move || {
        let pages = fetch_all(urls(5), move |url| {
            lock(&log.ran_on).push(thread::current().id());
            page_of(&url)
        });
        (thread::current().id(), pages)
    });
    assert_eq!(pages.len(), 5, "5 urls should give 5 pages");
    let ran_on = lock(&log.ran_on).clone();
    assert!(
        !ran_on.contains(&caller),
        "a fetch ran on the thread that called fetch_all: every fetch belongs on a thread of \
         its own"
    );
    let distinct: HashSet<ThreadId> = ran_on.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        5,
        "5 fetches ran on {} distinct threads: start one thread per url",
        distinct.len()
    );
}

#[test]
fn fetches_overlap() {
    // Each fetch waits (up to 1 s) at a barrier until all 4 fetches have reached it.
    let log = new_log(4);
    let hangs = "fetch_all took over 2 s although each fetch waits at most 1 s for the others: \
                 the fetches ran one after another. Are you joining each thread right after \
                 spawning it, inside the loop?";
    let pages = within(LIMIT, hangs, move || {
        fetch_all(urls(4), move |url| {
            if let Err(arrived) = log.gate.wait(GATE_WAIT) {
                lock(&log.gate_errors).push(arrived);
            }
            page_of(&url)
        })
    });
    assert_eq!(pages.len(), 4, "4 urls should give 4 pages");
    let errors = lock(&log.gate_errors).clone();
    assert!(
        errors.is_empty(),
        "the fetches did not all run at the same time: fetches that waited 1 s for the others \
         saw only {errors:?} of 4 running. Start every thread first, then join them"
    );
}
