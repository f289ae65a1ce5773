// The hidden tests of crawler_shutdown: the results come as a stream; a
// consumer that stops early stops the crawl, and `drop` joins its workers.
//
// - Every worker is probed: the test's fetch arms a thread-end probe on the
//   thread that runs it. A probed thread, as it ends, holds until `drop`
//   has returned, or for a time well beyond any fixed wait (three times a
//   first measured crawl, drop included, so beyond any wait inside it):
//   only `join` waits for it. And each worker on its own: crawls of a few
//   workers, one per rank, whose probe holds only the worker spawned
//   rank-th, so that a `drop` that joins all workers but one (the first,
//   the last, any) returns while that one still holds. One of those
//   crawls has 1025-1088 workers, all fetching at once (past any cap), its
//   last worker probed (a drop that joins only the first 64 or 1024 is
//   caught every time).
// - "No fetch starts after drop": when the consumer drops the crawl, every
//   worker is inside a fetch the test holds (a web with no end), or idle
//   while the only running fetch is held; the test waits until the process
//   is quiet (drop has cancelled and waits), then lets the held fetches
//   return, with new links. Any fetch that starts after the consumer began
//   to drop is recorded, and fails the test.
// - The stream waits for a slow fetch: one fetch holds for 1.5 s while the
//   consumer waits in next() and every other worker is idle (every 60 ms
//   window quiet), then returns new pages whose fetches all run at once;
//   next() returns None only once the crawl is over. A keeper page's fetch
//   (found at the end of the chain) runs while those pages come, and the
//   first of their fetches watches: once the process is quiet, every free
//   worker must have taken one (not woken one at a time, or only when no
//   fetch runs, and left to a wait's time-out). The seed's fetch
//   first waits until every other thread is idle; the results before the
//   slow fetch must then come within `FIRST`, shorter than the pause: a
//   consumer that naps between looks misses that if it naps longer than
//   the pause, and wakes up inside the pause if it naps less.
// - Panics: some fetches panic (silently): each is reported on the stream
//   under its page, with that panic's payload; no other panic anywhere.

use super::support::{Deliberate, Gate, Latch, Rng, at_thread_end, deliberate_panic, lock};
use super::support::{RankedEndProbe, panic_message, quiet, quiet_through, ranks_to_probe, within};
use exercise::{Crawl, crawl};

use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, Once, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Vec<u64>, usize, fn(u64) -> Vec<u64>) -> Crawl = crawl::<fn(u64) -> Vec<u64>>;
const _: fn(&mut Crawl) -> Option<(u64, thread::Result<Vec<u64>>)> = <Crawl as Iterator>::next;

const LIMIT: Duration = Duration::from_secs(2);
// Longer than any timeout a stream might take for "the crawl is over".
const PAUSE: Duration = Duration::from_millis(1500);
// How long the few results before the slow fetch may take to reach the
// consumer, from the moment the seed's fetch saw every other thread idle:
// shorter than the pause, so that a consumer (or worker) that naps from
// then between looks either misses this or wakes up inside the pause.
const FIRST: Duration = Duration::from_millis(1200);

type Item = (u64, thread::Result<Vec<u64>>);

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

// Panics anywhere in this process but the test's own deliberate ones,
// counted, and reported as usual the first time their message is seen.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let report = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if info.payload().is::<Deliberate>() {
                return;
            }
            PANICS.fetch_add(1, SeqCst);
            static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let mut seen = lock(&SEEN);
            if seen.contains(&message) {
                return;
            }
            seen.push(message);
            drop(seen);
            report(info);
        }));
    });
}

#[track_caller]
fn check_no_panics(when: &str) {
    let panics = PANICS.load(SeqCst);
    assert!(
        panics == 0,
        "{when}, there were {panics} panics (see above): a consumer that stops early is no \
         error, and a failed send only means that nobody takes results any more: stop there"
    );
}

// A thread-end probe: a probed thread, as it ends, holds until the test has
// seen `drop` return, or for `hold`. So a `drop` that joins returns after
// every probed thread has ended; one that does not returns while they hold.
struct EndProbe {
    hold: Duration,
    // (armed, ended, drop returned)
    state: Mutex<(usize, usize, bool)>,
    changed: Condvar,
}

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

impl EndProbe {
    // `quick`: how long a whole small crawl took, drop included; the hold is
    // well beyond. Its cap is beyond the 2 s `quick_run` gives a crawl, so
    // that a drop that sleeps instead of joining sleeps less than the hold.
    fn new(quick: Duration) -> &'static EndProbe {
        let hold = (Duration::from_millis(120) + quick * 3).min(Duration::from_millis(2500));
        Box::leak(Box::new(EndProbe {
            hold,
            state: Mutex::new((0, 0, false)),
            changed: Condvar::new(),
        }))
    }

    // Called by the test's fetch, on the thread that runs it.
    fn arm(&'static self) {
        if ARMED.with(|armed| armed.replace(true)) {
            return;
        }
        lock(&self.state).0 += 1;
        at_thread_end(move || {
            let deadline = Instant::now() + self.hold;
            let mut state = lock(&self.state);
            while !state.2 {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = self
                    .changed
                    .wait_timeout(state, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            state.1 += 1;
        });
    }

    // Right after drop returned, on its thread: (threads armed, ended).
    fn returned(&self) -> (usize, usize) {
        let mut state = lock(&self.state);
        state.2 = true;
        self.changed.notify_all();
        (state.0, state.1)
    }

    fn limit(&self) -> Duration {
        self.hold * 2 + LIMIT
    }
}

#[track_caller]
fn check_ended(armed: usize, ended: usize, when: &str) {
    assert!(
        armed > 0,
        "{when}: the test's fetch never ran on a worker thread"
    );
    assert!(
        ended == armed,
        "{when}, drop returned while {} of the {armed} worker threads had not ended yet: drop \
         must wait for every worker (join each one), not for a while, and not only for some",
        armed - ended
    );
}

// How long a small crawl takes, taken to the end and dropped: the probe's
// hold is well beyond it (so beyond any fixed wait inside it).
fn quick_run(rng: &mut Rng) -> Duration {
    let mut taken = HashSet::new();
    let pages = distinct_ids(rng, 20, &mut taken);
    let web = Arc::new(random_web(rng, &pages, &[]));
    let seeds = vec![pages[0], pages[1]];
    let started = Instant::now();
    within(
        LIMIT,
        "a crawl of 20 pages, taken to the end and dropped, did not finish: does next() return \
         None once the crawl is over, and does drop return once the workers have ended?",
        move || {
            let fetch = move |page: u64| web.links.get(&page).cloned().unwrap_or_default();
            let mut stream = crawl(seeds, 3, fetch);
            for _ in stream.by_ref() {}
            drop(stream);
        },
    );
    started.elapsed()
}

// Runs `body` on a consumer thread of its own; a panic in it is kept, for
// `fail_if_panicked` to report.
type Panicked = Arc<Mutex<Option<String>>>;

fn run_consumer(panicked: &Panicked, body: impl FnOnce() + Send + 'static) {
    let slot = Arc::clone(panicked);
    thread::spawn(move || {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
            *lock(&slot) = Some(panic_message(&payload));
        }
    });
}

#[track_caller]
fn fail_if_panicked(panicked: &Panicked) {
    if let Some(message) = lock(panicked).clone() {
        panic!("the consumer thread's call of crawl, next or drop panicked: {message}");
    }
}

// The links of a page in a web with no end: two new pages, itself, and a
// page found long ago.
fn endless_links(salt: u64, page: u64, old: u64) -> Vec<u64> {
    let mix = |k: u64| {
        let mut z = (page ^ salt).wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    vec![mix(1), mix(2), page, old]
}

// Fetches started after the consumer began to drop the crawl.
#[derive(Default)]
struct AfterDrop {
    dropping: AtomicBool,
    pages: Mutex<Vec<u64>>,
}

impl AfterDrop {
    // True if the fetch of `page` starts after the drop began.
    fn record(&self, page: u64) -> bool {
        if self.dropping.load(SeqCst) {
            lock(&self.pages).push(page);
            return true;
        }
        false
    }

    #[track_caller]
    fn check(&self, when: &str) {
        let pages = lock(&self.pages).clone();
        if let Some(page) = pages.first() {
            panic!(
                "{when}, {} fetches started after the consumer began to drop the Crawl (the \
                 first: page {page}): once drop has begun, no fetch may start. drop sets a flag \
                 under the workers' lock and wakes them; a worker looks at it every time it is \
                 about to take a page (after every wake-up too), and the links of a fetch that \
                 ends after it are not followed",
                pages.len()
            );
        }
    }
}

#[test]
fn dropping_early_stops_the_fetches_and_joins_the_workers() {
    count_panics();
    let mut rng = Rng::from_env();
    let probe = EndProbe::new(quick_run(&mut rng));
    let workers = 1 + rng.below(24);
    let taken = rng.below(6);
    let salt = rng.next_u64();
    let seeds = {
        let n = workers + rng.below(4);
        distinct_ids(&mut rng, n, &mut HashSet::new())
    };
    let old = seeds[0];
    let after_drop = Arc::new(AfterDrop::default());
    let started = Arc::new(AtomicUsize::new(0));
    // Fetches held (every one after the first `taken`), and their release.
    let held = Arc::new(Latch::new(0_usize));
    let release = Arc::new(Latch::new(false));
    let fetch = {
        let (after_drop, started) = (Arc::clone(&after_drop), Arc::clone(&started));
        let (held, release) = (Arc::clone(&held), Arc::clone(&release));
        move |page: u64| {
            probe.arm();
            if after_drop.record(page) {
                return Vec::new();
            }
            if started.fetch_add(1, SeqCst) >= taken {
                held.update(|n| *n += 1);
                release.wait_until(LIMIT * 3, |&go| go);
            }
            endless_links(salt, page, old)
        }
    };
    let panicked = Panicked::default();
    let (got_tx, got_rx) = mpsc::channel::<Vec<Option<Item>>>();
    let (drop_tx, drop_rx) = mpsc::channel::<()>();
    let (dropped_tx, dropped_rx) = mpsc::channel();
    {
        let (seeds, after_drop) = (seeds.clone(), Arc::clone(&after_drop));
        run_consumer(&panicked, move || {
            let mut stream = crawl(seeds, workers, fetch);
            let got = (0..taken).map(|_| stream.next()).collect();
            let _ = got_tx.send(got);
            if drop_rx.recv().is_ok() {
                after_drop.dropping.store(true, SeqCst);
                let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(stream)));
                let (armed, ended) = probe.returned();
                let panicked = dropped.err().map(|payload| panic_message(&payload));
                let _ = dropped_tx.send((panicked, armed, ended));
            }
        });
    }
    let got = got_rx.recv_timeout(LIMIT * 2).unwrap_or_else(|_| {
        fail_if_panicked(&panicked);
        panic!(
            "the consumer did not get the first {taken} results within {:?} (workers = \
             {workers}, a web with no end)",
            LIMIT * 2
        )
    });
    let mut pages = HashSet::new();
    for (i, item) in got.iter().enumerate() {
        match item {
            Some((page, Ok(links))) if *links == endless_links(salt, *page, old) => {
                assert!(
                    pages.insert(*page),
                    "result {i} was page {page} again: each page is fetched once"
                );
            }
            Some((page, Ok(links))) => panic!(
                "result {i} was page {page} with links {links:?}, but its fetch returned {:?}",
                endless_links(salt, *page, old)
            ),
            Some((page, Err(payload))) => panic!(
                "result {i} was page {page} with an Err ({}), but no fetch panicked",
                panic_message(payload)
            ),
            None => panic!(
                "next() returned None after {i} results, in a web with no end: None means that \
                 the crawl is over"
            ),
        }
    }
    if !held.wait_until(LIMIT, |&n| n >= workers) {
        fail_if_panicked(&panicked);
        panic!(
            "after the first {taken} fetches, every fetch waits; but only {} fetches were \
             running at once after {LIMIT:?}, with workers = {workers} and pages to spare: the \
             crawl must run `workers` fetches at once (as in the crawler)",
            held.update(|n| *n)
        );
    }
    // Every worker is in a fetch: nothing else may start, nothing spin.
    let quiet_before = quiet::wait_until_quiet();
    let running = held.update(|n| *n);
    let _ = drop_tx.send(());
    // The consumer drops the crawl: once the process is quiet again, drop
    // has done what it does before it waits.
    let _ = quiet::wait_until_quiet();
    release.update(|go| *go = true);
    let dropped = dropped_rx.recv_timeout(probe.limit());
    after_drop.check(&format!(
        "the consumer took {taken} results and dropped the Crawl while all {workers} workers were \
         fetching"
    ));
    let Ok((drop_panicked, armed, ended)) = dropped else {
        fail_if_panicked(&panicked);
        panic!(
            "the consumer took {taken} results and dropped the Crawl while all {workers} workers \
             were fetching, and drop did not return within {:?} after those fetches had \
             returned: does it wait for workers that nothing stops (a worker waiting to send a \
             result that nobody takes, or one that goes on crawling)?",
            probe.limit()
        );
    };
    check_no_panics("after the consumer dropped the Crawl early");
    if let Some(message) = drop_panicked {
        panic!("the consumer dropped the Crawl early, and drop panicked: {message}");
    }
    assert!(
        running <= workers,
        "{running} fetches were running at once, with workers = {workers}: never more than \
         `workers`"
    );
    quiet::assert_quiet(quiet_before, "the crawl", "fetches that were all running");
    check_ended(armed, ended, "after the consumer dropped the Crawl early");
}

#[test]
fn dropping_while_workers_wait_for_pages_stops_them() {
    count_panics();
    let mut rng = Rng::from_env();
    let probe = EndProbe::new(quick_run(&mut rng));
    let workers = 2 + rng.below(20);
    let mut taken = HashSet::new();
    let ids = distinct_ids(&mut rng, 2, &mut taken);
    let (s, a) = (ids[0], ids[1]);
    let side = {
        let n = rng.below(5);
        distinct_ids(&mut rng, n, &mut taken)
    };
    let late = distinct_ids(&mut rng, workers, &mut taken);
    let mut s_links = side.clone();
    s_links.extend([a, s]);
    rng.shuffle(&mut s_links);
    let mut a_links = late.clone();
    a_links.push(s);
    let after_drop = Arc::new(AfterDrop::default());
    let a_started = Arc::new(Latch::new(false));
    let release = Arc::new(Latch::new(false));
    let fetch = {
        let (after_drop, a_started, release) = (
            Arc::clone(&after_drop),
            Arc::clone(&a_started),
            Arc::clone(&release),
        );
        let (s_links, a_links) = (s_links.clone(), a_links.clone());
        move |page: u64| {
            probe.arm();
            if after_drop.record(page) {
                return Vec::new();
            }
            if page == s {
                s_links.clone()
            } else if page == a {
                a_started.update(|go| *go = true);
                release.wait_until(LIMIT * 3, |&go| go);
                a_links.clone()
            } else {
                Vec::new()
            }
        }
    };
    // The consumer takes the results of S and of the pages beside A (A's
    // fetch is held), then drops the crawl when told.
    let expect = 1 + side.len();
    let panicked = Panicked::default();
    let (got_tx, got_rx) = mpsc::channel::<Vec<Option<Item>>>();
    let (drop_tx, drop_rx) = mpsc::channel::<()>();
    let (dropped_tx, dropped_rx) = mpsc::channel();
    {
        let after_drop = Arc::clone(&after_drop);
        run_consumer(&panicked, move || {
            let mut stream = crawl(vec![s], workers, fetch);
            let got = (0..expect).map(|_| stream.next()).collect();
            let _ = got_tx.send(got);
            if drop_rx.recv().is_ok() {
                after_drop.dropping.store(true, SeqCst);
                let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(stream)));
                let (armed, ended) = probe.returned();
                let panicked = dropped.err().map(|payload| panic_message(&payload));
                let _ = dropped_tx.send((panicked, armed, ended));
            }
        });
    }
    let got = got_rx.recv_timeout(LIMIT * 2).unwrap_or_else(|_| {
        fail_if_panicked(&panicked);
        panic!(
            "the consumer did not get the first {expect} results within {:?}",
            LIMIT * 2
        )
    });
    let mut want: HashMap<u64, Vec<u64>> = side.iter().map(|&p| (p, Vec::new())).collect();
    want.insert(s, s_links.clone());
    for item in &got {
        match item {
            Some((page, Ok(links))) if want.get(page) == Some(links) => {
                want.remove(page);
            }
            other => panic!(
                "the seed links to {} pages; one of them is held, the others link nowhere. The \
                 first {expect} results should be the seed's and those of the pages not held, \
                 each once; one was {other:?}",
                s_links.len() - 1
            ),
        }
    }
    assert!(
        a_started.wait_until(LIMIT, |&go| go),
        "the crawl never fetched page {a}, which the seed links to"
    );
    // A's fetch is held, every other worker idle, the frontier empty.
    let _ = quiet::wait_until_quiet();
    let _ = drop_tx.send(());
    let _ = quiet::wait_until_quiet();
    // A's fetch returns new pages, after drop has begun.
    release.update(|go| *go = true);
    let dropped = dropped_rx.recv_timeout(probe.limit());
    let when = format!(
        "the consumer dropped the Crawl while one fetch was running and the {} other workers \
         waited for pages (that fetch then returned {} new pages)",
        workers - 1,
        late.len()
    );
    after_drop.check(&when);
    let Ok((drop_panicked, armed, ended)) = dropped else {
        fail_if_panicked(&panicked);
        panic!(
            "{when}, and drop did not return within {:?}: are the workers that wait for a page \
             woken (notify_all) to see that the crawl is cancelled? A worker asleep on the \
             Condvar only looks again when notified. And a worker with a result in hand: can it \
             hand it over, or does it wait for room in a channel that nobody reads any more?",
            probe.limit()
        );
    };
    check_no_panics(&when);
    if let Some(message) = drop_panicked {
        panic!("{when}, and drop panicked: {message}");
    }
    check_ended(armed, ended, &when);
}

#[test]
fn the_stream_waits_for_a_slow_fetch_and_ends() {
    count_panics();
    let mut rng = Rng::from_env();
    let probe = EndProbe::new(quick_run(&mut rng));
    let workers = 2 + rng.below(39);
    let chain_len = 1 + rng.below(4);
    let q_len = 1 + rng.below(4);
    let mut taken = HashSet::new();
    let ids = distinct_ids(&mut rng, 4, &mut taken);
    let (s, a, b, k) = (ids[0], ids[1], ids[2], ids[3]);
    let chain = distinct_ids(&mut rng, chain_len, &mut taken);
    let late = distinct_ids(&mut rng, workers, &mut taken);
    let last = distinct_ids(&mut rng, q_len, &mut taken);
    let mut links = HashMap::new();
    links.insert(s, vec![a, b, s]);
    links.insert(b, vec![chain[0]]);
    for (i, &page) in chain.iter().enumerate() {
        links.insert(page, vec![*chain.get(i + 1).unwrap_or(&k), b]);
    }
    // The keeper, found at the end of the chain: its fetch runs while A is
    // slow, and holds until the pages A returns have been taken, so that
    // they come while another fetch runs.
    links.insert(k, vec![]);
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
    let late_set: HashSet<u64> = late.iter().copied().collect();
    let gate = Arc::new(Gate::new(workers));
    let late_watch = Arc::new(LateWatch::new(workers - 1));
    // Results the consumer has taken.
    let received = Arc::new(Latch::new(0_usize));
    // (results the consumer had while A waited for them, how the pause
    // went)
    let pause: Arc<Mutex<Option<(usize, Option<quiet_through::Stretch>)>>> = Arc::default();
    // When the seed's fetch saw every other thread idle.
    let s_done: Arc<OnceLock<Instant>> = Arc::default();
    let fetch = {
        let (web, gate) = (Arc::clone(&web), Arc::clone(&gate));
        let late_watch = Arc::clone(&late_watch);
        let (received, pause) = (Arc::clone(&received), Arc::clone(&pause));
        let s_done = Arc::clone(&s_done);
        move |page: u64| {
            probe.arm();
            if page == s {
                // Every other worker has looked for a page and found none,
                // and the consumer for a result (one that naps instead of
                // waiting naps from now).
                let _ = quiet::wait_until_quiet();
                let _ = s_done.set(Instant::now());
            } else if page == a {
                // S, B and the chain behind B: fetched and taken by the
                // consumer while A is slow.
                let left = FIRST.saturating_sub(s_done.get().map_or(Duration::ZERO, Instant::elapsed));
                let before = received.wait_until(left, |&n| n >= 2 + chain_len);
                let had = received.update(|n| *n);
                let stretch = before.then(|| quiet_through::watch(PAUSE));
                *lock(&pause) = Some((had, stretch));
            } else if page == k {
                late_watch.done.wait_until(PAUSE + LIMIT * 2, |&done| done);
            } else if late_set.contains(&page) {
                late_watch.arrive();
                let _ = gate.wait(LIMIT);
            }
            web.links[&page].clone()
        }
    };
    let panicked = Panicked::default();
    let (got_tx, got_rx) = mpsc::channel::<Vec<Item>>();
    let (dropped_tx, dropped_rx) = mpsc::channel();
    {
        let received = Arc::clone(&received);
        run_consumer(&panicked, move || {
            let mut stream = crawl(vec![s], workers, fetch);
            let mut got = Vec::new();
            for item in stream.by_ref() {
                got.push(item);
                received.update(|n| *n += 1);
            }
            let _ = got_tx.send(got);
            let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(stream)));
            let (armed, ended) = probe.returned();
            let panicked = dropped.err().map(|payload| panic_message(&payload));
            let _ = dropped_tx.send((panicked, armed, ended));
        });
    }
    let Ok(got) = got_rx.recv_timeout(PAUSE + LIMIT * 3) else {
        fail_if_panicked(&panicked);
        panic!(
            "a crawl of {} pages with one slow page did not end: next() never returned None. \
             Does a worker that finds the frontier empty wait for the fetches still running, \
             and stop once none is (and the stream end when every worker has ended)?",
            web.reachable().len()
        );
    };
    let reachable = web.reachable();
    let pages: HashSet<u64> = got.iter().map(|(page, _)| *page).collect();
    if got.len() < reachable.len() && pages.len() == got.len() {
        let missing = reachable.iter().filter(|p| !pages.contains(p)).count();
        panic!(
            "next() returned None after {} results, {missing} pages short: page {a}'s fetch \
             took {PAUSE:?} while the other workers were idle (and the consumer waited in \
             next()), and then found {} more pages. The stream ends only when the crawl is over \
             (every worker has ended, so every Sender is gone), not after a while without \
             results (recv, not recv_timeout), nor when the frontier is empty for a moment",
            got.len(),
            late.len()
        );
    }
    let Some((before, stretch)) = lock(&pause).take() else {
        panic!("the crawl never fetched page {a}, which the seed links to");
    };
    assert!(
        before >= 2 + chain_len,
        "the seed links to pages {a} and {b}; while {a} was being fetched, the consumer did not \
         get the results of {b} and the chain behind it (after {FIRST:?}, {} of {}): a free \
         worker takes the next page as soon as there is one, each result is sent as soon as \
         its fetch is done, and next() blocks in recv until one comes (not a nap between \
         looks)",
        before,
        2 + chain_len
    );
    if let Some(stretch) = stretch {
        quiet_through::assert_quiet(
            stretch,
            "the consumer in next() and the idle workers",
            "a slow fetch",
            PAUSE,
        );
    }
    late_watch.check(
        workers,
        &format!("page {a}'s fetch, slow while every other worker was idle,"),
    );
    if let Some(arrived) = gate.timed_out() {
        panic!(
            "page {a}'s fetch took {PAUSE:?} while every other worker was idle, then returned \
             {workers} new pages, whose fetches wait for each other; only {arrived} of them ran \
             at once (workers = {workers}): did the other workers stop when the frontier was \
             empty for a moment?"
        );
    }
    check_stream(
        &format!("a crawl with one slow page (workers = {workers})"),
        &web,
        &got,
    );
    let Ok((drop_panicked, armed, ended)) = dropped_rx.recv_timeout(probe.limit()) else {
        panic!(
            "the stream was taken to its end, and then drop did not return within {:?}",
            probe.limit()
        );
    };
    check_no_panics("after a crawl taken to its end");
    if let Some(message) = drop_panicked {
        panic!("the stream was taken to its end, and then drop panicked: {message}");
    }
    check_ended(armed, ended, "after the stream was taken to its end");
}

// The fetches of the pages a slow fetch returned at once: counted as they
// start. The first to start watches the process until they all have, or
// until it is quiet (every other thread blocked) with some missing: then
// idle workers were not woken for the pages that wait for them (they nap,
// or wait for a timeout, instead of being notified, all of them).
// (`needed`: how many can start while the keeper's fetch holds a worker;
// `done` once the watch is over, for the keeper.)
struct LateWatch {
    needed: usize,
    started: Latch<usize>,
    watching: AtomicBool,
    short: Mutex<Option<usize>>,
    done: Latch<bool>,
}

impl LateWatch {
    fn new(needed: usize) -> LateWatch {
        LateWatch {
            needed,
            started: Latch::new(0),
            watching: AtomicBool::new(false),
            short: Mutex::new(None),
            done: Latch::new(false),
        }
    }

    fn arrive(&self) {
        self.started.update(|n| *n += 1);
        if self.watching.swap(true, SeqCst) {
            return;
        }
        // Woken workers take them at once: only if some are missing after
        // a while does the watch look for a quiet process (a poller that
        // wakes up sooner is seen in the quiet stretch before).
        let deadline = Instant::now() + LIMIT;
        let mut all = self.started.wait_until(LIMIT / 4, |&n| n >= self.needed);
        while !all && Instant::now() < deadline {
            if quiet::wait_until_quiet().is_ok() {
                let started = self.started.update(|n| *n);
                if started < self.needed {
                    *lock(&self.short) = Some(started);
                }
                break;
            }
            all = self.started.update(|n| *n) >= self.needed;
        }
        self.done.update(|done| *done = true);
    }

    #[track_caller]
    fn check(&self, workers: usize, what: &str) {
        if let Some(started) = *lock(&self.short) {
            panic!(
                "{what} returned {workers} new pages (workers = {workers}, one of them held in \
                 another fetch), but only {started} of their fetches had started when every \
                 other thread was idle: the idle \
                 workers were not woken for the pages waiting on the frontier. Wake every \
                 waiting worker when pages come (notify_all), and let them wait without a \
                 timeout (not notify_one and a timed nap)"
            );
        }
    }
}

// Fails unless the stream `got` holds exactly one result for each page a
// crawl of `web` fetches, as its fetch returned it.
#[track_caller]
fn check_stream(what: &str, web: &Web, got: &[Item]) {
    let reachable = web.reachable();
    let mut pages = HashSet::new();
    for (page, fetched) in got {
        assert!(
            pages.insert(*page),
            "{what}: page {page} came twice on the stream: each page is fetched once"
        );
        assert!(
            reachable.contains(page),
            "{what}: page {page} came on the stream, but no page the crawl fetched links to it"
        );
        match fetched {
            Ok(links) => {
                assert!(
                    !web.panics.contains(page),
                    "{what}: the fetch of page {page} panicked, and the stream says Ok({} links): \
                     a panicking fetch is reported as Err, with the payload of its panic",
                    links.len()
                );
                assert!(
                    Some(links) == web.links.get(page),
                    "{what}: page {page} came with links {links:?}, but its fetch returned {:?}",
                    web.links.get(page)
                );
            }
            Err(payload) => {
                assert!(
                    web.panics.contains(page) && payload.is::<Deliberate>(),
                    "{what}: page {page} came as Err({}), but {}",
                    panic_message(payload),
                    if web.panics.contains(page) {
                        "not with the payload of its fetch's panic (what catch_unwind gave)"
                    } else {
                        "its fetch did not panic"
                    }
                );
            }
        }
    }
    if let Some(page) = reachable.iter().find(|p| !pages.contains(p)) {
        panic!(
            "{what}: the stream ended without page {page}, which a fetched page links to ({} of \
             {} pages came){}",
            pages.len(),
            reachable.len(),
            if web.panics.is_empty() {
                ""
            } else {
                ": did a panicking fetch end its worker? catch_unwind keeps the worker working"
            }
        );
    }
}

#[test]
fn random_webs_with_panics_on_the_stream() {
    count_panics();
    let mut rng = Rng::from_env();
    // No seeds: the stream ends at once, and drop returns.
    let workers = 1 + rng.below(160);
    let got = within(
        LIMIT,
        "a crawl with no seeds, taken to the end and dropped, did not finish: with nothing on \
         the frontier and no fetch running, the crawl is over at once",
        move || {
            let mut stream = crawl(Vec::new(), workers, |_| Vec::new());
            let got: Vec<Item> = stream.by_ref().collect();
            drop(stream);
            got.len()
        },
    );
    assert!(got == 0, "a crawl with no seeds gave {got} results");
    for _ in 0..2 {
        let mut taken = HashSet::new();
        let pages = {
            let n = 20 + rng.below(150);
            distinct_ids(&mut rng, n, &mut taken)
        };
        let orphans = {
            let n = 1 + rng.below(4);
            distinct_ids(&mut rng, n, &mut taken)
        };
        let mut seeds = vec![pages[0]];
        seeds.extend((0..rng.below(3)).map(|_| pages[2 + rng.below(pages.len() - 2)]));
        seeds.push(seeds[0]);
        // Two webs over the same pages, with the same seeds, crawled at
        // once; both reach page 1.
        let crawls: Vec<_> = (0..2)
            .map(|_| {
                let mut web = random_web(&mut rng, &pages, &orphans);
                web.seeds = seeds.clone();
                web.links.get_mut(&pages[0]).unwrap().push(pages[1]);
                web.panics = pages
                    .iter()
                    .skip(1)
                    .filter(|_| rng.below(8) == 0)
                    .copied()
                    .collect();
                let web = Arc::new(web);
                let workers = 1 + rng.below(6);
                (web, workers)
            })
            .collect();
        let start = Arc::new(Gate::new(2));
        let handles: Vec<_> = crawls
            .iter()
            .map(|(web, workers)| {
                let (web, workers, start) = (Arc::clone(web), *workers, Arc::clone(&start));
                let first = AtomicBool::new(true);
                let fetch = move |page: u64| {
                    if first.swap(false, SeqCst) {
                        let _ = start.wait(LIMIT);
                    }
                    thread::yield_now();
                    if web.panics.contains(&page) {
                        deliberate_panic();
                    }
                    web.links.get(&page).cloned().unwrap_or_default()
                };
                let seeds = seeds.clone();
                thread::spawn(move || {
                    within(
                        LIMIT * 2,
                        "a crawl in which some fetches panic, taken to the end and dropped, did \
                         not finish: does a panicking fetch end its worker (catch_unwind keeps \
                         it working), or leave its page counted as running for ever?",
                        move || {
                            let mut stream = crawl(seeds, workers, fetch);
                            let got: Vec<Item> = stream.by_ref().collect();
                            drop(stream);
                            got
                        },
                    )
                })
            })
            .collect();
        for (i, ((web, workers), handle)) in crawls.iter().zip(handles).enumerate() {
            let got = match handle.join() {
                Ok(got) => got,
                Err(payload) => panic::resume_unwind(payload),
            };
            check_stream(
                &format!(
                    "two crawls at once over {} pages, crawl {} (workers = {workers}, {} of the \
                     pages panic when fetched)",
                    pages.len(),
                    i + 1,
                    web.panics.len()
                ),
                web,
                &got,
            );
        }
    }
    check_no_panics("in crawls taken to their end");
}

// A crawl of `workers` seeds that link only to themselves, each fetch held
// until every worker runs one (so every worker has armed each probe before
// one ends), taken to its end and dropped: (for each probe, its target,
// threads armed and ended when drop returned; results), or how many
// fetches ran at once if not `workers`.
type Probed = (Vec<(usize, usize, usize)>, usize);

fn drop_a_probed_crawl(
    workers: usize,
    seeds: Vec<u64>,
    probes: Vec<&'static RankedEndProbe>,
) -> Result<Probed, usize> {
    let gate = Arc::new(Gate::new(workers));
    let fetch = {
        let gate = Arc::clone(&gate);
        let probes = probes.clone();
        move |page: u64| {
            for probe in &probes {
                probe.arm();
            }
            let _ = gate.wait(LIMIT * 2);
            vec![page]
        }
    };
    let mut stream = crawl(seeds, workers, fetch);
    let got = stream.by_ref().count();
    drop(stream);
    let ended: Vec<(usize, usize, usize)> = probes
        .iter()
        .map(|probe| {
            let (armed, ended) = probe.returned();
            (probe.target(), armed, ended)
        })
        .collect();
    match gate.timed_out() {
        Some(arrived) => Err(arrived),
        None => Ok((ended, got)),
    }
}

#[test]
fn drop_joins_each_worker_and_all_run_at_once() {
    count_panics();
    let mut rng = Rng::from_env();
    let quick = quick_run(&mut rng);
    // Every rank of a small crawl, the first, the last and one between of
    // a larger one, and the last of a crawl past any cap: a drop that joins
    // only the first 64 or 1024 workers is caught on every run. (One probe
    // per crawl: a held first worker would make `drop` wait as long as the
    // others hold, so a second probe of the same crawl would see nothing.)
    let small = 2 + rng.below(7);
    let large = 17 + rng.below(16);
    let huge = 1025 + rng.below(64);
    let mut trials: Vec<(usize, Vec<usize>)> = (0..small).map(|rank| (small, vec![rank])).collect();
    trials.extend(
        ranks_to_probe(large, 0, &mut rng)
            .into_iter()
            .map(|rank| (large, vec![rank])),
    );
    trials.push((huge, vec![huge - 1]));
    let (tx, rx) = mpsc::channel();
    let mut limit = LIMIT * 2;
    let mut taken = HashSet::new();
    for (workers, ranks) in trials.iter().cloned() {
        let probes: Vec<&'static RankedEndProbe> = ranks
            .iter()
            .map(|&rank| RankedEndProbe::new(quick, rank))
            .collect();
        for probe in &probes {
            limit = limit.max(probe.limit() + LIMIT * 2);
        }
        let seeds = distinct_ids(&mut rng, workers, &mut taken);
        let tx = tx.clone();
        thread::spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(move || {
                drop_a_probed_crawl(workers, seeds, probes)
            }))
            .map_err(|payload| panic_message(&payload));
            let _ = tx.send((workers, outcome));
        });
    }
    drop(tx);
    let deadline = Instant::now() + limit;
    for _ in 0..trials.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((workers, outcome)) = rx.recv_timeout(left) else {
            panic!(
                "crawls of as many seeds as workers (each linking only to itself), taken to the \
                 end and dropped, did not all finish within {limit:?}: does next() return None \
                 once the crawl is over, and drop return once the workers have ended?"
            );
        };
        let (probed, got) = match outcome {
            Ok(Ok(done)) => done,
            Ok(Err(arrived)) => panic!(
                "a crawl with workers = {workers} and as many seeds, each of whose fetches waits \
                 for the others: only {arrived} ran at once. The crawl must run `workers` \
                 fetches at the same time (not a fixed number, however large, not the number \
                 of CPUs)"
            ),
            Err(message) => panic!("a crawl, taken to the end and dropped, panicked: {message}"),
        };
        assert!(
            got == workers,
            "a crawl of {workers} seeds (each linking only to itself) gave {got} results"
        );
        for (rank, armed, ended) in probed {
            assert!(
                ended == armed,
                "a crawl with workers = {workers}, taken to the end and dropped: drop returned \
                 while the worker spawned {} of {armed} had not ended yet: drop must join every \
                 worker, not all but one (the first, the last, or any other), not only some, \
                 and not wait a while instead",
                match rank {
                    0 => "first".to_string(),
                    r if r + 1 == armed => "last".to_string(),
                    r => format!("{}-th", r + 1),
                }
            );
        }
    }
    check_no_panics("in crawls taken to their end and dropped");
}
