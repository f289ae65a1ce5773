// The hidden tests of pipeline1: an ordered parallel stage with bounded work
// in flight.
//
// - Order: the first item's call of `f` is held until every other call of
//   its batch has returned and the process has gone quiet; only then may
//   `next` hand out anything, and it must be the first item's result.
// - Workers at once: the first `workers` calls of `f` wait at a gate of
//   `workers` parties, 33 or more (more than any machine's cores; blocked
//   threads are free), and never more than `workers` calls run at once.
// - Bounded: with nobody calling `next`, the stage fills what room it has
//   and then stops; the test counts the items its source hands out.
// - A pause of 1.5 s in the source, mid-stream: `next` waits it out (no
//   timeout taken as the end), and nothing spins meanwhile.

use super::support::{
    Gate, Latch, Rng, ThreadIds, lock, panic_message, quiet, quiet_through, within,
};
use exercise::{Ordered, map_ordered};

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(std::vec::IntoIter<u64>, usize, usize, fn(u64) -> u64) -> Ordered<u64> =
    map_ordered::<std::vec::IntoIter<u64>, u64, fn(u64) -> u64>;
const _: fn(&mut Ordered<u64>) -> Option<u64> = <Ordered<u64> as Iterator>::next;

const LIMIT: Duration = Duration::from_secs(2);
// The source's pause mid-stream: longer than a plausible `recv_timeout(1 s)`.
const PAUSE: Duration = Duration::from_millis(1500);

// An item of the test's source: no Clone, no Default, so a result can only
// come from `f` called on it.
#[derive(Debug)]
struct Item {
    index: usize,
    value: u64,
}

// The value of item `index` in a run with `seed`: from the full u64 range.
fn value_of(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// What the test's `f` makes of an item.
fn work(item: &Item) -> u64 {
    item.value.rotate_left(23) ^ (item.index as u64).wrapping_mul(0xA24B_AED4_963E_E407)
}

fn expected(seed: u64, len: usize) -> Vec<u64> {
    (0..len)
        .map(|index| {
            work(&Item {
                index,
                value: value_of(seed, index),
            })
        })
        .collect()
}

// The test's source: `len` items, counting how many it has handed out, and
// calling `on_pull(index)` before it hands out item `index`.
struct Source {
    seed: u64,
    next: usize,
    len: usize,
    pulled: Arc<AtomicUsize>,
    on_pull: Box<dyn FnMut(usize) + Send>,
}

impl Source {
    fn new(seed: u64, len: usize, on_pull: impl FnMut(usize) + Send + 'static) -> Source {
        Source {
            seed,
            next: 0,
            len,
            pulled: Arc::new(AtomicUsize::new(0)),
            on_pull: Box::new(on_pull),
        }
    }
}

impl Iterator for Source {
    type Item = Item;
    fn next(&mut self) -> Option<Item> {
        if self.next >= self.len {
            return None;
        }
        let index = self.next;
        (self.on_pull)(index);
        self.next += 1;
        self.pulled.fetch_add(1, SeqCst);
        Some(Item {
            index,
            value: value_of(self.seed, index),
        })
    }
}

// Fails with the first place where `got` differs from `want`.
fn check_results(got: &[u64], want: &[u64], context: &str) {
    if let Some(i) = (0..got.len().min(want.len())).find(|&i| got[i] != want[i]) {
        let from = want.iter().position(|&w| w == got[i]);
        let what = match from {
            Some(j) => format!("the result of item {j}"),
            None => String::from("a value that is no item's result"),
        };
        panic!(
            "{context}: result {i} was {what}, expected the result of item {i}: `next` must hand \
             the results out in the order of the items in the source, whichever finishes first \
             (number the items as you pull them, and hold back a result until its turn)"
        );
    }
    assert!(
        got.len() == want.len(),
        "{context}: next() returned None after {} of {} results",
        got.len(),
        want.len()
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
fn an_empty_source_gives_no_results() {
    let seed = Rng::from_env().next_u64();
    let got = within(
        LIMIT,
        "next() on a stage over an empty source did not return None: does a Sender stay \
         alive, so the results channel never closes?",
        move || {
            let mut ordered = map_ordered(Source::new(seed, 0, |_| ()), 3, 1, |item| work(&item));
            ordered.next()
        },
    );
    assert!(
        got.is_none(),
        "next() on a stage over an empty source returned {got:?}, expected None"
    );
}

#[test]
fn results_come_out_in_order_through_a_pause() {
    let mut rng = Rng::from_env();
    let seed = rng.next_u64();
    let len = 300 + rng.below(1200);
    let workers = 1 + rng.below(8);
    let capacity = rng.below(7);
    let pause_at = len / 4 + rng.below(len / 2);
    // How many results the consumer has; the pause starts once all results
    // before it are out, so then nothing can happen but waiting.
    let taken: Arc<Latch<usize>> = Arc::new(Latch::new(0));
    // (how long the pause took, whether the others stayed quiet)
    let paused: Arc<Mutex<Option<(Duration, quiet_through::Stretch)>>> = Arc::new(Mutex::new(None));
    let ids = Arc::new(ThreadIds::new());
    let source = {
        let (taken, paused) = (Arc::clone(&taken), Arc::clone(&paused));
        Source::new(seed, len, move |index| {
            if index == pause_at && taken.wait_until(LIMIT, |&n| n == pause_at) {
                // Quiet through the whole pause: a consumer that naps and
                // looks again (a shared map, a non-blocking receive) wakes
                // up inside it.
                let started = Instant::now();
                let stretch = quiet_through::watch(PAUSE);
                *lock(&paused) = Some((started.elapsed(), stretch));
            }
        })
    };
    let f = {
        let ids = Arc::clone(&ids);
        move |item: Item| {
            ids.record();
            // Now and then a worker lets the others pass: the results come
            // back out of order.
            if item.value % 3 == 0 {
                thread::yield_now();
            }
            work(&item)
        }
    };
    let (got, consumer) = within(
        PAUSE + LIMIT,
        "next() did not return None after the last result: does a Sender stay alive (the \
         original results Sender, or the jobs Sender in the feeder), so a channel never closes?",
        move || {
            let mut got = Vec::with_capacity(len);
            for value in map_ordered(source, workers, capacity, f) {
                got.push(value);
                taken.update(|n| *n += 1);
            }
            (got, thread::current().id())
        },
    );
    let pause = lock(&paused).take();
    check_results(
        &got,
        &expected(seed, len),
        &format!("{len} items, {workers} workers, capacity {capacity}"),
    );
    ids.assert_caller_absent(consumer, "f ran on the consumer's thread, in next()");
    assert!(
        ids.distinct() <= workers,
        "f ran on {} different threads with workers = {workers}: exactly `workers` threads call \
         f, each for one item after another",
        ids.distinct()
    );
    let Some((took, stretch)) = pause else {
        panic!(
            "the source was asked for item {pause_at} while the consumer had not yet received \
             the {pause_at} results before it, after {LIMIT:?}"
        );
    };
    assert!(
        took >= PAUSE,
        "the pause took {took:?}: the test's own clock failed"
    );
    quiet_through::assert_quiet(
        stretch,
        "the consumer",
        "a result while the source paused (every worker idle, every result so far taken)",
        PAUSE,
    );
}

#[test]
fn a_slow_first_item_still_comes_out_first() {
    let mut rng = Rng::from_env();
    let seed = rng.next_u64();
    // More workers than any machine has cores (they only wait, blocked),
    // past every round number a stage might be capped at (256, 500, 512,
    // 1000, 1024; info.toml raises the thread and memory limits).
    let workers = 1025 + rng.below(64);
    let capacity = rng.below(9);
    let len = workers + 1 + rng.below(workers);

    struct Shared {
        gate: Gate,
        // Calls of f that reached the gate.
        arrived: Latch<usize>,
        // Calls of f that returned, item 0's not counted.
        done: Latch<usize>,
        // Item 0's call may return.
        release: Latch<bool>,
        running: AtomicUsize,
        most_running: AtomicUsize,
        ids: ThreadIds,
    }
    let shared = Arc::new(Shared {
        gate: Gate::new(workers),
        arrived: Latch::new(0),
        done: Latch::new(0),
        release: Latch::new(false),
        running: AtomicUsize::new(0),
        most_running: AtomicUsize::new(0),
        ids: ThreadIds::new(),
    });
    let f = {
        let shared = Arc::clone(&shared);
        move |item: Item| {
            shared.ids.record();
            let running = shared.running.fetch_add(1, SeqCst) + 1;
            shared.most_running.fetch_max(running, SeqCst);
            if item.index < workers {
                shared.arrived.update(|n| *n += 1);
                let _ = shared.gate.wait(LIMIT);
            }
            if item.index == 0 {
                shared.release.wait_until(LIMIT * 4, |&go| go);
            }
            shared.running.fetch_sub(1, SeqCst);
            let value = work(&item);
            if item.index != 0 {
                shared.done.update(|n| *n += 1);
            }
            value
        }
    };
    // The consumer, on a thread of its own: it asks for the first result at
    // once, and tells when it has it.
    // What the first next() returned, once it has.
    let first_out: Arc<Latch<Option<Option<u64>>>> = Arc::new(Latch::new(None));
    let panicked = Panicked::default();
    let (id_tx, id_rx) = mpsc::channel();
    let (results_tx, results_rx) = mpsc::channel();
    {
        let first_out = Arc::clone(&first_out);
        run_consumer(&panicked, move || {
            let _ = id_tx.send(thread::current().id());
            let mut ordered = map_ordered(Source::new(seed, len, |_| ()), workers, capacity, f);
            let first = ordered.next();
            first_out.update(|out| *out = Some(first));
            let _ = results_tx.send(ordered.collect::<Vec<u64>>());
        });
    }
    let want = expected(seed, len);
    let consumer = id_rx.recv().expect("the consumer thread did not start");
    if !shared.arrived.wait_until(LIMIT, |&n| n >= workers) {
        fail_if_panicked(&panicked);
        let arrived = shared.arrived.update(|n| *n);
        panic!(
            "the first {workers} items wait for each other inside f, but after {LIMIT:?} only \
             {arrived} calls of f were running (workers = {workers}): the stage must run \
             `workers` calls of f at the same time, on `workers` threads (not a fixed number, \
             not the number of CPUs), each taking the next item as soon as it is free"
        );
    }
    if !shared.done.wait_until(LIMIT, |&n| n >= workers - 1) {
        fail_if_panicked(&panicked);
        panic!(
            "item 0's call of f was held, and after {LIMIT:?} only {} of the other {} calls of \
             its batch had returned: does one slow item hold up the other workers?",
            shared.done.update(|n| *n),
            workers - 1
        );
    }
    // Everything that can happen without item 0 has happened once the
    // process is quiet.
    let quiet = quiet::wait_until_quiet();
    let early = first_out.update(|out| *out);
    shared.release.update(|go| *go = true);
    if let Some(early) = early {
        let what = match early.map(|e| want.iter().position(|&w| w == e)) {
            Some(Some(j)) => format!("the result of item {j}"),
            Some(None) => String::from("a value that is no item's result"),
            None => String::from("None"),
        };
        panic!(
            "item 0 was still being worked on, its result not made yet, and the first next() \
             had already returned {what}: `next` must hand the results out in the order of \
             the items in the source, and wait for a result that is not there yet (number the \
             items as you pull them, and hold back a result that comes before its turn)"
        );
    }
    quiet::assert_quiet(
        quiet,
        "next()",
        "the result of a slow item (every other worker idle or blocked)",
    );
    let rest = match results_rx.recv_timeout(LIMIT) {
        Ok(rest) => rest,
        Err(_) => {
            fail_if_panicked(&panicked);
            panic!(
                "item 0's call of f returned, and after {LIMIT:?} the consumer did not have \
                 every result: is a result lost, or does next() wait for a Sender that stays \
                 alive?"
            )
        }
    };
    let first = first_out.update(|out| *out).flatten();
    let mut got: Vec<u64> = first.into_iter().collect();
    got.extend(rest);
    check_results(
        &got,
        &want,
        &format!("{len} items, {workers} workers, capacity {capacity}"),
    );
    let most = shared.most_running.load(SeqCst);
    assert!(
        most <= workers,
        "{most} calls of f were running at the same time with workers = {workers}: no more \
         than `workers` calls at once (a thread for every item?)"
    );
    shared
        .ids
        .assert_caller_absent(consumer, "f ran on the consumer's thread, in next()");
    shared.ids.assert_distinct(
        workers,
        "f",
        "exactly `workers` threads call f, each for one item after another",
    );
}

#[test]
fn a_paused_consumer_stops_the_source() {
    let mut rng = Rng::from_env();
    let seed = rng.next_u64();
    let workers = 1 + rng.below(40);
    // At least 2: a stage that ignores the capacity (no room for results)
    // pulls workers + 1 items, fewer than capacity + workers.
    let capacity = 2 + rng.below(20);
    let bound = capacity + workers + 1;
    // The items the stage may pull before the consumer takes its first
    // result; those after them wait inside f until the consumer has taken
    // it (so while it takes it, only these can come out, and the results
    // held back then are some of these).
    let first_batch = bound;
    // Then, with one taken and the consumer paused again: the first batch,
    // and as much again after it (the room is free again).
    let second_bound = first_batch + bound;
    // One item more than that: a stage that runs ahead without limit pulls
    // it.
    let len = second_bound + 1;
    let source = Source::new(seed, len, |_| ());
    let pulled = Arc::clone(&source.pulled);
    let gate = Arc::new(Gate::new(workers));
    let arrived = Arc::new(Latch::new(0_usize));
    let took_one = Arc::new(Latch::new(false));
    let f = {
        let (gate, arrived, took_one) = (
            Arc::clone(&gate),
            Arc::clone(&arrived),
            Arc::clone(&took_one),
        );
        move |item: Item| {
            if item.index < workers {
                arrived.update(|n| *n += 1);
                let _ = gate.wait(LIMIT);
            }
            if item.index >= first_batch {
                took_one.wait_until(LIMIT * 2, |&took| took);
            }
            work(&item)
        }
    };
    // The consumer makes the stage, then takes nothing until told to; then
    // one result; then the rest.
    let panicked = Panicked::default();
    let (made_tx, made_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (first_tx, first_rx) = mpsc::channel();
    let (results_tx, results_rx) = mpsc::channel();
    run_consumer(&panicked, move || {
        let mut ordered = map_ordered(source, workers, capacity, f);
        let _ = made_tx.send(());
        if go_rx.recv().is_ok() {
            let _ = first_tx.send(ordered.next());
        }
        if go_rx.recv().is_ok() {
            let _ = results_tx.send(ordered.collect::<Vec<u64>>());
        }
    });
    if made_rx.recv_timeout(LIMIT).is_err() {
        fail_if_panicked(&panicked);
        panic!(
            "map_ordered did not return within {LIMIT:?} (the source has {len} items; {} \
             pulled): it should start its threads and return at once, and let them work while \
             the consumer does other things, not work through the source first",
            pulled.load(SeqCst)
        );
    }
    if !arrived.wait_until(LIMIT, |&n| n >= workers) {
        fail_if_panicked(&panicked);
        panic!(
            "nobody has called next() yet, and after {LIMIT:?} only {} of {workers} calls of f \
             had started (the first {workers} wait for each other): the stage must work ahead on \
             its own, with all its workers, before anybody asks for a result",
            arrived.update(|n| *n)
        );
    }
    let quiet = quiet::wait_until_quiet();
    let pulled_now = pulled.load(SeqCst);
    assert!(
        pulled_now <= bound,
        "nobody took a result, and the stage pulled {pulled_now} items from the source \
         (workers = {workers}, capacity = {capacity}): at most capacity + workers + 1 = {bound} \
         (the results waiting, one item in each worker's hands, one pulled and not handed over \
         yet). An unbounded channel (mpsc::channel), or a queue of jobs in front of the workers, \
         lets it run ahead without limit: use sync_channel, with room for `capacity` results \
         and none for jobs"
    );
    quiet::assert_quiet(
        quiet,
        "the stage",
        "the consumer to take a result (all its room full)",
    );
    assert!(
        pulled_now + 1 >= bound,
        "nobody took a result, and the stage stopped after pulling {pulled_now} items \
         (workers = {workers}, capacity = {capacity}): up to `capacity` finished results may \
         wait for the consumer, besides one item in each worker's hands, so it pulls \
         capacity + workers = {} items or one more before it stops",
        bound - 1
    );
    // The consumer takes one result, and pauses again.
    let pulled_first = pulled_now;
    let _ = go_tx.send(());
    let first = match first_rx.recv_timeout(LIMIT) {
        Ok(first) => first,
        Err(_) => {
            fail_if_panicked(&panicked);
            panic!(
                "the stage had pulled {pulled_first} items, and the first next() did not \
                 return within {LIMIT:?}"
            )
        }
    };
    let want = expected(seed, len);
    assert!(
        first == Some(want[0]),
        "the first next() returned {first:?}, expected the result of item 0, {}",
        want[0]
    );
    took_one.update(|took| *took = true);
    let quiet = quiet::wait_until_quiet();
    let pulled_now = pulled.load(SeqCst);
    assert!(
        pulled_now <= second_bound,
        "the stage pulled {} items while nobody took a result, then the consumer took one and \
         paused again, and the stage pulled {pulled_now} items in all (workers = {workers}, \
         capacity = {capacity}): at most {second_bound} (what had been pulled, and as much \
         again, capacity + workers + 1, now that there is room once more). Is there a buffer \
         without limit after the first result (a channel, or a thread that takes the results \
         ahead of next)?",
        pulled_first
    );
    quiet::assert_quiet(
        quiet,
        "the stage",
        "the consumer to take a result (all its room full)",
    );
    let _ = go_tx.send(());
    let got = match results_rx.recv_timeout(LIMIT) {
        Ok(got) => got,
        Err(_) => {
            fail_if_panicked(&panicked);
            panic!("the consumer began to take results and did not get all {len} within {LIMIT:?}")
        }
    };
    let got: Vec<u64> = first.into_iter().chain(got).collect();
    check_results(
        &got,
        &want,
        &format!("after a pause of the consumer ({workers} workers, capacity {capacity})"),
    );
}
