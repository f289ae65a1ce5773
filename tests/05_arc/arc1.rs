use super::support::{Counted, Gate, Latch, Rng, ThreadIds, within};
use exercise::run_all;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(usize, fn(usize) -> u64) -> Vec<u64> = run_all::<u64, fn(usize) -> u64>;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "run_all did not return: does a thread wait for something that never comes?";

#[test]
fn returns_results_in_order() {
    let mut rng = Rng::from_env();
    let count = rng.range(2..40) as usize;
    let salt = rng.next_u64();
    let task = move |i: usize| (i as u64).wrapping_mul(salt).rotate_left(13);
    let (results, none) = within(LIMIT, HANGS, move || (run_all(count, task), run_all(0, |i| i)));
    let expected: Vec<u64> = (0..count).map(task).collect();
    assert!(
        results == expected,
        "run_all({count}, task) should return task(i) for every i in order of i, got {} results{}",
        results.len(),
        if results.len() == expected.len() { " in another order or with other values" } else { "" }
    );
    assert!(none.is_empty(), "run_all(0, ..) should return no results");
}

#[test]
fn every_index_runs_on_its_own_thread_at_the_same_time() {
    // More tasks than any machine has cores: all of them must be running at
    // once (each waits until every task has started).
    const COUNT: usize = 32;
    let (caller, ids, blocked) = within(LIMIT, HANGS, || {
        let gate = Arc::new(Gate::new(COUNT));
        let ids = Arc::new(ThreadIds::new());
        let (g, i) = (Arc::clone(&gate), Arc::clone(&ids));
        let results = run_all(COUNT, move |n| {
            i.record();
            // Each task waits until all of them are running.
            let _ = g.wait(Duration::from_secs(1));
            n
        });
        assert_eq!(results, (0..COUNT).collect::<Vec<_>>(), "results in order of i");
        (thread::current().id(), ids, gate.timed_out())
    });
    ids.assert_caller_absent(
        caller,
        "the task ran on the thread that called run_all, not on a thread of its own",
    );
    if let Some(arrived) = blocked {
        panic!(
            "only {arrived} of {COUNT} tasks were running at the same time: are the threads joined one by one (or \
             a few at a time) inside the loop that starts them? Start them all first, then join."
        );
    }
    ids.assert_distinct(
        COUNT,
        &format!("{COUNT} indexes"),
        "each should run on a thread of its own",
    );
}

#[test]
fn the_task_is_shared_and_freed_once() {
    let probe = Counted::new(());
    let counts = probe.counts();
    let results = within(LIMIT, HANGS, move || {
        run_all(3, move |i| {
            let _ = &probe;
            i + 1
        })
    });
    assert_eq!(results, [1, 2, 3]);
    let dropped = counts.drops();
    assert_eq!(
        dropped, 1,
        "the task was dropped {dropped} times by the time run_all returned (expected exactly once): when the \
         last Arc goes away the task should be freed, not leaked (Box::leak, mem::forget), and every thread \
         should be joined before run_all returns"
    );
}

// Set on a task's thread; dropped (with the thread's other thread-locals)
// only when that thread ends, after the task returned. `join` waits for
// that; a channel, a shared slot or a sleep does not.
struct ThreadEnd {
    ended: Arc<Latch<(usize, usize)>>,
    returned: Arc<Latch<bool>>,
}

impl Drop for ThreadEnd {
    fn drop(&mut self) {
        thread::sleep(Duration::from_millis(50));
        let late = self.returned.update(|r| *r);
        self.ended.update(|(n, after)| {
            *n += 1;
            *after += usize::from(late);
        });
    }
}

thread_local! {
    static END: std::cell::RefCell<Option<ThreadEnd>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn run_all_joins_every_thread() {
    const COUNT: usize = 5;
    let ended = Arc::new(Latch::new((0, 0)));
    let returned = Arc::new(Latch::new(false));
    let (e, r) = (Arc::clone(&ended), Arc::clone(&returned));
    let results = within(LIMIT, HANGS, move || {
        let results = run_all(COUNT, move |i| {
            let (ended, returned) = (Arc::clone(&e), Arc::clone(&r));
            END.with(|end| *end.borrow_mut() = Some(ThreadEnd { ended, returned }));
            i
        });
        returned.update(|r| *r = true);
        results
    });
    assert_eq!(results, (0..COUNT).collect::<Vec<_>>(), "results in order of i");
    ended.wait_until(Duration::from_secs(1), |&(n, _)| n == COUNT);
    let (n, after) = ended.update(|s| *s);
    assert!(
        n == COUNT && after == 0,
        "run_all returned while {} of its {COUNT} threads were still running (their tasks had returned, the threads \
         had not ended yet): join every thread (JoinHandle::join) before returning; results from a channel or a \
         shared Vec, or a sleep, do not wait for the threads",
        if n < COUNT { COUNT - n + after } else { after }
    );
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
        assert_eq!(results, (0..COUNT).collect::<Vec<_>>(), "results in order of i");
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
