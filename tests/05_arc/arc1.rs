use super::support::{Counted, Gate, ThreadIds, within};
use exercise::run_all;

use std::thread;
use std::sync::Arc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "run_all did not return: does a thread wait for something that never comes?";

#[test]
fn returns_results_in_order() {
    let (squares, none) = within(LIMIT, HANGS, || (run_all(6, |i| i * i), run_all(0, |i| i)));
    assert_eq!(
        squares,
        [0, 1, 4, 9, 16, 25],
        "run_all(6, |i| i * i) should return task(i) in order of i"
    );
    assert!(none.is_empty(), "run_all(0, ..) should return no results");
}

#[test]
fn every_index_runs_on_its_own_thread_at_the_same_time() {
    const COUNT: usize = 4;
    let (caller, ids, blocked) = within(LIMIT, HANGS, || {
        let gate = Arc::new(Gate::new(COUNT));
        let ids = Arc::new(ThreadIds::new());
        let (g, i) = (Arc::clone(&gate), Arc::clone(&ids));
        run_all(COUNT, move |_| {
            i.record();
            // Each task waits until all of them are running.
            let _ = g.wait(Duration::from_secs(1));
        });
        (thread::current().id(), ids, gate.timed_out())
    });
    ids.assert_caller_absent(
        caller,
        "the task ran on the thread that called run_all, not on a thread of its own",
    );
    if let Some(arrived) = blocked {
        panic!(
            "only {arrived} of {COUNT} tasks were running at the same time: are the threads joined one by one \
             inside the loop that starts them? Start them all first, then join."
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
         last Arc goes away the task should be freed, not leaked (Box::leak, mem::forget)"
    );
}
