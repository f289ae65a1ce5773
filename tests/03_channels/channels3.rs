use super::support::within;
use exercise::EventLog;
use std::sync::mpsc::SendError;
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "finish() did not return although every recorder was dropped. The \
                     collector's loop ends only when the last Sender is gone: is one still \
                     alive while finish waits for the collector?";

// Events from one sender must keep their order; returns the events of
// `prefix` in the order they were collected.
fn events_of<'a>(events: &'a [String], prefix: &str) -> Vec<&'a str> {
    events
        .iter()
        .filter(|e| e.starts_with(prefix))
        .map(String::as_str)
        .collect()
}

#[test]
fn finish_returns_what_the_owner_recorded() {
    let events = within(LIMIT, HANGS, || {
        let log = EventLog::start();
        log.record("open");
        log.record("read");
        log.record("close");
        log.finish()
    });
    assert_eq!(events, ["open", "read", "close"]);
}

#[test]
fn finish_with_nothing_recorded() {
    let events = within(LIMIT, HANGS, || EventLog::start().finish());
    assert!(
        events.is_empty(),
        "nothing was recorded, but finish returned {events:?}"
    );
}

#[test]
fn collects_every_event_from_many_recorders() {
    const THREADS: usize = 4;
    const EACH: usize = 50;
    let events = within(LIMIT, HANGS, || {
        let log = EventLog::start();
        log.record("begin");
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let recorder = log.recorder();
                thread::spawn(move || {
                    for i in 0..EACH {
                        recorder
                            .send(format!("t{t}:{i:03}"))
                            .expect("the collector stopped while a recorder was still sending");
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("a recording thread panicked");
        }
        // A recorder that is never used.
        drop(log.recorder());
        log.finish()
    });
    assert_eq!(
        events.len(),
        1 + THREADS * EACH,
        "{THREADS} threads recorded {EACH} events each after 1 from the owner, but finish \
         returned {} events",
        events.len()
    );
    assert_eq!(
        events.first().map(String::as_str),
        Some("begin"),
        "the owner's event came first"
    );
    for t in 0..THREADS {
        let expected: Vec<String> = (0..EACH).map(|i| format!("t{t}:{i:03}")).collect();
        assert_eq!(
            events_of(&events, &format!("t{t}:")),
            expected,
            "the events of thread {t} are missing, doubled or out of order"
        );
    }
}

#[test]
fn finish_waits_for_a_recorder_still_in_use() {
    let (events, late_send) = within(LIMIT, HANGS, || {
        let log = EventLog::start();
        let recorder = log.recorder();
        log.record("early");
        // Still holds a recorder while finish starts waiting; sends one more
        // event a little later, then drops it.
        let late = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            recorder.send("late".to_string())
        });
        let events = log.finish();
        let late_send: Result<(), SendError<String>> =
            late.join().expect("the late recorder panicked");
        (events, late_send)
    });
    assert!(
        late_send.is_ok(),
        "a thread still held a recorder, yet the collector had stopped receiving before it \
         sent its last event: finish must wait until every recorder is dropped (only the \
         channel closing tells the collector that no more events can come)"
    );
    assert_eq!(
        events,
        ["early", "late"],
        "finish returned before the last recorder was dropped, so its late event was lost"
    );
}
