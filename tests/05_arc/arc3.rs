use super::support::{Gate, ThreadIds, within};
use exercise::{start_producers, finish};

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "start_producers/finish did not return: does a producer wait for a lock that is never released?";

// Not Clone: the items can only be moved, never copied.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Item(usize);

#[test]
fn start_returns_while_the_producers_still_run() {
    const WORKERS: usize = 3;
    let timed_out = within(LIMIT, HANGS, || {
        // The producers and this thread meet here: only possible if
        // start_producers returned while the producers were still running.
        let gate = Arc::new(Gate::new(WORKERS + 1));
        let g = Arc::clone(&gate);
        let sink = Arc::new(Mutex::new(Vec::new()));
        let producers = start_producers(&sink, WORKERS, move |i| {
            let _ = g.wait(Duration::from_secs(1));
            Item(i)
        });
        let _ = gate.wait(Duration::from_secs(1));
        let items = finish(sink, producers);
        assert_eq!(
            items.len(),
            WORKERS,
            "finish should return one item per producer"
        );
        gate.timed_out()
    });
    assert!(
        timed_out.is_none(),
        "the producers never ran while the caller went on after start_producers: does start_producers wait for \
         them (join) or run make() itself? It should start the threads and return their handles at once."
    );
}

#[test]
fn every_producer_is_its_own_thread() {
    const WORKERS: usize = 4;
    let (caller, ids) = within(LIMIT, HANGS, || {
        let ids = Arc::new(ThreadIds::new());
        let i2 = Arc::clone(&ids);
        let sink = Arc::new(Mutex::new(Vec::new()));
        let producers = start_producers(&sink, WORKERS, move |i| {
            i2.record();
            Item(i)
        });
        finish(sink, producers);
        (thread::current().id(), ids)
    });
    assert_eq!(
        ids.len(),
        WORKERS,
        "make should be called once per producer"
    );
    ids.assert_caller_absent(
        caller,
        "make ran on the caller's thread, not on a producer thread",
    );
    ids.assert_distinct(
        WORKERS,
        &format!("{WORKERS} producers"),
        "each should run on a thread of its own",
    );
}

#[test]
fn finish_waits_and_returns_the_vec_itself() {
    const WORKERS: usize = 5;
    let (items, same_vec, sink_gone) = within(LIMIT, HANGS, || {
        let sink = Arc::new(Mutex::new(Vec::with_capacity(64)));
        let buffer = sink.lock().unwrap().as_ptr() as usize;
        let weak = Arc::downgrade(&sink);
        let producers = start_producers(&sink, WORKERS, |i| {
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
        (0..WORKERS).map(|i| Item(i * 10)).collect::<Vec<_>>(),
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
