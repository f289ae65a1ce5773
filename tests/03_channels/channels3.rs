use super::support::{Of, Rng, context_switches, process_cpu_time, quiet_through, within};
use exercise::EventLog;
use std::sync::mpsc::{SendError, Sender};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn() -> EventLog = EventLog::start;
const _: fn(&EventLog) -> Sender<String> = EventLog::recorder;
const _: fn(&EventLog, &str) = EventLog::record;
const _: fn(EventLog) -> Vec<String> = EventLog::finish;

const LIMIT: Duration = Duration::from_secs(2);
// A recorder still in use stays quiet this long before its last event.
const PAUSE: Duration = Duration::from_millis(1500);
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

// Random events, in no particular order, some of them repeated.
fn random_events(rng: &mut Rng, count: usize) -> Vec<String> {
    const WORDS: [&str; 8] = [
        "open", "read", "write", "seek", "close", "sync", "stat", "lock",
    ];
    (0..count)
        .map(|_| format!("{} {}", WORDS[rng.below(WORDS.len())], rng.below(4)))
        .collect()
}

#[test]
fn finish_returns_what_the_owner_recorded() {
    let mut rng = Rng::from_env();
    let count = 3 + rng.below(30);
    let mut recorded = random_events(&mut rng, count);
    // Repeats and an order that is not sorted.
    recorded.insert(0, "zzz last in the alphabet".to_string());
    recorded.push(recorded[1].clone());
    let events = within(LIMIT, HANGS, {
        let recorded = recorded.clone();
        move || {
            let log = EventLog::start();
            for event in &recorded {
                log.record(event);
            }
            log.finish()
        }
    });
    assert!(
        events == recorded,
        "finish should return every recorded event, repeats too, in the order recorded.\n \
         recorded: {recorded:?}\n returned: {events:?}"
    );
}

#[test]
fn finish_returns_a_long_log_whole() {
    // Tens of thousands of events: no cap (1024, 4096, 10_000, 1 << 16) on
    // what the log keeps.
    let mut rng = Rng::from_env();
    let count = 65_537 + rng.below(4_000);
    let recorded: Vec<String> = (0..count).map(|i| format!("event {i}")).collect();
    let events = within(2 * LIMIT, HANGS, {
        let recorded = recorded.clone();
        move || {
            let log = EventLog::start();
            for event in &recorded {
                log.record(event);
            }
            log.finish()
        }
    });
    if events != recorded {
        let returned: std::collections::HashSet<&String> = events.iter().collect();
        let missing = recorded.iter().find(|e| !returned.contains(e));
        panic!(
            "{count} events were recorded, finish returned {} of them (the first one missing: \
             {missing:?}): finish should return every event, in the order recorded",
            events.len()
        );
    }
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
    let mut rng = Rng::from_env();
    let threads = 2 + rng.below(7);
    let each: Vec<usize> = (0..threads).map(|_| rng.below(60)).collect();
    let events = within(LIMIT, HANGS, {
        let each = each.clone();
        move || {
            let log = EventLog::start();
            log.record("begin");
            let workers: Vec<_> = each
                .iter()
                .enumerate()
                .map(|(t, &count)| {
                    let recorder = log.recorder();
                    thread::spawn(move || {
                        for i in 0..count {
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
        }
    });
    let total = 1 + each.iter().sum::<usize>();
    assert!(
        events.len() == total,
        "{threads} threads recorded {each:?} events after 1 from the owner, but finish \
         returned {} events, not {total}",
        events.len()
    );
    assert_eq!(
        events.first().map(String::as_str),
        Some("begin"),
        "the owner's event came first"
    );
    for (t, &count) in each.iter().enumerate() {
        let expected: Vec<String> = (0..count).map(|i| format!("t{t}:{i:03}")).collect();
        assert!(
            events_of(&events, &format!("t{t}:")) == expected,
            "the events of thread {t} are missing, doubled or out of order"
        );
    }
}

#[test]
fn finish_waits_for_a_recorder_still_in_use() {
    // How long does finish take when there is nothing to wait for? A finish
    // that waits for a quiet spell or sleeps shows it here.
    let started = Instant::now();
    within(LIMIT, HANGS, || EventLog::start().finish());
    let quick = started.elapsed();
    // The late recorder stays quiet longer than that, and at least PAUSE.
    let pause = PAUSE.max(quick * 2 + Duration::from_millis(50));

    let (events, late_send, returned, late_done, cpu) = within(LIMIT + pause, HANGS, move || {
        let log = EventLog::start();
        let recorder = log.recorder();
        log.record("early");
        // Still holds a recorder while finish starts waiting; sends one more
        // event after the pause, then drops it.
        let late = thread::spawn(move || {
            let (cpu, switches) = (
                process_cpu_time(),
                // The process's switches, less this thread's own (it wakes
                // once per window to watch the others).
                context_switches(Of::Process)
                    .zip(context_switches(Of::Thread))
                    .map(|(p, t)| p.total() - t.total()),
            );
            let stretch = quiet_through::watch(pause);
            let switches = context_switches(Of::Process)
                .zip(context_switches(Of::Thread))
                .map(|(p, t)| p.total() - t.total())
                .zip(switches)
                .map(|(b, a)| b - a);
            let cpu = (process_cpu_time() - cpu, switches, stretch);
            let sent = recorder.send("late".to_string());
            let done = Instant::now();
            drop(recorder);
            (sent, done, cpu)
        });
        let events = log.finish();
        let returned = Instant::now();
        let (late_send, late_done, cpu): (
            Result<(), SendError<String>>,
            Instant,
            (Duration, Option<i64>, quiet_through::Stretch),
        ) = late.join().expect("the late recorder panicked");
        (events, late_send, returned, late_done, cpu)
    });
    assert!(
        late_send.is_ok(),
        "a thread still held a recorder, quiet for {pause:?}, yet the collector had stopped \
         receiving before it sent its last event: finish must wait until every recorder is \
         dropped (only the channel closing tells the collector that no more events can come; \
         not a quiet spell, a sleep or an end marker)"
    );
    assert!(
        events == ["early", "late"],
        "finish returned {events:?}, but a recorder sent \"late\" after a pause of {pause:?}: \
         finish must not return before the last recorder is dropped"
    );
    let lag = returned.saturating_duration_since(late_done);
    assert!(
        lag < pause,
        "finish returned {lag:?} after the last recorder was dropped: does the collector wait \
         for a quiet spell (recv_timeout) instead of the channel closing?"
    );
    let (cpu, switches, stretch) = cpu;
    assert!(
        cpu < pause / 4,
        "while finish waited {pause:?} for a quiet recorder, the process used {cpu:?} of CPU \
         time: something polls (try_recv, is_finished in a loop?) instead of blocking. \
         `join` sleeps until the collector ends"
    );
    if let Some(switches) = switches {
        assert!(
            switches <= 20,
            "while finish waited {pause:?} for a quiet recorder, the process was switched in \
             and out {switches} times: something polls (try_recv, is_finished in a loop, with \
             or without a short sleep) instead of blocking. `join` sleeps until the collector \
             ends"
        );
    }
    quiet_through::assert_quiet(stretch, "finish", "a quiet recorder", pause);
}
