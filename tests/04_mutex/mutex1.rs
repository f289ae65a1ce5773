use super::support::{Gate, within};
use exercise::{record, count, take_all};

use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "is a MutexGuard still alive while the same thread locks the log again?";

#[test]
fn keeps_events_in_order() {
    within(LIMIT, HANGS, || {
        let _ = take_all();
        assert_eq!(count(), 0, "count() after take_all() should be 0");
        record("one");
        record("two");
        record("three");
        assert_eq!(count(), 3, "count() after recording 3 events");
        assert_eq!(
            take_all(),
            ["one", "two", "three"],
            "take_all() should return the events oldest first"
        );
    });
}

#[test]
fn take_all_empties_the_log() {
    within(LIMIT, HANGS, || {
        let _ = take_all();
        record("a");
        record("b");
        assert_eq!(take_all().len(), 2);
        assert_eq!(
            count(),
            0,
            "the log still has events after take_all(): it should move them out and leave the log empty (std::mem::take)"
        );
        assert!(
            take_all().is_empty(),
            "a second take_all() returned events again: the first one copied the log instead of emptying it"
        );
        record("c");
        assert_eq!(
            take_all(),
            ["c"],
            "recording after take_all() should start a fresh log"
        );
    });
}

#[test]
fn one_log_shared_by_all_threads() {
    const THREADS: usize = 4;
    const EACH: usize = 25;
    within(LIMIT, HANGS, || {
        let _ = take_all();
        let gate = Gate::new(THREADS);
        thread::scope(|s| {
            for t in 0..THREADS {
                let gate = &gate;
                s.spawn(move || {
                    // All four record at the same time.
                    let _ = gate.wait(Duration::from_secs(1));
                    for i in 0..EACH {
                        record(&format!("t{t}-{i}"));
                    }
                });
            }
        });
        let seen = count();
        assert_eq!(
            seen,
            THREADS * EACH,
            "{THREADS} other threads recorded {EACH} events each, but count() on this thread says {seen}: \
             is the log per thread (thread_local) instead of one `static` Mutex?"
        );
        let events = take_all();
        for t in 0..THREADS {
            let prefix = format!("t{t}-");
            let order: Vec<usize> = events
                .iter()
                .filter_map(|e| e.strip_prefix(prefix.as_str())?.parse().ok())
                .collect();
            assert_eq!(
                order,
                (0..EACH).collect::<Vec<_>>(),
                "the events thread {t} recorded should all come back once, in the order it recorded them"
            );
        }
        assert_eq!(
            events.len(),
            THREADS * EACH,
            "take_all() returned unexpected extra events"
        );
    });
}
