use exercise::fetch_all;

use super::support::{Gate, Latch, Rng, ThreadIds, lock, process_cpu_time, within};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Vec<String>, fn(String) -> String) -> Vec<String> = fetch_all::<fn(String) -> String>;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const STRETCH: Duration = Duration::from_millis(150);
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
    // More fetches than any machine has cores: each waits (up to 1 s) at a
    // barrier until all of them have reached it.
    static GATE: OnceLock<Gate> = OnceLock::new();
    let mut rng = Rng::from_env();
    let count = rng.range(33..49) as usize;
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

#[test]
fn returns_only_after_every_thread_ended() {
    static PROBE: OnceLock<&'static EndProbe> = OnceLock::new();
    let mut rng = Rng::from_env();
    let n = rng.range(2..8) as usize;
    let urls = random_urls(&mut rng, n);
    let count = urls.len();
    // How long fetch_all takes with fetches that do nothing...
    let quick = within(LIMIT, HANGS, {
        let urls = urls.clone();
        move || {
            let started = Instant::now();
            fetch_all(urls, |url| url);
            started.elapsed()
        }
    });
    // ...then fetches whose threads take longer than that to end.
    let probe = *PROBE.get_or_init(|| EndProbe::new(quick));
    let (pages, (armed, ended)) = within(probe.limit(), HANGS, move || {
        let pages = fetch_all(urls, |url| {
            PROBE.get().unwrap().arm();
            page_of(&url)
        });
        (pages, probe.returned())
    });
    assert!(
        armed == count && pages.len() == count,
        "{count} urls, but {armed} fetches and {} pages",
        pages.len()
    );
    assert!(
        ended == armed,
        "fetch_all returned while {} of its {count} threads were still ending (their \
         thread-locals were still being dropped): only JoinHandle::join waits until a thread \
         has ended. A sleep, a channel, is_finished() or thread::scope only see the fetches' \
         closures return",
        armed - ended
    );
}

#[test]
fn waits_without_spinning() {
    static BLOCKER: OnceLock<&'static Blocker> = OnceLock::new();
    let mut rng = Rng::from_env();
    let n = rng.range(2..6) as usize;
    let urls = random_urls(&mut rng, n);
    let count = urls.len();
    let pages = assert_waits_without_spinning(count, "fetch_all", move |blocker| {
        BLOCKER.set(blocker).unwrap();
        fetch_all(urls, |url| {
            block(BLOCKER.get().unwrap());
            url
        })
    });
    assert!(pages.len() == count, "{count} urls, {} pages", pages.len());
}

// ---- Private helpers: did the call wait for its threads to END? ----------
//
// `at_thread_end(f)` runs `f` when the calling thread ends: it is kept in a
// thread-local, and thread-locals are dropped as a thread ends, after its
// closure has returned and before `join` on that thread returns. Only `join`
// waits for that. A sleep, a channel, a counter, `is_finished()` or
// `thread::scope`'s own wait only see the closure return.

struct AtEnd(Vec<Box<dyn FnOnce()>>);

impl Drop for AtEnd {
    fn drop(&mut self) {
        for f in self.0.drain(..) {
            f();
        }
    }
}

thread_local! {
    static AT_END: RefCell<AtEnd> = const { RefCell::new(AtEnd(Vec::new())) };
}

fn at_thread_end(f: impl FnOnce() + 'static) {
    AT_END.with(|at_end| at_end.borrow_mut().0.push(Box::new(f)));
}

/// A job calls [`EndProbe::arm`]; as the job's thread ends, the probe keeps
/// it from ending for up to `hold`, unless the test has already seen the
/// call under test return. So code that joins returns only after every
/// armed thread has ended; code that does not join returns while they hold.
struct EndProbe {
    hold: Duration,
    state: Mutex<EndState>,
    changed: Condvar,
}

#[derive(Default)]
struct EndState {
    armed: usize,
    ended: usize,
    returned: bool,
}

impl EndProbe {
    /// `quick` is how long the call under test took with jobs that do
    /// nothing: the hold is well beyond any fixed wait the code may use.
    fn new(quick: Duration) -> &'static EndProbe {
        let hold = (Duration::from_millis(120) + quick * 3).min(Duration::from_millis(2500));
        Box::leak(Box::new(EndProbe {
            hold,
            state: Mutex::new(EndState::default()),
            changed: Condvar::new(),
        }))
    }

    fn arm(&'static self) {
        lock(&self.state).armed += 1;
        at_thread_end(move || {
            let deadline = Instant::now() + self.hold;
            let mut state = lock(&self.state);
            while !state.returned {
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
            state.ended += 1;
        });
    }

    /// Call right after the call under test returned, on its thread:
    /// (threads armed, threads that had ended by then).
    fn returned(&self) -> (usize, usize) {
        let mut state = lock(&self.state);
        state.returned = true;
        self.changed.notify_all();
        (state.armed, state.ended)
    }

    /// A time limit for a call whose threads each hold for `hold`.
    fn limit(&self) -> Duration {
        self.hold * 2 + LIMIT
    }
}

/// (jobs that arrived, jobs released, call returned)
type Blocker = Latch<(usize, bool, bool)>;

/// Called by a job: blocks until the test releases every job.
fn block(blocker: &Blocker) {
    blocker.update(|s| s.0 += 1);
    blocker.wait_until(LIMIT, |s| s.1);
}

/// Runs `call` on a thread of its own; its `jobs` jobs each call [`block`].
/// Once all are blocked, measures the CPU time this process uses for a
/// while (the code under test can only wait then), releases the jobs and
/// returns what `call` returned. Fails if the waiting kept a CPU busy
/// for 2% of the time: a blocked process uses well under 0.1%, and load on
/// the machine only makes a spinning one use less.
fn assert_waits_without_spinning<T, C>(jobs: usize, what: &str, call: C) -> T
where
    T: Send + 'static,
    C: FnOnce(&'static Blocker) -> T + Send + 'static,
{
    let blocker: &'static Blocker = Box::leak(Box::new(Latch::new((0, false, false))));
    let caller = thread::spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(|| call(blocker)));
        blocker.update(|s| s.2 = true);
        result
    });
    blocker.wait_until(LIMIT, |s| s.0 >= jobs || s.2);
    let (arrived, _, _) = blocker.update(|s| *s);
    let mut busy = None;
    if arrived >= jobs {
        let cpu_before = process_cpu_time();
        let started = Instant::now();
        thread::sleep(STRETCH);
        busy = Some((
            process_cpu_time().saturating_sub(cpu_before),
            started.elapsed(),
        ));
    }
    // Released and checked at once: a return before this is a return
    // while every job was still blocked.
    let returned_early = blocker.update(|s| {
        s.1 = true;
        s.2
    });
    let value = match within(LIMIT, HANGS, move || caller.join()) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) | Err(payload) => panic::resume_unwind(payload),
    };
    assert!(
        !returned_early,
        "{what} returned while its jobs were still blocked ({arrived} of {jobs} had started): \
         it does not wait for its threads"
    );
    let Some((cpu, stretch)) = busy else {
        panic!("only {arrived} of {jobs} jobs started within {LIMIT:?}");
    };
    assert!(
        cpu * 50 < stretch,
        "while every job was blocked for {stretch:?}, {what} kept a CPU busy for {cpu:?}: it \
         waits by checking again and again (is_finished, try_recv, a flag or counter in a \
         loop). join() blocks without using the CPU"
    );
    value
}

// ---- Private helper: make calls finish in an order the test chooses -----
//
// Call `i` waits for its turn (`rank[i]`), and passes the turn on only when
// its thread has ENDED (see `at_thread_end`), so whatever the code under
// test does with the result on that thread (push it, send it) is done
// before the next call even starts. Needs the calls to run at the same
// time; a wait gives up after 1 s (then every later wait returns at once).
struct Turns {
    next: Latch<usize>,
    gave_up: Mutex<bool>,
}

impl Turns {
    fn new() -> &'static Turns {
        Box::leak(Box::new(Turns {
            next: Latch::new(0),
            gave_up: Mutex::new(false),
        }))
    }

    fn wait_for(&'static self, rank: usize) {
        if !self.next.wait_until(GATE_WAIT, |&next| next == rank) {
            *lock(&self.gave_up) = true;
        }
        at_thread_end(move || {
            self.next.update(|next| *next += 1);
        });
    }

    fn gave_up(&self) -> bool {
        *lock(&self.gave_up)
    }
}

/// A random order that is not the identity (for `n >= 2`).
fn random_ranks(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut ranks: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut ranks);
    if n >= 2 && ranks.iter().enumerate().all(|(i, &r)| i == r) {
        ranks.reverse();
    }
    ranks
}
