use super::support::{Gate, within};
use super::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
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
    let (blocked, caller_waited) = within(LIMIT, HANGS, || {
        // The producers and this thread meet here: only possible if
        // start_producers returned while the producers were still running.
        let gate = Arc::new(Gate::new(WORKERS + 1));
        let gave_up = Arc::new(AtomicBool::new(false));
        let (g, gu) = (Arc::clone(&gate), Arc::clone(&gave_up));
        let sink = Arc::new(Mutex::new(Vec::new()));
        let producers = start_producers(&sink, WORKERS, move |i| {
            if !gu.load(Ordering::SeqCst) && g.wait(Duration::from_secs(1)).is_err() {
                gu.store(true, Ordering::SeqCst);
            }
            Item(i)
        });
        let caller_waited = if gave_up.load(Ordering::SeqCst) {
            Err(0)
        } else {
            gate.wait(Duration::from_secs(1))
        };
        let items = finish(sink, producers);
        assert_eq!(
            items.len(),
            WORKERS,
            "finish should return one item per producer"
        );
        (gave_up.load(Ordering::SeqCst), caller_waited)
    });
    assert!(
        !blocked && caller_waited.is_ok(),
        "the producers never ran while the caller went on after start_producers: does start_producers wait for \
         them (join) or run make() itself? It should start the threads and return their handles at once."
    );
}

#[test]
fn every_producer_is_its_own_thread() {
    const WORKERS: usize = 4;
    let (caller, ids) = within(LIMIT, HANGS, || {
        let ids = Arc::new(Mutex::new(Vec::new()));
        let i2 = Arc::clone(&ids);
        let sink = Arc::new(Mutex::new(Vec::new()));
        let producers = start_producers(&sink, WORKERS, move |i| {
            i2.lock().unwrap().push(thread::current().id());
            Item(i)
        });
        finish(sink, producers);
        let ids = ids.lock().unwrap().clone();
        (thread::current().id(), ids)
    });
    assert_eq!(
        ids.len(),
        WORKERS,
        "make should be called once per producer"
    );
    assert!(
        !ids.contains(&caller),
        "make ran on the caller's thread, not on a producer thread"
    );
    let distinct: HashSet<_> = ids.iter().collect();
    assert_eq!(
        distinct.len(),
        WORKERS,
        "{WORKERS} producers should run on {WORKERS} different threads"
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
