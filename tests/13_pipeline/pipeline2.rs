// The hidden tests of pipeline2: a consumer that stops early stops the
// stage, and `drop` joins every thread of it.
//
// - Every stage thread is probed: the test's source and `f` arm a thread-end
//   probe on the thread that runs them (the feeder's, each worker's; the
//   first `workers` calls of `f` wait for each other, so every worker runs
//   one). A probed thread, as it ends, holds until `drop` has returned, or
//   for a time well beyond any fixed wait: only `join` waits for it. The
//   threads that pulled but never ran `f` (a feeder) hold twice as long as
//   the workers in one test, half as long in the other: a `drop` that joins
//   only the feeder, or only the workers, returns while the others hold.
// - Pulls are counted: with nobody taking results the stage stops pulling
//   (as in pipeline1), and after `drop` it has pulled at most one more item
//   per thread. The source is long enough that a stage that goes on pulling
//   reaches its end, then stops; the count shows it.
// - No stage thread panics (a failed send is the signal to stop, not an
//   error): a panic hook counts them.

use super::support::{
    Gate, Latch, RankedEndProbe, Rng, at_thread_end, lock, panic_message, quiet, ranks_to_probe,
    within,
};
use exercise::{Ordered, map_ordered};

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, Once, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(std::vec::IntoIter<u64>, usize, usize, fn(u64) -> u64) -> Ordered<u64> =
    map_ordered::<std::vec::IntoIter<u64>, u64, fn(u64) -> u64>;
const _: fn(&mut Ordered<u64>) -> Option<u64> = <Ordered<u64> as Iterator>::next;

const LIMIT: Duration = Duration::from_secs(2);

// An item of the test's source: no Clone, no Default.
#[derive(Debug)]
struct Item {
    index: usize,
    value: u64,
}

fn value_of(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn work(item: &Item) -> u64 {
    item.value.rotate_left(29) ^ (item.index as u64).wrapping_mul(0xA24B_AED4_963E_E407)
}

fn expected(seed: u64, index: usize) -> u64 {
    work(&Item {
        index,
        value: value_of(seed, index),
    })
}

// Panics anywhere in this process, counted, and reported as usual the first
// time their message is seen (forty workers that hit the same `expect` say
// it once).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let report = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
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

// Which threads hold longer as they end (see `EndProbe`).
#[derive(Debug, Clone, Copy)]
enum Longer {
    // Threads that pulled from the source and never ran `f`.
    Feeder,
    // Threads that ran `f`.
    Workers,
}

// A thread-end probe (as `support::EndProbe`, with two lengths of hold): a
// probed thread, as it ends, holds until the test has seen `drop` return,
// or for its hold: `hold`, or twice that for the threads `longer` names.
// So a `drop` that joins returns after every probed thread has ended, and
// one that joins only some of them returns while others still hold.
struct EndProbe {
    hold: Duration,
    longer: Longer,
    // (armed, ended, drop returned)
    state: Mutex<(usize, usize, bool)>,
    changed: Condvar,
}

impl EndProbe {
    // `quick`: how long a whole small run took; the hold is well beyond it.
    fn new(quick: Duration, longer: Longer) -> &'static EndProbe {
        let hold = (Duration::from_millis(120) + quick * 3).min(Duration::from_millis(1000));
        Box::leak(Box::new(EndProbe {
            hold,
            longer,
            state: Mutex::new((0, 0, false)),
            changed: Condvar::new(),
        }))
    }

    // Called on the thread that pulls (`ran_f` false) or runs f (true).
    fn arm(&'static self, ran_f: bool) {
        let first = PROBED.with(|probed| probed.borrow().is_none());
        if first {
            let flag = Arc::new(AtomicBool::new(false));
            PROBED.with(|probed| *probed.borrow_mut() = Some(Arc::clone(&flag)));
            lock(&self.state).0 += 1;
            at_thread_end(move || {
                let hold = match (self.longer, flag.load(SeqCst)) {
                    (Longer::Feeder, false) | (Longer::Workers, true) => self.hold * 2,
                    _ => self.hold,
                };
                let deadline = Instant::now() + hold;
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
        if ran_f {
            PROBED.with(|probed| {
                if let Some(flag) = &*probed.borrow() {
                    flag.store(true, SeqCst);
                }
            });
        }
    }

    // Right after drop returned, on its thread: (threads armed, ended).
    fn returned(&self) -> (usize, usize) {
        let mut state = lock(&self.state);
        state.2 = true;
        self.changed.notify_all();
        (state.0, state.1)
    }

    // A time limit for a drop whose threads hold.
    fn limit(&self) -> Duration {
        self.hold * 3 + LIMIT
    }
}

thread_local! {
    // Set once the thread is probed: whether it ran f.
    static PROBED: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

// The test's source: `len` items, counting those it has handed out, arming
// the probe on the thread that pulls.
struct Source {
    seed: u64,
    next: usize,
    len: usize,
    pulled: Arc<AtomicUsize>,
    probe: Option<&'static EndProbe>,
    ranked: Option<&'static RankedEndProbe>,
}

impl Iterator for Source {
    type Item = Item;
    fn next(&mut self) -> Option<Item> {
        if let Some(probe) = self.probe {
            probe.arm(false);
        }
        if let Some(probe) = self.ranked {
            probe.arm();
        }
        if self.next >= self.len {
            return None;
        }
        let index = self.next;
        self.next += 1;
        self.pulled.fetch_add(1, SeqCst);
        Some(Item {
            index,
            value: value_of(self.seed, index),
        })
    }
}

// How long a whole small run takes, drop included, on its own thread: the
// probe's hold is well beyond it (so beyond any fixed wait inside it).
fn quick_run(seed: u64) -> Duration {
    let started = Instant::now();
    within(
        LIMIT,
        "a stage over 20 items, taken to the end and dropped, did not finish: does next() \
         return None at the end, and does drop return once the stage has ended?",
        move || {
            let source = Source {
                seed,
                next: 0,
                len: 20,
                pulled: Arc::new(AtomicUsize::new(0)),
                probe: None,
                ranked: None,
            };
            let got: Vec<u64> = map_ordered(source, 3, 1, |item| work(&item)).collect();
            assert!(
                got.len() == 20,
                "a stage over 20 items gave {} results",
                got.len()
            );
        },
    );
    started.elapsed()
}

fn check_ended(armed: usize, ended: usize, when: &str) {
    assert!(
        armed > 0,
        "the test's source and f never ran on a thread of the stage"
    );
    assert!(
        ended == armed,
        "{when}, drop returned while {} of the stage's {armed} threads had not ended yet: drop \
         must wait for every thread it started (join each one, the feeder and every worker), \
         not for a while, and not only for some",
        armed - ended
    );
}

fn check_no_panics(when: &str) {
    let panics = PANICS.load(SeqCst);
    assert!(
        panics == 0,
        "{when}, there were {panics} panics (see above): a consumer that stops early is no \
         error. A failed send means nobody will take what it sends: stop there (break out of \
         the loop), and let the thread end normally"
    );
}

// What the consumer thread's calls (map_ordered, next) panicked with.
type Panicked = Arc<Mutex<Option<String>>>;

// Runs `body` on a consumer thread of its own; a panic in it is kept in
// `panicked`, for `fail_if_panicked` to report.
fn run_consumer(panicked: &Panicked, body: impl FnOnce() + Send + 'static) {
    let slot = Arc::clone(panicked);
    thread::spawn(move || {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
            *lock(&slot) = Some(panic_message(&payload));
        }
    });
}

// Called where the test waited for the consumer in vain: if the consumer's
// call panicked, that is what to report.
#[track_caller]
fn fail_if_panicked(panicked: &Panicked) {
    if let Some(message) = lock(panicked).clone() {
        panic!("the consumer thread's call of map_ordered or next panicked: {message}");
    }
}

#[test]
fn dropping_early_stops_the_stage_and_joins_its_threads() {
    count_panics();
    let mut rng = Rng::from_env();
    let seed = rng.next_u64();
    let probe = EndProbe::new(quick_run(seed), Longer::Feeder);
    let workers = 1 + rng.below(40);
    let capacity = rng.below(9);
    let taken = rng.below(5);
    // While nobody takes results (as in pipeline1), and after drop: one
    // more item for each thread at most.
    let settled_bound = taken + capacity + workers + 2;
    let dropped_bound = settled_bound + workers + 1;
    // Endless, as far as a stage that stops can tell.
    let len = dropped_bound + 1;
    let pulled = Arc::new(AtomicUsize::new(0));
    let source = Source {
        seed,
        next: 0,
        len,
        pulled: Arc::clone(&pulled),
        probe: Some(probe),
        ranked: None,
    };
    // Every worker's first item waits at the gate, so every worker runs f
    // (and is probed). Items after those the consumer takes wait until it
    // has taken them, so no result comes before its turn: the reorder
    // buffer stays empty, and the pulls are exact.
    let gate = Arc::new(Gate::new(workers));
    let go = Arc::new(Latch::new(false));
    let f = {
        let (gate, go) = (Arc::clone(&gate), Arc::clone(&go));
        move |item: Item| {
            probe.arm(true);
            if item.index < workers {
                let _ = gate.wait(LIMIT);
            }
            if item.index > taken {
                go.wait_until(LIMIT, |&go| go);
            }
            work(&item)
        }
    };
    // The consumer: takes `taken` results, then waits to be told to drop.
    let panicked = Panicked::default();
    let (got_tx, got_rx) = mpsc::channel();
    let (drop_tx, drop_rx) = mpsc::channel::<()>();
    let (dropped_tx, dropped_rx) = mpsc::channel();
    {
        let pulled = Arc::clone(&pulled);
        run_consumer(&panicked, move || {
            let mut ordered = map_ordered(source, workers, capacity, f);
            let got: Vec<Option<u64>> = (0..taken).map(|_| ordered.next()).collect();
            let _ = got_tx.send(got);
            if drop_rx.recv().is_ok() {
                let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(ordered)));
                let (armed, ended) = probe.returned();
                let panicked = dropped.err().map(|payload| panic_message(&payload));
                let _ = dropped_tx.send((panicked, armed, ended, pulled.load(SeqCst)));
            }
        });
    }
    let got = got_rx.recv_timeout(LIMIT * 2).unwrap_or_else(|_| {
        fail_if_panicked(&panicked);
        panic!(
            "the consumer did not get the first {taken} results within {:?}",
            LIMIT * 2
        )
    });
    for (i, result) in got.iter().enumerate() {
        assert!(
            *result == Some(expected(seed, i)),
            "result {i} was {result:?}, expected the result of item {i} (as in pipeline1)"
        );
    }
    go.update(|go| *go = true);
    // The stage fills its room and stops.
    let quiet = quiet::wait_until_quiet();
    let settled = pulled.load(SeqCst);
    assert!(
        settled <= settled_bound,
        "the consumer took {taken} results and paused; the stage pulled {settled} items \
         meanwhile (workers = {workers}, capacity = {capacity}): at most {settled_bound}, as in \
         pipeline1 (bounded channels: sync_channel(capacity) for results, no room for jobs)"
    );
    quiet::assert_quiet(
        quiet,
        "the stage",
        "the consumer to take a result (all its room full)",
    );
    let _ = drop_tx.send(());
    let Ok((panicked, armed, ended, after)) = dropped_rx.recv_timeout(probe.limit()) else {
        panic!(
            "the consumer took {taken} results and dropped the Ordered, and drop did not return \
             within {:?} ({} items pulled so far, {settled} when it began): does it wait for \
             threads that cannot end? A worker waiting to send into a full channel waits as \
             long as the Receiver lives, and the feeder pulls and sends as long as a worker \
             takes its items",
            probe.limit(),
            pulled.load(SeqCst)
        );
    };
    check_no_panics("after the consumer dropped the Ordered early");
    if let Some(message) = panicked {
        panic!("the consumer dropped the Ordered early, and drop panicked: {message}");
    }
    assert!(
        after <= dropped_bound && after < len,
        "the consumer dropped the Ordered after {taken} results, with {settled} items pulled, \
         and by the time drop returned the stage had pulled {after}{}: once the consumer is \
         gone, every stage must notice (its send fails) and stop: the workers, and then the \
         feeder, which must stop pulling",
        if after >= len {
            String::from(", the whole source")
        } else {
            String::new()
        }
    );
    check_ended(armed, ended, "after the consumer stopped early");
}

#[test]
fn dropping_at_the_end_joins_the_threads() {
    count_panics();
    let mut rng = Rng::from_env();
    let seed = rng.next_u64();
    let probe = EndProbe::new(quick_run(seed), Longer::Workers);
    let workers = 1 + rng.below(8);
    let capacity = rng.below(5);
    let len = 1 + rng.below(60);
    let source = Source {
        seed,
        next: 0,
        len,
        pulled: Arc::new(AtomicUsize::new(0)),
        probe: Some(probe),
        ranked: None,
    };
    let f = move |item: Item| {
        probe.arm(true);
        work(&item)
    };
    let (got, armed, ended) = within(
        probe.limit(),
        "a stage taken to the end was dropped, and drop did not return: does it wait for \
         something that has already happened (a result, a message)?",
        move || {
            let mut ordered = map_ordered(source, workers, capacity, f);
            let got: Vec<u64> = ordered.by_ref().collect();
            drop(ordered);
            let (armed, ended) = probe.returned();
            (got, armed, ended)
        },
    );
    let want: Vec<u64> = (0..len).map(|i| expected(seed, i)).collect();
    assert!(
        got == want,
        "a stage over {len} items, taken to the end, did not give every result in order (as in \
         pipeline1): got {} results",
        got.len()
    );
    check_no_panics("after the stage ran to its end");
    check_ended(armed, ended, "after the stage ran to its end");
}

#[test]
fn stages_one_after_another_each_drop_at_once() {
    // Stages taken to the end and dropped, one after another: a correct drop
    // joins threads that are ending already, in a few ms each. A drop that
    // sleeps instead of joining (long enough to outlast the probes, 1.2 s)
    // takes seconds for all of them, whichever stages it joins first.
    let mut rng = Rng::from_env();
    let seed = rng.next_u64();
    // Small stages and large ones (as large as the probed stages of 18-33
    // threads), so that a drop cannot sleep by the stage's size either.
    let workers: Vec<usize> = (0..16).map(|_| 1 + rng.below(32)).collect();
    within(
        Duration::from_secs(8),
        "16 stages of 1-32 workers, each taken to the end and dropped, one after another, \
         did not all finish within 8 s (a few ms each are enough): does drop sleep, or wait \
         for a while, instead of joining the threads (which have ended or are ending \
         already)?",
        move || {
            for workers in workers {
                let source = Source {
                    seed,
                    next: 0,
                    len: 20,
                    pulled: Arc::new(AtomicUsize::new(0)),
                    probe: None,
                    ranked: None,
                };
                let got = map_ordered(source, workers, 1, |item| work(&item)).count();
                assert!(got == 20, "a stage over 20 items gave {got} results");
            }
        },
    );
}

// A stage of `workers` whose every thread is armed with `probe` (every
// worker's first item waits at a gate for the others, so each runs f),
// taken to the end and dropped: (armed, ended when drop returned), or how
// many calls of f ran at once if they did not all.
fn drop_a_probed_stage(
    seed: u64,
    workers: usize,
    len: usize,
    probe: &'static RankedEndProbe,
) -> Result<(usize, usize, bool), usize> {
    let source = Source {
        seed,
        next: 0,
        len,
        pulled: Arc::new(AtomicUsize::new(0)),
        probe: None,
        ranked: Some(probe),
    };
    let gate = Arc::new(Gate::new(workers));
    let f = {
        let gate = Arc::clone(&gate);
        move |item: Item| {
            probe.arm();
            if item.index < workers {
                let _ = gate.wait(LIMIT);
            }
            work(&item)
        }
    };
    let mut ordered = map_ordered(source, workers, 1, f);
    let got: Vec<u64> = ordered.by_ref().collect();
    drop(ordered);
    let (armed, ended) = probe.returned();
    let right = got.len() == len && got.iter().enumerate().all(|(i, &v)| v == expected(seed, i));
    match gate.timed_out() {
        Some(arrived) => Err(arrived),
        None => Ok((armed, ended, right)),
    }
}

#[test]
fn drop_joins_each_thread_of_the_stage() {
    count_panics();
    let mut rng = Rng::from_env();
    let seed = rng.next_u64();
    // The hold is fixed (1.2 s), not measured from a first run of the
    // stage: a drop that joins only in the first stage of the process (a
    // `static` flag) and sleeps in every later one would set a short hold
    // and then sleep past it. So a drop that sleeps instead of joining must
    // sleep 1.2 s or more here; `stages_one_after_another_each_drop_at_once`
    // does not let it.
    let quick = Duration::from_millis(360);
    // Stages at the same time; as their threads end, one thread of each (a
    // different one in each stage: the first spawned, the second, ..)
    // holds for 1.2 s. A drop that leaves any thread out returns, in one of
    // the stages, while that thread still holds. Every rank of a stage of
    // 4-6 threads (an off-by-one leaves out the first, the second, the
    // last..), the first, the last and one between of 18-33, and the last
    // of 1026-1089 (a drop that joins "at most 64/256/1024 threads": info.toml
    // raises the thread and memory limits).
    let small = 3 + rng.below(3);
    let large = 17 + rng.below(16);
    let huge = 1025 + rng.below(64);
    let mut trials: Vec<(usize, usize)> = (0..=small).map(|rank| (small, rank)).collect();
    trials.extend(
        ranks_to_probe(large + 1, 0, &mut rng)
            .into_iter()
            .map(|rank| (large, rank)),
    );
    trials.push((huge, huge));
    let (tx, rx) = mpsc::channel();
    let mut limit = LIMIT;
    for &(workers, rank) in &trials {
        let probe = RankedEndProbe::new(quick, rank);
        limit = limit.max(probe.limit() + LIMIT);
        // More items than workers: the feeder ends only after a worker has
        // passed the gate, so every thread has armed before one ends.
        let len = workers + 1 + rng.below(2 * workers);
        let tx = tx.clone();
        thread::spawn(move || {
            let _ = tx.send((
                workers,
                rank,
                drop_a_probed_stage(seed, workers, len, probe),
            ));
        });
    }
    drop(tx);
    let deadline = Instant::now() + limit;
    for _ in 0..trials.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((workers, rank, result)) = rx.recv_timeout(left) else {
            panic!(
                "stages taken to the end were dropped, and a drop did not return within \
                 {limit:?}: does it wait for something that has already happened (a result, a \
                 message)?"
            );
        };
        let threads = workers + 1;
        let (armed, ended, right) = match result {
            Ok(counts) => counts,
            Err(arrived) => panic!(
                "a stage of {workers} workers was given items whose first {workers} calls of f \
                 wait (up to 2 s) for each other, but only {arrived} ran at the same time (as in \
                 pipeline1: every worker calls f, all at once)"
            ),
        };
        assert!(
            right,
            "a stage of {workers} workers, taken to the end, did not give every result in order \
             (as in pipeline1)"
        );
        assert!(
            armed == threads,
            "a stage of {workers} workers ran the test's source and f on {armed} threads, \
             expected {threads}: the feeder, which pulls, and each worker, which runs f"
        );
        assert!(
            ended == armed,
            "a stage of {workers} workers was taken to the end and dropped, and drop returned \
             while one of its {threads} threads (the one spawned {} of {threads}) had not ended \
             yet: drop must wait for every thread it started (join each one, the feeder and \
             every worker), not for a while, and not only for some",
            ordinal(rank + 1)
        );
    }
    check_no_panics("after stages ran to their end");
}

// 1st, 2nd, 3rd, 4th, .., 11th, 12th, 13th, .., 21st
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
