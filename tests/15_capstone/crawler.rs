// The hidden tests of crawler: each page once, `workers` fetches at once
// and never more, an end that waits for the last fetch, panics reported.
//
// - The web is the test's: random pages with ids from the whole u64 range,
//   random links (cycles, self-links, duplicates), seeds listed twice or
//   not at all, and pages nothing links to (never to be fetched). Two
//   crawls run at once over two webs of the same pages.
// - "Each page once": two pages fetched at the same moment (they meet at a
//   gate) both link to a third; its first fetch then waits until every
//   other thread of the process is idle, so a second worker that took the
//   same page (queued twice, or checked before the first fetch was
//   recorded) fetches it during that wait, every time.
// - "`workers` at once, never more": 1025-1088 workers (past every round
//   number a crawler might be capped at, 256, 512 and 1024 too), more
//   first-level pages than workers, each fetch held until the test has
//   seen `workers` of them running and then the process quiet: a cap below
//   `workers` never fills, a thread per page shows more. The root's fetch
//   returns once every other worker is idle, while a second seed's fetch
//   still runs, and once the process is quiet again every worker must have
//   taken a page: workers woken one at a time (or only when no fetch runs)
//   and left to a nap or a wait's time-out are blocked, and missing.
// - "The end waits for the last fetch": one page's fetch waits until the
//   pages found beside it are all fetched (a free worker goes on while one
//   is slow), then holds for 1.5 s while every other worker is idle (longer
//   than any timeout a crawler might take for the end; every 60 ms window
//   of it must be quiet: idle workers block), then returns `workers` new
//   pages whose fetches must all run at once: workers that stopped when
//   the frontier was empty are not there to fetch them. The seed's fetch
//   first waits until every other worker is idle; the pages beside the
//   slow one must then be fetched within `FIRST`, shorter than the pause:
//   a worker that naps instead of being woken misses that if it naps
//   longer than the pause, and wakes up inside the pause if it naps less.
// - The crawls that check concurrency come after one to four small ones:
//   a crawler that does right only in the process's first crawl is seen.
// - Panics: the test's fetch panics (silently) for some pages; each must be
//   reported under its page with that panic's payload, and the crawl go on.

use super::support::{Deliberate, Gate, Latch, Rng, deliberate_panic, lock, panic_message};
use super::support::{quiet, quiet_through, within};
use exercise::crawl;

use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Vec<u64>, usize, fn(u64) -> Vec<u64>) -> HashMap<u64, thread::Result<Vec<u64>>> =
    crawl::<fn(u64) -> Vec<u64>>;

const LIMIT: Duration = Duration::from_secs(2);
// Longer than any timeout a crawler might take for "the crawl is over".
const PAUSE: Duration = Duration::from_millis(1500);
// How long the few pages beside the slow one may take (a few trivial
// fetches), from the moment the seed's fetch saw every other worker idle:
// shorter than the pause, so that an idle worker that naps from then (and
// is not woken) either misses this or wakes up inside the pause.
const FIRST: Duration = Duration::from_millis(1200);

type Results = HashMap<u64, thread::Result<Vec<u64>>>;

// A web of the test's: the links of each page, the seeds, and the pages a
// crawl from the seeds must fetch (with the ones whose fetch panics).
#[derive(Clone, Debug)]
struct Web {
    links: HashMap<u64, Vec<u64>>,
    seeds: Vec<u64>,
    panics: HashSet<u64>,
}

impl Web {
    // Every page reachable from the seeds through pages whose fetch does
    // not panic (a panicking page is fetched, but has no links).
    fn reachable(&self) -> HashSet<u64> {
        let mut seen: HashSet<u64> = HashSet::new();
        let mut queue: VecDeque<u64> = VecDeque::new();
        for &seed in &self.seeds {
            if seen.insert(seed) {
                queue.push_back(seed);
            }
        }
        while let Some(page) = queue.pop_front() {
            if self.panics.contains(&page) {
                continue;
            }
            for &link in self.links.get(&page).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(link) {
                    queue.push_back(link);
                }
            }
        }
        seen
    }
}

fn distinct_ids(rng: &mut Rng, n: usize, taken: &mut HashSet<u64>) -> Vec<u64> {
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let id = rng.next_u64();
        if taken.insert(id) {
            ids.push(id);
        }
    }
    ids
}

// Random links over `pages`: cycles, self-links and duplicates included.
fn random_links(rng: &mut Rng, pages: &[u64]) -> HashMap<u64, Vec<u64>> {
    let mut links = HashMap::new();
    for &page in pages {
        let mut out: Vec<u64> = (0..rng.below(5))
            .map(|_| pages[rng.below(pages.len())])
            .collect();
        if rng.below(6) == 0 {
            out.push(page);
        }
        if !out.is_empty() && rng.below(4) == 0 {
            let again = out[rng.below(out.len())];
            out.push(again);
        }
        links.insert(page, out);
    }
    links
}

// A random web over `pages`, plus `orphans` pages that link into it but
// that nothing links to.
fn random_web(rng: &mut Rng, pages: &[u64], orphans: &[u64]) -> Web {
    let mut links = random_links(rng, pages);
    for &orphan in orphans {
        let out = if pages.is_empty() {
            vec![orphan]
        } else {
            (0..1 + rng.below(3))
                .map(|_| pages[rng.below(pages.len())])
                .collect()
        };
        links.insert(orphan, out);
    }
    let seeds = if pages.is_empty() {
        Vec::new()
    } else {
        let mut seeds: Vec<u64> = (0..rng.below(4))
            .map(|_| pages[rng.below(pages.len())])
            .collect();
        if !seeds.is_empty() && rng.below(3) == 0 {
            seeds.push(seeds[0]);
        }
        seeds
    };
    Web {
        links,
        seeds,
        panics: HashSet::new(),
    }
}

// What the test's fetch saw.
#[derive(Default)]
struct Seen {
    calls: Mutex<HashMap<u64, usize>>,
    running: AtomicUsize,
    most_running: AtomicUsize,
}

impl Seen {
    fn enter(&self, page: u64) {
        *lock(&self.calls).entry(page).or_insert(0) += 1;
        let running = self.running.fetch_add(1, SeqCst) + 1;
        self.most_running.fetch_max(running, SeqCst);
    }

    fn leave(&self) {
        self.running.fetch_sub(1, SeqCst);
    }

    fn calls(&self, page: u64) -> usize {
        lock(&self.calls).get(&page).copied().unwrap_or(0)
    }
}

// The plain fetch of a web: counts its calls, yields (so that workers
// interleave), panics for the web's panicking pages.
fn fetcher(web: Arc<Web>, seen: Arc<Seen>) -> impl Fn(u64) -> Vec<u64> + Send + Sync + 'static {
    fetcher_meeting(web, seen, None)
}

// The same; the crawl's first fetch also waits at `start` (shared with
// another crawl: both have started before either finds a page).
fn fetcher_meeting(
    web: Arc<Web>,
    seen: Arc<Seen>,
    start: Option<Arc<Gate>>,
) -> impl Fn(u64) -> Vec<u64> + Send + Sync + 'static {
    let first = std::sync::atomic::AtomicBool::new(true);
    move |page| {
        if let Some(start) = &start {
            if first.swap(false, SeqCst) {
                let _ = start.wait(LIMIT);
            }
        }
        seen.enter(page);
        thread::yield_now();
        seen.leave();
        if web.panics.contains(&page) {
            deliberate_panic();
        }
        web.links.get(&page).cloned().unwrap_or_default()
    }
}

// Runs a crawl on a thread of its own, bounded by `limit`; a panic of the
// crawl itself becomes a message that says so.
#[track_caller]
fn run_crawl<F>(limit: Duration, hangs: &str, seeds: Vec<u64>, workers: usize, fetch: F) -> Results
where
    F: Fn(u64) -> Vec<u64> + Send + Sync + 'static,
{
    let outcome = within(limit, hangs, move || {
        panic::catch_unwind(AssertUnwindSafe(move || crawl(seeds, workers, fetch)))
            .map_err(|payload| panic_message(&payload))
    });
    match outcome {
        Ok(results) => results,
        Err(message) if message.contains("not yet implemented") => {
            panic!("crawl panicked: {message} (a todo!() is left)")
        }
        Err(message) => panic!(
            "crawl panicked: {message}. A fetch that panics is caught (catch_unwind) and \
             reported under its page; nothing else of the crawl should panic"
        ),
    }
}

// One to four crawls of one page, before the crawl a test checks: that
// one is not always the process's first (a crawler that does right only in
// its first crawl, with a `static` count, and cuts corners later, is seen).
fn warm_up(rng: &mut Rng) {
    for _ in 0..1 + rng.below(4) {
        let page = rng.next_u64();
        let results = run_crawl(
            LIMIT,
            "a crawl of one page that links nowhere did not end",
            vec![page],
            1 + rng.below(4),
            |_page: u64| Vec::new(),
        );
        assert!(
            results.len() == 1 && matches!(results.get(&page), Some(Ok(links)) if links.is_empty()),
            "a crawl of one page that links nowhere returned {results:?}"
        );
    }
}

// Fails unless `results` and the fetches are exactly what a crawl of `web`
// with `workers` workers gives.
#[track_caller]
fn check_crawl(what: &str, web: &Web, workers: usize, results: &Results, seen: &Seen) {
    let reachable = web.reachable();
    let calls = lock(&seen.calls).clone();
    let mut twice: Vec<(u64, usize)> = calls
        .iter()
        .filter(|&(_, &n)| n > 1)
        .map(|(&p, &n)| (p, n))
        .collect();
    twice.sort();
    if let Some(&(page, n)) = twice.first() {
        panic!(
            "{what}: page {page} was fetched {n} times ({} pages were fetched more than once): \
             each page must be fetched once. Two workers that find the same page must not both \
             put it on the frontier: check whether it was seen and mark it seen in one step, \
             under one lock, when it is found (not when its fetch is done)",
            twice.len()
        );
    }
    if let Some(page) = calls.keys().find(|page| !reachable.contains(page)) {
        panic!(
            "{what}: page {page} was fetched, but no page the crawl fetched links to it (and it \
             is no seed): fetch only the seeds and the pages their fetches link to"
        );
    }
    if let Some(page) = reachable.iter().find(|page| !calls.contains_key(page)) {
        panic!(
            "{what}: the crawl ended without fetching page {page}, which a fetched page links \
             to ({} of {} pages fetched)",
            calls.len(),
            reachable.len()
        );
    }
    for &page in &reachable {
        match results.get(&page) {
            None => panic!(
                "{what}: page {page} was fetched, but the result has no entry for it ({} entries, \
                 {} pages fetched)",
                results.len(),
                reachable.len()
            ),
            Some(Ok(links)) => {
                assert!(
                    !web.panics.contains(&page),
                    "{what}: the fetch of page {page} panicked, and the result says Ok({} links): \
                     a panicking fetch is reported as Err, with the payload of its panic (what \
                     catch_unwind gives), not as a page without links",
                    links.len()
                );
                assert!(
                    Some(links) == web.links.get(&page),
                    "{what}: the result of page {page} is Ok({links:?}), but its fetch returned \
                     {:?}: keep each page's links as its fetch returned them",
                    web.links.get(&page)
                );
            }
            Some(Err(payload)) => {
                assert!(
                    web.panics.contains(&page),
                    "{what}: the result of page {page} is Err({}), but its fetch did not panic",
                    panic_message(payload)
                );
                assert!(
                    payload.is::<Deliberate>(),
                    "{what}: the result of page {page} is an Err, but not with the payload of the \
                     fetch's panic ({}): report what catch_unwind gave",
                    panic_message(payload)
                );
            }
        }
    }
    assert!(
        results.len() == reachable.len(),
        "{what}: the result has {} entries, for {} pages fetched: one entry per fetched page",
        results.len(),
        reachable.len()
    );
    let most = seen.most_running.load(SeqCst);
    assert!(
        most <= workers,
        "{what}: {most} fetches ran at once, with workers = {workers}: never more than `workers`"
    );
}

#[test]
fn random_webs_two_at_once_each_page_once() {
    let mut rng = Rng::from_env();
    for round in 0..3 {
        let mut taken = HashSet::new();
        let count = if round == 0 {
            rng.below(4)
        } else {
            20 + rng.below(200)
        };
        let pages = distinct_ids(&mut rng, count, &mut taken);
        let orphans = {
            let n = 1 + rng.below(5);
            distinct_ids(&mut rng, n, &mut taken)
        };
        // Two webs over the same pages, crawled at the same time.
        let mut webs: Vec<Web> = (0..2)
            .map(|_| random_web(&mut rng, &pages, &orphans))
            .collect();
        // From round 1 on, the same seeds, and the first links to a page
        // both crawls must fetch; both first fetches meet at a gate, so
        // that each crawl has started when the other finds its pages.
        let start = (round > 0).then(|| {
            let mut seeds = vec![pages[0]];
            seeds.extend((0..rng.below(3)).map(|_| pages[2 + rng.below(pages.len() - 2)]));
            for web in &mut webs {
                web.seeds = seeds.clone();
                web.links.get_mut(&pages[0]).unwrap().push(pages[1]);
            }
            Arc::new(Gate::new(2))
        });
        let crawls: Vec<_> = webs
            .into_iter()
            .map(|web| {
                let workers = 1 + rng.below(8);
                let web = Arc::new(web);
                let seen = Arc::new(Seen::default());
                let fetch = fetcher_meeting(Arc::clone(&web), Arc::clone(&seen), start.clone());
                let seeds = web.seeds.clone();
                let handle = thread::spawn(move || {
                    run_crawl(
                        LIMIT,
                        "a crawl of a small web did not end: does a worker that finds the \
                         frontier empty wait for the fetches still running, and stop once none \
                         is (and none is left to take)?",
                        seeds,
                        workers,
                        fetch,
                    )
                });
                (web, seen, workers, handle)
            })
            .collect();
        for (i, (web, seen, workers, handle)) in crawls.into_iter().enumerate() {
            let results = match handle.join() {
                Ok(results) => results,
                Err(payload) => panic::resume_unwind(payload),
            };
            let what = format!(
                "two crawls at once over {} pages (ids from the whole u64 range), crawl {} of them \
                 (workers = {workers}, seeds {:?})",
                pages.len(),
                i + 1,
                web.seeds
            );
            check_crawl(&what, &web, workers, &results, &seen);
        }
    }
}

#[test]
fn empty_and_tiny_webs_end() {
    let mut rng = Rng::from_env();
    let workers = 1 + rng.below(160);
    let seen = Arc::new(Seen::default());
    let fetch = {
        let seen = Arc::clone(&seen);
        move |page| {
            seen.enter(page);
            seen.leave();
            vec![]
        }
    };
    let results = run_crawl(
        LIMIT,
        "a crawl with no seeds did not end: with nothing on the frontier and no fetch running, \
         the crawl is over at once (do the workers wait for a first page, or for a fetch to \
         end?)",
        Vec::new(),
        workers,
        fetch,
    );
    assert!(
        results.is_empty() && lock(&seen.calls).is_empty(),
        "a crawl with no seeds fetched {} pages and returned {} results: nothing to fetch",
        lock(&seen.calls).len(),
        results.len()
    );

    // One page, listed three times, that links to itself twice.
    let page = rng.next_u64();
    let seen = Arc::new(Seen::default());
    let fetch = {
        let seen = Arc::clone(&seen);
        move |p: u64| {
            seen.enter(p);
            seen.leave();
            vec![p, p]
        }
    };
    let results = run_crawl(
        LIMIT,
        "a crawl of one page that links to itself did not end",
        vec![page, page, page],
        1 + rng.below(4),
        fetch,
    );
    let calls = seen.calls(page);
    assert!(
        calls == 1,
        "the seeds were [{page}, {page}, {page}] (one page listed three times), and page {page} \
         was fetched {calls} times: each page once, seeds too"
    );
    match results.get(&page) {
        Some(Ok(links)) if links == &[page, page] && results.len() == 1 => {}
        _ => panic!(
            "a crawl of one page that links to itself twice returned {results:?}: expected one \
             entry, Ok([{page}, {page}])"
        ),
    }
}

#[test]
fn a_page_two_workers_find_together_is_fetched_once() {
    let mut rng = Rng::from_env();
    warm_up(&mut rng);
    let workers = 2 + rng.below(30);
    let mut taken = HashSet::new();
    let ids = distinct_ids(&mut rng, 4, &mut taken);
    let (a, b, x, y) = (ids[0], ids[1], ids[2], ids[3]);
    let mut links = HashMap::new();
    links.insert(a, vec![x, x, a, b]);
    links.insert(b, vec![x, a, x]);
    links.insert(x, vec![y, x]);
    links.insert(y, vec![x, a]);
    let web = Arc::new(Web {
        links,
        seeds: vec![a, b],
        panics: HashSet::new(),
    });
    let seen = Arc::new(Seen::default());
    let gate = Arc::new(Gate::new(2));
    let fetch = {
        let (web, seen, gate) = (Arc::clone(&web), Arc::clone(&seen), Arc::clone(&gate));
        move |page: u64| {
            seen.enter(page);
            if page == a || page == b {
                // A and B are fetched at the same time, and both find X.
                let _ = gate.wait(LIMIT);
            }
            if page == x {
                // Every other worker may take a page now: if X is on the
                // frontier twice, or a worker checks whether X was fetched
                // before this fetch is recorded, it takes X now.
                let _ = quiet::wait_until_quiet();
            }
            seen.leave();
            web.links[&page].clone()
        }
    };
    let results = run_crawl(
        LIMIT * 3,
        "a crawl of four pages did not end",
        web.seeds.clone(),
        workers,
        fetch,
    );
    if let Some(arrived) = gate.timed_out() {
        panic!(
            "the two seeds' fetches wait for each other, but only {arrived} ran at once \
             (workers = {workers}): the crawl must run up to `workers` fetches at the same time"
        );
    }
    check_crawl(
        &format!(
            "pages {a} and {b}, fetched at the same time, both link to page {x} (workers = \
             {workers})"
        ),
        &web,
        workers,
        &results,
        &seen,
    );
}

#[test]
fn runs_workers_fetches_at_once_and_never_more() {
    let mut rng = Rng::from_env();
    warm_up(&mut rng);
    // More workers than any machine has cores (they only wait, blocked),
    // and past every round number a crawler might be capped at (256, 512
    // and 1024 too).
    let workers = 1025 + rng.below(64);
    let first = workers + 1 + rng.below(workers);
    let mut taken = HashSet::new();
    let ids = distinct_ids(&mut rng, 2, &mut taken);
    // The keeper, a second seed, is held like the first-level pages: the
    // root's pages come while another fetch runs (a crawler that wakes
    // every idle worker only when no fetch runs is seen too).
    let (root, keeper) = (ids[0], ids[1]);
    let level1 = distinct_ids(&mut rng, first, &mut taken);
    let level2 = {
        let n = 1 + rng.below(20);
        distinct_ids(&mut rng, n, &mut taken)
    };
    let orphans = {
        let n = 1 + rng.below(5);
        distinct_ids(&mut rng, n, &mut taken)
    };
    let mut links = HashMap::new();
    let mut out = level1.clone();
    out.push(root);
    out.push(level1[rng.below(first)]);
    rng.shuffle(&mut out);
    links.insert(root, out);
    for &page in &level1 {
        links.insert(
            page,
            vec![
                level2[rng.below(level2.len())],
                root,
                level1[rng.below(first)],
            ],
        );
    }
    for &page in &level2 {
        links.insert(page, vec![level2[rng.below(level2.len())]]);
    }
    for &page in &orphans {
        links.insert(page, vec![root, level1[0]]);
    }
    links.insert(keeper, vec![root]);
    let web = Arc::new(Web {
        links,
        seeds: vec![keeper, root],
        panics: HashSet::new(),
    });
    let level1_set: Arc<HashSet<u64>> = Arc::new(level1.iter().copied().collect());
    let seen = Arc::new(Seen::default());
    // First-level fetches that started; whether they may return.
    let arrived = Arc::new(Latch::new(0_usize));
    let release = Arc::new(Latch::new(false));
    let keeping = Arc::new(Latch::new(false));
    let fetch = {
        let (web, seen) = (Arc::clone(&web), Arc::clone(&seen));
        let (arrived, release) = (Arc::clone(&arrived), Arc::clone(&release));
        move |page: u64| {
            seen.enter(page);
            if page == keeper {
                keeping.update(|k| *k = true);
                release.wait_until(LIMIT * 4, |&go| go);
            } else if page == root {
                keeping.wait_until(LIMIT * 2, |&k| k);
                // Every other worker has started and looked for a page (and
                // found none): the root's pages must wake them.
                let deadline = Instant::now() + LIMIT;
                while Instant::now() < deadline && quiet::wait_until_quiet().is_err() {}
            } else if level1_set.contains(&page) {
                arrived.update(|n| *n += 1);
                // Well beyond the test's wait for them all to run: a fetch
                // that gave up waiting would let a capped crawl run through
                // the pages and look like `workers` of them.
                release.wait_until(LIMIT * 4, |&go| go);
            }
            seen.leave();
            web.links[&page].clone()
        }
    };
    let (done_tx, done_rx) = mpsc::channel();
    {
        let seeds = web.seeds.clone();
        thread::spawn(move || {
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(move || crawl(seeds, workers, fetch)))
                    .map_err(|payload| panic_message(&payload));
            let _ = done_tx.send(outcome);
        });
    }
    // Once the root's pages have come (a first one was taken), every idle
    // worker has been woken for them: by the time the process is quiet
    // (every thread blocked), all have taken one. A worker left to find
    // them after a nap or a wait's time-out is blocked, and missing.
    let deadline = Instant::now() + LIMIT * 2;
    if arrived.wait_until(LIMIT * 2, |&n| n >= 1)
        && !arrived.wait_until(LIMIT / 4, |&n| n + 1 >= workers)
    {
        while Instant::now() < deadline && quiet::wait_until_quiet().is_err() {}
    }
    // `workers - 1` of them, beside the keeper.
    let filled = arrived.update(|n| *n) + 1 >= workers;
    let (quiet, running) = if filled {
        // Every worker is busy: nothing else may start, and nothing spin.
        let quiet = quiet::wait_until_quiet();
        let running = seen.running.load(SeqCst);
        // `workers` fetches held at once, and still held.
        (Some(quiet).filter(|_| running >= workers), running)
    } else {
        (None, seen.running.load(SeqCst))
    };
    release.update(|go| *go = true);
    let results = match done_rx.recv_timeout(LIMIT * 2) {
        Ok(Ok(results)) => results,
        Ok(Err(message)) => panic!("crawl panicked: {message}"),
        Err(_) => panic!(
            "a crawl of {} pages with {workers} workers did not end within {:?}",
            web.reachable().len(),
            LIMIT * 2
        ),
    };
    let Some(quiet) = quiet else {
        panic!(
            "the root links to {first} pages, and each of their fetches waits (as does the \
             other seed's); but only {running} fetches were running at once when every thread \
             was idle, with workers = {workers}: the crawl must run `workers` fetches at the \
             same time (not a fixed number, not the number of CPUs), and wake every idle worker \
             when pages come (notify_all, also while other fetches run), not leave them to a \
             nap or a wait's time-out"
        );
    };
    assert!(
        running <= workers,
        "the root links to {first} pages, and each of their fetches waits: {running} of them \
         were running at once, with workers = {workers}: never more than `workers` fetches at \
         once (a fixed set of `workers` threads that take pages from the frontier)"
    );
    quiet::assert_quiet(
        quiet,
        "the crawl",
        "fetches that were all running (every worker busy)",
    );
    check_crawl(
        &format!("a crawl with workers = {workers}, whose root links to {first} pages"),
        &web,
        workers,
        &results,
        &seen,
    );
}

// The fetches of the pages a slow fetch returned at once: counted as they
// start. The first to start watches the process until they all have, or
// until it is quiet (every other thread blocked) with some missing: then
// idle workers were not woken for the pages that wait for them (they nap,
// or wait for a timeout, instead of being notified, all of them).
struct LateWatch {
    started: Latch<usize>,
    watching: std::sync::atomic::AtomicBool,
    short: Mutex<Option<usize>>,
}

impl LateWatch {
    fn new() -> LateWatch {
        LateWatch {
            started: Latch::new(0),
            watching: std::sync::atomic::AtomicBool::new(false),
            short: Mutex::new(None),
        }
    }

    fn arrive(&self, workers: usize) {
        self.started.update(|n| *n += 1);
        if self.watching.swap(true, SeqCst) {
            return;
        }
        // Woken workers take them at once: only if some are missing after
        // a while does the watch look for a quiet process (a poller that
        // wakes up sooner is seen in the quiet stretch before).
        let deadline = Instant::now() + LIMIT;
        let mut all = self.started.wait_until(LIMIT / 4, |&n| n >= workers);
        while !all && Instant::now() < deadline {
            if quiet::wait_until_quiet().is_ok() {
                let started = self.started.update(|n| *n);
                if started < workers {
                    *lock(&self.short) = Some(started);
                }
                return;
            }
            all = self.started.update(|n| *n) >= workers;
        }
    }

    #[track_caller]
    fn check(&self, workers: usize, what: &str) {
        if let Some(started) = *lock(&self.short) {
            panic!(
                "{what} returned {workers} new pages (workers = {workers}), but only {started} \
                 of their fetches had started when every other thread was idle: the idle \
                 workers were not woken for the pages waiting on the frontier. Wake every \
                 waiting worker when pages come (notify_all), and let them wait without a \
                 timeout (not notify_one and a timed nap)"
            );
        }
    }
}

#[test]
fn the_crawl_waits_for_a_slow_fetch_before_it_ends() {
    let mut rng = Rng::from_env();
    warm_up(&mut rng);
    let workers = 2 + rng.below(39);
    let chain_len = 1 + rng.below(4);
    let q_len = 1 + rng.below(4);
    let mut taken = HashSet::new();
    let ids = distinct_ids(&mut rng, 3, &mut taken);
    let (s, a, b) = (ids[0], ids[1], ids[2]);
    let chain = distinct_ids(&mut rng, chain_len, &mut taken);
    let late = distinct_ids(&mut rng, workers, &mut taken);
    let last = distinct_ids(&mut rng, q_len, &mut taken);
    let mut links = HashMap::new();
    links.insert(s, vec![a, b, s]);
    links.insert(b, vec![chain[0]]);
    for (i, &page) in chain.iter().enumerate() {
        links.insert(page, vec![*chain.get(i + 1).unwrap_or(&b)]);
    }
    let mut a_links = late.clone();
    a_links.extend([s, a]);
    rng.shuffle(&mut a_links);
    links.insert(a, a_links);
    for (i, &page) in late.iter().enumerate() {
        links.insert(page, vec![last[i % q_len], late[(i + 1) % workers]]);
    }
    for &page in &last {
        links.insert(page, vec![s]);
    }
    let web = Arc::new(Web {
        links,
        seeds: vec![s],
        panics: HashSet::new(),
    });
    let late_set: Arc<HashSet<u64>> = Arc::new(late.iter().copied().collect());
    let chain_set: Arc<HashSet<u64>> = Arc::new(chain.iter().copied().collect());
    let seen = Arc::new(Seen::default());
    let chain_done = Arc::new(Latch::new(0_usize));
    let gate = Arc::new(Gate::new(workers));
    let late_watch = Arc::new(LateWatch::new());
    // (chain pages fetched while A's fetch waited for them, how the pause
    // went)
    let pause: Arc<Mutex<Option<(usize, Option<quiet_through::Stretch>)>>> = Arc::default();
    // When the seed's fetch saw every other worker idle.
    let s_done: Arc<OnceLock<Instant>> = Arc::default();
    let fetch = {
        let (web, seen, gate) = (Arc::clone(&web), Arc::clone(&seen), Arc::clone(&gate));
        let late_watch = Arc::clone(&late_watch);
        let (chain_done, pause) = (Arc::clone(&chain_done), Arc::clone(&pause));
        let s_done = Arc::clone(&s_done);
        move |page: u64| {
            seen.enter(page);
            if page == s {
                // Every other worker has looked for a page and found none
                // (a worker that naps instead of waiting naps from now).
                let _ = quiet::wait_until_quiet();
                let _ = s_done.set(Instant::now());
            } else if page == a {
                // The pages found beside A are crawled while A is slow.
                let left = FIRST.saturating_sub(s_done.get().map_or(Duration::ZERO, Instant::elapsed));
                let chain_fetched = chain_done.wait_until(left, |&n| n >= chain_len);
                let fetched = chain_done.update(|n| *n);
                let stretch = chain_fetched.then(|| quiet_through::watch(PAUSE));
                *lock(&pause) = Some((fetched, stretch));
            } else if late_set.contains(&page) {
                late_watch.arrive(workers);
                let _ = gate.wait(LIMIT);
            }
            seen.leave();
            if chain_set.contains(&page) {
                chain_done.update(|n| *n += 1);
            }
            web.links[&page].clone()
        }
    };
    let results = run_crawl(
        PAUSE + LIMIT * 3,
        "a crawl with one slow page did not end: does a worker that finds the frontier empty \
         wait for the fetches still running, and stop once none is?",
        web.seeds.clone(),
        workers,
        fetch,
    );
    let Some((chain_fetched, stretch)) = lock(&pause).take() else {
        panic!(
            "crawl returned before page {a}'s fetch had returned (or without fetching it, though \
             the seed links to it): the crawl is over only when no fetch is running"
        );
    };
    assert!(
        chain_fetched >= chain_len,
        "the seed links to pages {a} and {b}; while {a} was being fetched, the pages behind \
         {b} were not (after {FIRST:?}, only {} of the {chain_len} pages in the chain behind \
         {b}), with workers = {workers}: a free worker takes the next page as soon as there is \
         one, however long another fetch takes (not level by level), and a worker waiting for \
         pages is woken when they come (notify_all), not left to look again after a nap",
        chain_fetched
    );
    if let Some(stretch) = stretch {
        quiet_through::assert_quiet(
            stretch,
            "the idle workers",
            "the pages a slow fetch was about to return",
            PAUSE,
        );
    }
    late_watch.check(
        workers,
        &format!("page {a}'s fetch, slow while every other worker was idle,"),
    );
    if let Some(arrived) = gate.timed_out() {
        panic!(
            "page {a}'s fetch took {PAUSE:?} while every other worker was idle and the frontier \
             empty, then it returned {workers} new pages, whose fetches wait for each other; only \
             {arrived} of them ran at once (workers = {workers}): did the other workers stop when \
             the frontier was empty for a moment? The crawl is over only when the frontier is \
             empty AND no fetch is running (keep count of the pages taken and not yet done), and \
             a worker waits for that without a timeout"
        );
    }
    check_crawl(
        &format!("a crawl with one slow page (workers = {workers})"),
        &web,
        workers,
        &results,
        &seen,
    );
}

#[test]
fn a_panicking_fetch_is_reported_and_the_crawl_goes_on() {
    let mut rng = Rng::from_env();
    let workers = 1 + rng.below(4);
    let mut taken = HashSet::new();
    let pages = {
        let n = 40 + rng.below(100);
        distinct_ids(&mut rng, n, &mut taken)
    };
    let orphans = {
        let n = 1 + rng.below(4);
        distinct_ids(&mut rng, n, &mut taken)
    };
    let mut web = random_web(&mut rng, &pages, &orphans);
    // A seed that links to many pages, so that enough pages are reached.
    let seed = distinct_ids(&mut rng, 1, &mut taken)[0];
    let fan: Vec<u64> = (0..10 + rng.below(20))
        .map(|_| pages[rng.below(pages.len())])
        .collect();
    web.links.insert(seed, fan);
    web.seeds.push(seed);
    // More panics than workers: each must leave its worker working.
    let wanted = workers + 1 + rng.below(3);
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut found: HashSet<u64> = HashSet::new();
    for &s in &web.seeds {
        if found.insert(s) {
            queue.push_back(s);
        }
    }
    while let Some(page) = queue.pop_front() {
        if web.panics.len() < wanted && rng.below(3) == 0 {
            web.panics.insert(page);
            continue;
        }
        for &link in &web.links[&page] {
            if found.insert(link) {
                queue.push_back(link);
            }
        }
    }
    let web = Arc::new(web);
    let seen = Arc::new(Seen::default());
    let fetch = fetcher(Arc::clone(&web), Arc::clone(&seen));
    let results = run_crawl(
        LIMIT,
        "a crawl in which some fetches panic did not end: does a panicking fetch end its worker \
         (catch_unwind keeps it working), or leave its page counted as running for ever?",
        web.seeds.clone(),
        workers,
        fetch,
    );
    check_crawl(
        &format!(
            "a crawl in which {} fetches panic (workers = {workers})",
            web.panics.len()
        ),
        &web,
        workers,
        &results,
        &seen,
    );

    // One worker: the seed links to pages on both sides of one that
    // panics, each of which links to one more page. Whether the worker
    // takes pages first in first out or last in first out, other pages
    // wait on the frontier when the panic comes: they are still fetched.
    let mut taken = HashSet::new();
    let ids = distinct_ids(&mut rng, 2, &mut taken);
    let (s, p) = (ids[0], ids[1]);
    let side = {
        let n = 4 + 2 * rng.below(3);
        distinct_ids(&mut rng, n, &mut taken)
    };
    let behind = distinct_ids(&mut rng, side.len(), &mut taken);
    let mut links = HashMap::new();
    let mut s_links = side.clone();
    s_links.insert(side.len() / 2, p);
    links.insert(s, s_links);
    links.insert(p, vec![s]);
    for (&page, &next) in side.iter().zip(&behind) {
        links.insert(page, vec![next]);
        links.insert(next, vec![]);
    }
    let web = Arc::new(Web {
        links,
        seeds: vec![s],
        panics: HashSet::from([p]),
    });
    let seen = Arc::new(Seen::default());
    let fetch = fetcher(Arc::clone(&web), Arc::clone(&seen));
    let results = run_crawl(
        LIMIT,
        "a crawl with one worker and one panicking fetch did not end: does the panic end the \
         worker (catch_unwind keeps it working)?",
        web.seeds.clone(),
        1,
        fetch,
    );
    check_crawl(
        "one worker; the seed links to a page whose fetch panics, between pages that link on: \
         the crawl goes on after the panic, with every page found",
        &web,
        1,
        &results,
        &seen,
    );
}
