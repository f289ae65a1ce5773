use exercise::fetch_all;

use super::support::{Gate, ThreadIds, within};
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "fetch_all did not return: is every thread joined exactly once?";

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
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static RAN_ON: ThreadIds = ThreadIds::new();
    let (caller, pages) = within(LIMIT, HANGS, move || {
        let pages = fetch_all(urls(5), move |url| {
            RAN_ON.record();
            page_of(&url)
        });
        (thread::current().id(), pages)
    });
    assert_eq!(pages.len(), 5, "5 urls should give 5 pages");
    RAN_ON.assert_caller_absent(
        caller,
        "a fetch ran on the thread that called fetch_all: every fetch belongs on a thread of \
         its own",
    );
    RAN_ON.assert_distinct(5, "5 fetches", "start one thread per url");
}

#[test]
fn fetches_overlap() {
    // Each fetch waits (up to 1 s) at a barrier until all 4 fetches have reached it.
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static GATE: Gate = Gate::new(4);
    let hangs = "fetch_all took over 2 s although each fetch waits at most 1 s for the others: \
                 the fetches ran one after another. Are you joining each thread right after \
                 spawning it, inside the loop?";
    let pages = within(LIMIT, hangs, move || {
        fetch_all(urls(4), move |url| {
            let _ = GATE.wait(GATE_WAIT);
            page_of(&url)
        })
    });
    assert_eq!(pages.len(), 4, "4 urls should give 4 pages");
    if let Some(arrived) = GATE.timed_out() {
        panic!(
            "the fetches did not all run at the same time: a fetch that waited 1 s for the \
             others saw only {arrived} of 4 running. Start every thread first, then join them"
        );
    }
}
