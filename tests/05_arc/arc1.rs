use super::support::{
    Counted, Gate, RankedEndProbe, Rng, TargetFirst, ThreadIds, assert_waits_without_spinning, block,
    ranks_to_probe, within,
};
use exercise::run_all;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(usize, fn(usize) -> u64) -> Vec<u64> = run_all::<u64, fn(usize) -> u64>;

const LIMIT: Duration = Duration::from_secs(2);
// The gate of over a thousand tasks: how long each waits for the others,
// and the test's limit.
const BIG_GATE_WAIT: Duration = Duration::from_millis(1500);
const BIG_LIMIT: Duration = Duration::from_secs(4);
const HANGS: &str = "run_all did not return: does a thread wait for something that never comes?";

#[test]
fn returns_results_in_order() {
    let mut rng = Rng::from_env();
    // Every small count, and one drawn at random: no count is special.
    let counts: Vec<usize> = (1..=8).chain([rng.range(9..40) as usize]).collect();
    for count in counts {
        let salt = rng.next_u64();
        let task = move |i: usize| (i as u64).wrapping_mul(salt).rotate_left(13);
        let ids = Arc::new(ThreadIds::new());
        let recorder = Arc::clone(&ids);
        let (caller, results) = within(LIMIT, HANGS, move || {
            let results = run_all(count, move |i| {
                recorder.record();
                task(i)
            });
            (thread::current().id(), results)
        });
        let expected: Vec<u64> = (0..count).map(task).collect();
        assert!(
            results == expected,
            "run_all({count}, task) should return task(i) for every i in order of i, got {} results{}",
            results.len(),
            if results.len() == expected.len() {
                " in another order or with other values"
            } else {
                ""
            }
        );
        // Whatever the count: never on the caller's thread, one thread each.
        ids.assert_caller_absent(
            caller,
            &format!(
                "with {count} indexes, a task ran on the thread that called run_all, not on a thread of its own"
            ),
        );
        ids.assert_distinct(
            count,
            &format!("{count} indexes"),
            "each should run on a thread of its own",
        );
    }
    let none = within(LIMIT, HANGS, || run_all(0, |i| i));
    assert!(none.is_empty(), "run_all(0, ..) should return no results");
}

#[test]
fn every_index_runs_on_its_own_thread_at_the_same_time() {
    // More tasks than any machine has cores, and past every round number a
    // batch might be capped at (64, 128, 200, 256, 512, 1000, 1024; info.toml
    // raises the thread and memory limits): all of them must be running at
    // once (each waits until every task has started). Starting over a
    // thousand threads takes a while on a busy machine: the gate waits
    // longer than usual.
    let count = Rng::from_env().range(1025..1089) as usize;
    let (caller, ids, blocked) = within(BIG_LIMIT, HANGS, move || {
        let gate = Arc::new(Gate::new(count));
        let ids = Arc::new(ThreadIds::new());
        let (g, i) = (Arc::clone(&gate), Arc::clone(&ids));
        let probe = Counted::new(());
        let counts = probe.counts();
        let results = run_all(count, move |n| {
            let _ = &probe;
            i.record();
            // Each task waits until all of them are running.
            let _ = g.wait(BIG_GATE_WAIT);
            n
        });
        assert_eq!(
            results,
            (0..count).collect::<Vec<_>>(),
            "results in order of i"
        );
        assert_task_freed_once(counts.drops(), count);
        (thread::current().id(), ids, gate.timed_out())
    });
    ids.assert_caller_absent(
        caller,
        "the task ran on the thread that called run_all, not on a thread of its own",
    );
    if let Some(arrived) = blocked {
        panic!(
            "only {arrived} of {count} tasks were running at the same time: are the threads joined one by one (or \
             a few at a time) inside the loop that starts them? Start them all first, then join."
        );
    }
    ids.assert_distinct(
        count,
        &format!("{count} indexes"),
        "each should run on a thread of its own",
    );
}

#[test]
fn the_task_is_shared_and_freed_once() {
    let mut rng = Rng::from_env();
    // Every small count, and one drawn at random: no count is special.
    for count in (1..=8).chain([rng.range(9..40) as usize]) {
        let probe = Counted::new(());
        let counts = probe.counts();
        let results = within(LIMIT, HANGS, move || {
            run_all(count, move |i| {
                let _ = &probe;
                i + 1
            })
        });
        assert_eq!(results, (1..=count).collect::<Vec<_>>());
        assert_task_freed_once(counts.drops(), count);
    }
}

#[track_caller]
fn assert_task_freed_once(dropped: usize, count: usize) {
    assert_eq!(
        dropped, 1,
        "with {count} indexes, the task was dropped {dropped} times by the time run_all returned (expected \
         exactly once): when the last Arc goes away the task should be freed, not leaked (Box::leak, \
         mem::forget), and every thread should be joined before run_all returns"
    );
}

#[test]
fn run_all_joins_every_thread() {
    let mut rng = Rng::from_env();
    let count = rng.range(2..12) as usize;
    // How long run_all takes with instant tasks; then tasks whose threads
    // take well over that to END (a thread-local dropped as the thread ends
    // holds it). Only `join` waits for that: results from a channel or a
    // shared Vec, a sleep of any fixed length (it is part of the first
    // measurement) or `is_finished()` do not. One run per thread, side by
    // side, each holding only that thread (ranked by the order the threads
    // were spawned): whichever thread run_all leaves unjoined (the first,
    // the last, one between), one run sees it return while that thread
    // still holds.
    let quick = within(LIMIT, HANGS, move || {
        let start = Instant::now();
        let results = run_all(count, |i| i);
        assert_eq!(
            results,
            (0..count).collect::<Vec<_>>(),
            "results in order of i"
        );
        start.elapsed()
    });
    let probes: Vec<&'static RankedEndProbe> = ranks_to_probe(count, 12, &mut rng)
        .into_iter()
        .map(|rank| RankedEndProbe::new(quick, rank))
        .collect();
    let limit = probes[0].limit();
    let runs = within(limit, HANGS, move || {
        let runs: Vec<_> = probes
            .into_iter()
            .map(|probe| {
                thread::spawn(move || {
                    // Every thread arms before any of them ends.
                    let gate = Arc::new(Gate::new(count));
                    let first = TargetFirst::new(probe.target());
                    let results = run_all(count, move |i| {
                        first.enter();
                        probe.arm();
                        let _ = gate.wait(Duration::from_secs(1));
                        i
                    });
                    (results, probe.returned(), probe.target())
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (results, (armed, ended), target) in runs {
        assert_eq!(
            results,
            (0..count).collect::<Vec<_>>(),
            "results in order of i"
        );
        assert_eq!(armed, count, "the task should run once per index");
        assert!(
            ended == armed,
            "run_all returned while {} of its {count} threads was still running (the one started {}: its task \
             had returned, the thread had not ended yet): join every thread (JoinHandle::join) before returning; \
             results from a channel or a shared Vec, or a sleep, do not wait for the threads",
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
fn run_all_waits_for_the_slowest_task() {
    const COUNT: usize = 6;
    let mut rng = Rng::from_env();
    let slow_one = rng.below(COUNT);
    // First, how long does run_all take with instant tasks? Then a run in
    // which one task takes well over that: a fixed sleep in place of joining
    // is never long enough.
    let quick = within(LIMIT, HANGS, || {
        let start = Instant::now();
        let results = run_all(COUNT, |i| i);
        assert_eq!(
            results,
            (0..COUNT).collect::<Vec<_>>(),
            "results in order of i"
        );
        start.elapsed()
    });
    let delay = quick * 2 + Duration::from_millis(40);
    let results = within(delay + LIMIT, HANGS, move || {
        run_all(COUNT, move |i| {
            if i == slow_one {
                thread::sleep(delay);
            }
            i * 3
        })
    });
    assert!(
        results == (0..COUNT).map(|i| i * 3).collect::<Vec<_>>(),
        "one task took {delay:?} (a run of instant tasks took {quick:?}), and run_all returned {results:?}: it did \
         not wait for that task. Join every thread (a sleep is a guess, not a wait)."
    );
}

#[test]
fn run_all_waits_without_spinning() {
    // While every task is blocked, run_all can only wait for its threads:
    // join blocks, using no CPU and making no context switches. Checking
    // again and again (is_finished or a counter in a loop, with or without
    // a sleep) shows up.
    let count = Rng::from_env().range(2..8) as usize;
    let results = assert_waits_without_spinning(count, "run_all", HANGS, move |blocker| {
        run_all(count, move |i| {
            block(blocker);
            i
        })
    });
    assert_eq!(
        results,
        (0..count).collect::<Vec<_>>(),
        "results in order of i"
    );
}
