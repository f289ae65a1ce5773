use super::support::{
    Gate, Latch, RankedEndProbe, Rng, TargetFirst, ThreadIds, assert_waits_without_spinning, block,
    ranks_to_probe, within,
};
use exercise::{finish, start_producers};

use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(&Arc<Mutex<Vec<u8>>>, usize, fn(usize) -> u8) -> Vec<JoinHandle<()>> =
    start_producers::<u8, fn(usize) -> u8>;
const _: fn(Arc<Mutex<Vec<u8>>>, Vec<JoinHandle<()>>) -> Vec<u8> = finish::<u8>;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "start_producers/finish did not return: does a producer wait for a lock that is never released?";

// Not Clone: the items can only be moved, never copied.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Item(usize);

#[test]
fn start_returns_while_the_producers_still_run() {
    // More producers than any machine has cores, and more than any fixed
    // batch (32 or 64; 65 to 129 here).
    let workers = Rng::from_env().range(65..130) as usize;
    let timed_out = within(LIMIT, HANGS, move || {
        // The producers and this thread meet here: only possible if
        // start_producers returned while the producers were still running.
        let gate = Arc::new(Gate::new(workers + 1));
        let g = Arc::clone(&gate);
        let sink = Arc::new(Mutex::new(Vec::new()));
        let weak = Arc::downgrade(&sink);
        let producers = start_producers(&sink, workers, move |i| {
            let _ = g.wait(Duration::from_secs(1));
            Item(i)
        });
        let _ = gate.wait(Duration::from_secs(1));
        let items = finish(sink, producers);
        assert_eq!(
            items.len(),
            workers,
            "finish should return one item per producer"
        );
        assert!(
            weak.upgrade().is_none(),
            "after finish with {workers} producers, something still owns the sink: a producer thread still \
             running, or a leaked Arc"
        );
        gate.timed_out()
    });
    assert!(
        timed_out.is_none(),
        "the {workers} producers never all ran while the caller went on after start_producers: does start_producers \
         wait for them (join), run make() itself, or start fewer threads than asked? It should start one thread per \
         producer and return their handles at once."
    );
}

#[test]
fn every_producer_is_its_own_thread() {
    // Every small count, and one drawn at random: no count is special.
    let counts: Vec<usize> = (1..=8)
        .chain([Rng::from_env().range(9..40) as usize])
        .collect();
    for workers in counts {
        let (caller, ids) = within(LIMIT, HANGS, move || {
            let ids = Arc::new(ThreadIds::new());
            let i2 = Arc::clone(&ids);
            let sink = Arc::new(Mutex::new(Vec::new()));
            let weak = Arc::downgrade(&sink);
            let producers = start_producers(&sink, workers, move |i| {
                i2.record();
                Item(i)
            });
            finish(sink, producers);
            assert!(
                weak.upgrade().is_none(),
                "after finish with {workers} producers, something still owns the sink: a producer thread still \
                 running, or a leaked Arc"
            );
            (thread::current().id(), ids)
        });
        assert_eq!(
            ids.len(),
            workers,
            "make should be called once per producer"
        );
        ids.assert_caller_absent(
            caller,
            &format!("with {workers} producers, make ran on the caller's thread, not on a producer thread"),
        );
        ids.assert_distinct(
            workers,
            &format!("{workers} producers"),
            "each should run on a thread of its own",
        );
    }
}

#[test]
fn finish_waits_and_returns_the_vec_itself() {
    let mut rng = Rng::from_env();
    let workers = rng.range(2..12) as usize;
    let (items, same_vec, sink_gone) = within(LIMIT, HANGS, move || {
        let sink = Arc::new(Mutex::new(Vec::with_capacity(64)));
        let buffer = sink.lock().unwrap().as_ptr() as usize;
        let weak = Arc::downgrade(&sink);
        let producers = start_producers(&sink, workers, |i| {
            // Slow producers: finish must wait for them.
            thread::sleep(Duration::from_millis(5));
            Item(i * 10)
        });
        let items = finish(sink, producers);
        let same_vec = items.as_ptr() as usize == buffer;
        (items, same_vec, weak.upgrade().is_none())
    });
    let mut items = items;
    items.sort();
    assert_eq!(
        items,
        (0..workers).map(|i| Item(i * 10)).collect::<Vec<_>>(),
        "finish should return every producer's item: did it take the Vec before joining the producers?"
    );
    assert!(
        same_vec,
        "finish returned a new Vec, not the one inside the sink: once the producers are joined, take the Vec out \
         with Arc::try_unwrap (or Arc::into_inner) and Mutex::into_inner"
    );
    assert!(
        sink_gone,
        "after finish, something still owns the sink: a producer thread still running, or a leaked Arc"
    );
}

#[test]
fn finish_joins_every_producer() {
    let mut rng = Rng::from_env();
    let workers = rng.range(2..12) as usize;
    // How long finish takes with instant producers; then producers whose
    // threads take well over that to END, after they pushed their items and
    // dropped their Arc clones (a thread-local dropped as each thread ends
    // holds it). Only `join` waits for that: polling Arc::strong_count or
    // try_unwrap, or a sleep of any fixed length (it is part of the first
    // measurement), does not. One run per producer, side by side, each
    // holding only that producer's thread (ranked by the order the threads
    // were spawned): whichever producer finish leaves unjoined (the first,
    // the last, one between), one run sees it return while that thread
    // still holds.
    let quick = within(LIMIT, HANGS, move || {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let producers = start_producers(&sink, workers, Item);
        let start = Instant::now();
        let items = finish(sink, producers);
        assert_eq!(items.len(), workers, "one item per producer");
        start.elapsed()
    });
    let probes: Vec<&'static RankedEndProbe> = ranks_to_probe(workers, 12, &mut rng)
        .into_iter()
        .map(|rank| RankedEndProbe::new(quick, rank))
        .collect();
    let limit = probes[0].limit();
    let runs = within(limit, HANGS, move || {
        let runs: Vec<_> = probes
            .into_iter()
            .map(|probe| {
                thread::spawn(move || {
                    // Every producer arms before any of them ends.
                    let gate = Arc::new(Gate::new(workers));
                    let sink = Arc::new(Mutex::new(Vec::new()));
                    let first = TargetFirst::new(probe.target());
                    let producers = start_producers(&sink, workers, move |i| {
                        first.enter();
                        probe.arm();
                        let _ = gate.wait(Duration::from_secs(1));
                        Item(i)
                    });
                    let items = finish(sink, producers);
                    (items.len(), probe.returned(), probe.target())
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (items, (armed, ended), target) in runs {
        assert_eq!(items, workers, "one item per producer");
        assert_eq!(armed, workers, "make should be called once per producer");
        assert!(
            ended == armed,
            "finish returned while {} of the {workers} producer threads was still running (the one started {}: it \
             had pushed its item and dropped its Arc clones, but had not ended yet): join every producer \
             (JoinHandle::join) before taking the Vec out; polling Arc::strong_count, or a sleep, does not wait \
             for the threads",
            armed - ended,
            ordinal(target)
        );
    }
}

// "1st", "2nd", ... for the thread started `rank`-th (counting from 0).
fn ordinal(rank: usize) -> String {
    let n = rank + 1;
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[test]
fn finish_waits_for_the_slowest_producer() {
    const WORKERS: usize = 6;
    let mut rng = Rng::from_env();
    let slow_one = rng.below(WORKERS);
    // First, how long does finish take when every producer is instant? Then
    // a run in which one producer takes well over that: a fixed sleep in
    // place of joining is never long enough.
    let quick = within(LIMIT, HANGS, || {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let producers = start_producers(&sink, WORKERS, Item);
        let start = Instant::now();
        let items = finish(sink, producers);
        assert_eq!(items.len(), WORKERS, "one item per producer");
        start.elapsed()
    });
    let delay = quick * 2 + Duration::from_millis(40);
    let items = within(delay + LIMIT, HANGS, move || {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let called = Arc::new(Latch::new(false));
        let c = Arc::clone(&called);
        let producers = start_producers(&sink, WORKERS, move |i| {
            if i == slow_one {
                // The slow part starts once finish has been called.
                c.wait_until(Duration::from_secs(1), |&called| called);
                thread::sleep(delay);
            }
            Item(i)
        });
        called.update(|c| *c = true);
        finish(sink, producers)
    });
    let mut items = items;
    items.sort();
    assert!(
        items == (0..WORKERS).map(Item).collect::<Vec<_>>(),
        "one producer took {delay:?} (finish took {quick:?} with instant producers), and finish returned {} items \
         instead of {WORKERS}: it did not wait for that producer. Join every producer first (a sleep is a guess, \
         not a wait).",
        items.len()
    );
}

#[test]
fn finish_waits_without_spinning() {
    // While every producer is blocked, finish can only wait for them: join
    // blocks, using no CPU and making no context switches. Checking again
    // and again (is_finished, Arc::strong_count or try_unwrap in a loop,
    // with or without a sleep) shows up.
    let workers = Rng::from_env().range(2..8) as usize;
    let items = assert_waits_without_spinning(workers, "finish", HANGS, move |blocker| {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let producers = start_producers(&sink, workers, move |i| {
            block(blocker);
            Item(i)
        });
        finish(sink, producers)
    });
    assert_eq!(items.len(), workers, "one item per producer");
}
