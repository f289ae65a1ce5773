use exercise::fetch_all;

use super::support::{
    Blocker, Gate, Latch, QuietReturn, RankedEndProbe, Rng, ThreadIds, Turns, assert_blocks_through_stretch, block, lock,
    long_hold, process_cpu_time, quiet, random_ranks, ranked_end_probe_holding, ranks_to_probe, within,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Vec<String>, fn(String) -> String) -> Vec<String> = fetch_all::<fn(String) -> String>;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const STRETCH: Duration = Duration::from_millis(150);
/// How many calls `returns_soon` checks.
const SOON_CALLS: usize = 4;
const HANGS: &str = "fetch_all did not return: is every thread joined exactly once?";

/// `n` distinct urls in random order (not sorted, not numbered by position).
fn random_urls(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut ids: Vec<u64> = Vec::new();
    while ids.len() < n {
        let id = rng.range(0..100_000);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.iter()
        .map(|id| format!("https://example.com/{id}"))
        .collect()
}

fn page_of(url: &str) -> String {
    format!("<page of {url}>")
}

#[test]
fn pages_come_back_in_url_order() {
    // The fetches finish in a random order, not in url order.
    static RANKS: OnceLock<HashMap<String, usize>> = OnceLock::new();
    let mut rng = Rng::from_env();
    let n = rng.range(3..10) as usize;
    let urls = random_urls(&mut rng, n);
    let ranks = random_ranks(&mut rng, urls.len());
    RANKS
        .set(urls.iter().cloned().zip(ranks).collect())
        .unwrap();
    let turns = Turns::new();
    let pages = within(LIMIT, HANGS, {
        let urls = urls.clone();
        move || {
            fetch_all(urls, move |url| {
                turns.wait_for(RANKS.get().unwrap()[&url]);
                page_of(&url)
            })
        }
    });
    assert!(
        !turns.gave_up(),
        "the test makes the fetches finish in an order it chooses, which needs them all \
         running at the same time, but a fetch waited 1 s for the others: start every thread \
         first, then join them"
    );
    let expected: Vec<String> = urls.iter().map(|u| page_of(u)).collect();
    assert!(
        pages == expected,
        "the fetches finished in a random order; the pages must still come in url order (join \
         the handles in the order you started them).\n urls: {urls:?}\npages: {pages:?}"
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
    let mut rng = Rng::from_env();
    let n = rng.range(4..10) as usize;
    let mut urls = random_urls(&mut rng, n);
    // The same url twice is still two fetches.
    urls.push(urls[0].clone());
    rng.shuffle(&mut urls);
    let expected: Vec<String> = urls.iter().map(|u| page_of(u)).collect();
    let count = urls.len();
    let (caller, pages) = within(LIMIT, HANGS, move || {
        let pages = fetch_all(urls, move |url| {
            RAN_ON.record();
            page_of(&url)
        });
        (thread::current().id(), pages)
    });
    assert!(
        pages == expected,
        "{count} urls (one of them twice) should give {count} pages in url order, got {pages:?}"
    );
    RAN_ON.assert_caller_absent(
        caller,
        "a fetch ran on the thread that called fetch_all: every fetch belongs on a thread of \
         its own",
    );
    RAN_ON.assert_distinct(
        count,
        &format!("{count} fetches (one url twice)"),
        "start one thread per url, repeated urls included",
    );
}

#[test]
fn fetches_overlap() {
    // More fetches than any machine has cores, and than any round cap (64,
    // 128, 256, 512, 1024): each waits (up to 1 s) at a barrier until all of
    // them have reached it.
    static GATE: OnceLock<Gate> = OnceLock::new();
    let mut rng = Rng::from_env();
    let count = rng.range(1025..1089) as usize;
    GATE.set(Gate::new(count)).unwrap();
    let urls = random_urls(&mut rng, count);
    let expected: Vec<String> = urls.iter().map(|u| page_of(u)).collect();
    let hangs = "fetch_all took over 2 s although each fetch waits at most 1 s for the others: \
                 the fetches ran one after another. Are you joining each thread right after \
                 spawning it, inside the loop?";
    let pages = within(LIMIT, hangs, move || {
        fetch_all(urls, move |url| {
            let _ = GATE.get().unwrap().wait(GATE_WAIT);
            page_of(&url)
        })
    });
    if let Some(arrived) = GATE.get().unwrap().timed_out() {
        panic!(
            "the fetches did not all run at the same time: a fetch that waited 1 s for the \
             others saw only {arrived} of {count} running. Start every thread first, then join \
             them (no fixed number at a time: waiting threads cost no CPU)"
        );
    }
    assert!(pages == expected, "{count} urls: wrong pages {pages:?}");
}

/// What a fetch of `fetch_for` does besides returning the page.
#[derive(Clone, Copy)]
enum Role {
    Plain,
    /// Arms the probe, waits until every fetch of the call has, and (one
    /// fetch of the test) waits until the rest of the process is quiet, so
    /// that the call takes as long as a `Quiet` one.
    Probed(&'static RankedEndProbe, &'static Gate),
    /// One fetch waits until the rest of the process is quiet, notes when.
    Quiet(&'static QuietReturn),
    /// Blocks until the test releases it.
    Blocked(&'static Blocker),
}

static QUIET_TAKEN: AtomicBool = AtomicBool::new(false);

/// One closure type and the same pages for the timing call, the probed calls
/// and the call that must return soon: the code cannot tell them apart.
fn fetch_for(role: Role) -> impl Fn(String) -> String + Copy + Send + 'static {
    move |url| {
        match role {
            Role::Plain => {}
            Role::Probed(probe, gate) => {
                probe.arm();
                let _ = gate.wait(GATE_WAIT);
                if !QUIET_TAKEN.swap(true, Ordering::SeqCst) {
                    let _ = quiet::wait_until_quiet();
                }
            }
            Role::Quiet(quiet) => quiet.wait(),
            Role::Blocked(blocker) => block(blocker),
        }
        page_of(&url)
    }
}

#[test]
fn returns_only_after_every_thread_ended() {
    let mut rng = Rng::from_env();
    let n = rng.range(2..8) as usize;
    let urls = random_urls(&mut rng, n);
    let expected: Vec<String> = urls.iter().map(|u| page_of(u)).collect();
    // How long fetch_all takes with fetches that do nothing...
    let quick = within(LIMIT, HANGS, {
        let urls = urls.clone();
        move || {
            let started = Instant::now();
            fetch_all(urls, fetch_for(Role::Plain));
            started.elapsed()
        }
    });
    // ...then, side by side, one call per thread to hold: each holds the
    // thread it started `rank`-th longer than that (and longer than
    // `returns_soon_after_every_thread_ended` lets a call take), so a thread
    // left unjoined, whichever it is, is still ending when its call returns.
    let hold = long_hold(quick);
    let calls: Vec<_> = ranks_to_probe(n, 8, &mut rng)
        .into_iter()
        .map(|rank| {
            let probe = ranked_end_probe_holding(hold, rank);
            let gate: &'static Gate = Box::leak(Box::new(Gate::new(n)));
            let urls = urls.clone();
            thread::spawn(move || {
                let pages = fetch_all(urls, fetch_for(Role::Probed(probe, gate)));
                (pages, probe.returned(), rank)
            })
        })
        .collect();
    let limit = hold * 2 + LIMIT;
    let results = within(limit, HANGS, move || {
        calls.into_iter().map(|call| call.join()).collect::<Vec<_>>()
    });
    for result in results {
        let (pages, (armed, ended), rank) = match result {
            Ok(done) => done,
            Err(payload) => panic::resume_unwind(payload),
        };
        assert!(
            armed == n && pages == expected,
            "{n} urls, but {armed} fetches and the pages {pages:?}"
        );
        assert!(
            ended == armed,
            "fetch_all returned while the thread it started {} (of {n}) was still ending (its \
             thread-locals were still being dropped): only JoinHandle::join waits until a \
             thread has ended, and every thread must be joined. A sleep, a channel, \
             is_finished() or thread::scope only see the fetches' closures return",
            ordinal(rank, n)
        );
    }
}

fn ordinal(rank: usize, n: usize) -> String {
    match rank {
        0 => "first".to_string(),
        r if r + 1 == n => "last".to_string(),
        r => format!("{}-th", r + 1),
    }
}

#[test]
fn waits_without_spinning() {
    blocked_call_stays_quiet();
}

/// The same check in a process of its own: code that naps for a random
/// time (long enough to sleep through one stretch by luck) must be that
/// lucky twice, and short enough for every `returns_soon` call too.
#[test]
fn waits_without_napping() {
    blocked_call_stays_quiet();
}

fn blocked_call_stays_quiet() {
    let mut rng = Rng::from_env();
    let n = rng.range(2..6) as usize;
    let urls = random_urls(&mut rng, n);
    let expected: Vec<String> = urls.iter().map(|u| page_of(u)).collect();
    // A first call, then the one that counts.
    let first = within(LIMIT, HANGS, {
        let urls = urls.clone();
        move || fetch_all(urls, fetch_for(Role::Plain))
    });
    assert!(first == expected, "{n} urls: wrong pages {first:?}");
    let pages = assert_blocks_through_stretch(n, "fetch_all", HANGS, move |blocker| {
        fetch_all(urls, fetch_for(Role::Blocked(blocker)))
    });
    assert!(pages == expected, "{n} urls: wrong pages {pages:?}");
}

#[test]
fn returns_soon_after_every_thread_ended() {
    let mut rng = Rng::from_env();
    let n = rng.range(2..6) as usize;
    let urls = random_urls(&mut rng, n);
    let expected: Vec<String> = urls.iter().map(|u| page_of(u)).collect();
    // A first call, then the one that counts.
    let first = within(LIMIT, HANGS, {
        let urls = urls.clone();
        move || fetch_all(urls, fetch_for(Role::Plain))
    });
    assert!(first == expected, "{n} urls: wrong pages {first:?}");
    // Several that count: code that naps for a random time must be lucky
    // every time.
    for _ in 0..SOON_CALLS {
        let quiet: &'static QuietReturn = Box::leak(Box::new(QuietReturn::new()));
        let (pages, returned) = within(LIMIT, HANGS, {
            let urls = urls.clone();
            move || {
                let pages = fetch_all(urls, fetch_for(Role::Quiet(quiet)));
                (pages, Instant::now())
            }
        });
        assert!(pages == expected, "{n} urls: wrong pages {pages:?}");
        quiet.check(returned, "fetch_all");
    }
}
