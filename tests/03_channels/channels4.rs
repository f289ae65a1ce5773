use super::support::{
    Latch, Of, Rng, context_switches, lock, process_cpu_time, quiet_through, within,
};
use exercise::write_lines;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(Receiver<u32>, Duration, fn(u32), fn()) = write_lines::<u32>;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "write_lines did not return although every Sender was dropped: \
                     Disconnected is the one error that means the end, so return then";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Event {
    Write(u32),
    Flush,
}

type Log = Arc<Mutex<Vec<(Event, Instant)>>>;

// Runs write_lines on a helper thread (bounded by LIMIT). Every flush is
// also announced on the returned Receiver, which disconnects when
// write_lines returns (and drops `flush`).
fn start(
    lines: Receiver<u32>,
    quiet: Duration,
) -> (Log, Receiver<()>, thread::JoinHandle<Instant>) {
    start_with_limit(lines, quiet, LIMIT)
}

#[track_caller]
fn start_with_limit(
    lines: Receiver<u32>,
    quiet: Duration,
    limit: Duration,
) -> (Log, Receiver<()>, thread::JoinHandle<Instant>) {
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let (flushed_tx, flushed) = mpsc::channel();
    let runner = {
        let log = Arc::clone(&log);
        thread::spawn(move || {
            within(limit, HANGS, move || {
                let started = Instant::now();
                let write_log = Arc::clone(&log);
                write_lines(
                    lines,
                    quiet,
                    move |line| lock(&write_log).push((Event::Write(line), Instant::now())),
                    move || {
                        lock(&log).push((Event::Flush, Instant::now()));
                        let _ = flushed_tx.send(());
                    },
                );
                started
            })
        })
    };
    (log, flushed, runner)
}

fn finish(runner: thread::JoinHandle<Instant>) -> Instant {
    match runner.join() {
        Ok(started) => started,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

fn writes(log: &Log) -> Vec<u32> {
    lock(log)
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Write(n) => Some(*n),
            Event::Flush => None,
        })
        .collect()
}

fn assert_ends_with_flush(log: &Log) {
    assert_eq!(
        lock(log).last().map(|(e, _)| *e),
        Some(Event::Flush),
        "flush once more after the last line, before returning"
    );
}

// Sends `lines`, then waits until the writer flushes. Returns how the wait
// ended and which sends failed.
fn send_then_await_flush(
    tx: &Sender<u32>,
    lines: std::ops::Range<u32>,
    flushed: &Receiver<()>,
) -> (Result<(), RecvTimeoutError>, Vec<u32>) {
    let failed: Vec<u32> = lines.filter(|&n| tx.send(n).is_err()).collect();
    (flushed.recv_timeout(WAIT), failed)
}

#[test]
fn keeps_writing_after_a_quiet_spell() {
    let quiet = Duration::from_millis(5);
    let (tx, rx) = mpsc::channel();
    let (log, flushed, runner) = start(rx, quiet);
    let (first_wait, _) = send_then_await_flush(&tx, 1..4, &flushed);
    // The writer has flushed (or stopped): lines 4..6 come after a pause.
    let failed: Vec<u32> = (4..7).filter(|&n| tx.send(n).is_err()).collect();
    drop(tx);
    finish(runner);
    assert!(
        first_wait != Err(RecvTimeoutError::Timeout),
        "no flush {WAIT:?} after the last line, with quiet = {quiet:?}: when recv_timeout \
         reports a Timeout, call flush (and go on waiting)"
    );
    let written = writes(&log);
    assert!(
        failed.is_empty() && written == [1, 2, 3, 4, 5, 6],
        "lines 1..=3 were sent, then, after a flush, lines 4..=6. Written: {written:?}. \
         Did write_lines return at the first quiet spell? A Timeout only means nothing has \
         come yet, not that nothing more will come"
    );
    assert_ends_with_flush(&log);
}

#[test]
fn flushes_only_after_a_quiet_spell() {
    let quiet = Duration::from_millis(20);
    let (tx, rx) = mpsc::channel();
    let (log, flushed, runner) = start(rx, quiet);
    let mut failed = Vec::new();
    let mut waits = Vec::new();
    for round in 0..3 {
        let (wait, f) = send_then_await_flush(&tx, round * 10..round * 10 + 10, &flushed);
        let timed_out = wait == Err(RecvTimeoutError::Timeout);
        waits.push(wait);
        failed.extend(f);
        if timed_out {
            break;
        }
    }
    drop(tx);
    let started = finish(runner);
    assert!(
        waits.iter().all(|w| *w != Err(RecvTimeoutError::Timeout)),
        "no flush {WAIT:?} after the last line, with quiet = {quiet:?}: when recv_timeout \
         reports a Timeout, call flush (and go on waiting)"
    );
    let written = writes(&log);
    assert!(
        failed.is_empty() && written == (0..30).collect::<Vec<_>>(),
        "3 rounds of 10 lines were sent, each after a flush, but only {} lines were written. \
         Did write_lines return at the first quiet spell? A Timeout only means nothing has \
         come yet, not that nothing more will come",
        written.len()
    );
    let log = lock(&log).clone();
    let mut previous = started;
    // The last event is the final flush, which need not wait.
    for (i, (event, at)) in log.iter().enumerate().take(log.len().saturating_sub(1)) {
        if *event == Event::Flush && at.duration_since(previous) < quiet {
            panic!(
                "flush was called {:?} after the previous {}, but only a quiet spell of \
                 {quiet:?} (no line arriving) should lead to a flush: wait with \
                 recv_timeout(quiet) instead of flushing whenever the channel is empty",
                at.duration_since(previous),
                if i == 0 { "start" } else { "write or flush" }
            );
        }
        previous = *at;
    }
}

#[test]
fn returns_when_every_sender_is_gone() {
    // With so long a quiet spell there is no time for a flush before the
    // end: only the last one.
    let quiet = Duration::from_secs(30);
    let (tx, rx) = mpsc::channel();
    let (log, _flushed, runner) = start(rx, quiet);
    let senders: Vec<_> = (0..3)
        .map(|t| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..20 {
                    let _ = tx.send(t * 100 + i);
                }
            })
        })
        .collect();
    drop(tx);
    for s in senders {
        s.join().expect("a sender thread panicked");
    }
    finish(runner);
    let mut written = writes(&log);
    written.sort_unstable();
    let expected: Vec<u32> = (0..3)
        .flat_map(|t| (0..20).map(move |i| t * 100 + i))
        .collect();
    assert_eq!(
        written, expected,
        "every line from the 3 senders should be written exactly once"
    );
    let flushes = lock(&log)
        .iter()
        .filter(|(e, _)| *e == Event::Flush)
        .count();
    assert_eq!(
        flushes, 1,
        "with quiet = {quiet:?} and the lines coming in one go, flush should run once, at the \
         end, but it ran {flushes} times: flush only after a whole quiet spell"
    );
    assert_ends_with_flush(&log);
}

#[test]
fn no_lines_at_all() {
    let (tx, rx) = mpsc::channel();
    drop(tx);
    let (log, _flushed, runner) = start(rx, Duration::from_secs(30));
    finish(runner);
    let events: Vec<Event> = lock(&log).iter().map(|(e, _)| *e).collect();
    assert_eq!(
        events,
        [Event::Flush],
        "the channel was closed from the start: expected just the last flush"
    );
}

// The stream falls silent this long in the middle.
const PAUSE: Duration = Duration::from_millis(1500);

#[test]
fn keeps_waiting_through_a_long_pause_without_spinning() {
    let mut rng = Rng::from_env();
    // Short quiet spells: the pause holds hundreds of them.
    let quiet = Duration::from_millis(rng.range(1..4));
    let (before, after) = (1 + rng.range(0..10) as u32, 1 + rng.range(0..10) as u32);
    let (tx, rx) = mpsc::channel();
    let (log, flushed, runner) = start_with_limit(rx, quiet, LIMIT + PAUSE);
    let failed_before: Vec<u32> = (0..before).filter(|&n| tx.send(n).is_err()).collect();
    let first_flush = flushed.recv_timeout(WAIT);
    let cpu = process_cpu_time();
    let started = Instant::now();
    thread::sleep(PAUSE);
    let (paused, cpu) = (started.elapsed(), process_cpu_time() - cpu);
    let failed_after: Vec<u32> = (before..before + after)
        .filter(|&n| tx.send(n).is_err())
        .collect();
    drop(tx);
    finish(runner);
    assert!(
        first_flush != Err(RecvTimeoutError::Timeout),
        "no flush {WAIT:?} after the last line, with quiet = {quiet:?}: when recv_timeout \
         reports a Timeout, call flush (and go on waiting)"
    );
    let written = writes(&log);
    assert!(
        failed_before.is_empty()
            && failed_after.is_empty()
            && written == (0..before + after).collect::<Vec<_>>(),
        "{before} lines were sent, then, after a pause of {PAUSE:?} (quiet = {quiet:?}), \
         {after} more. Written: {written:?}. Did write_lines stop after some quiet spells? \
         Only Disconnected means that nothing more will come"
    );
    assert_ends_with_flush(&log);
    // Hundreds of quiet spells pass in the pause: a writer that waits
    // `quiet` flushes after each of them; ten (one per 150 ms) leave room
    // for a busy machine. A writer that stretches the quiet spell to a
    // floor of its own (`quiet.max(..)`) flushes a few times at most.
    let paused_until = started + paused;
    let flushes = lock(&log)
        .iter()
        .filter(|(e, at)| *e == Event::Flush && *at >= started && *at <= paused_until)
        .count();
    assert!(
        flushes >= 10,
        "during a pause of {paused:?} with quiet = {quiet:?}, flush was called {flushes} \
         times, though hundreds of quiet spells passed: wait with recv_timeout(quiet) \
         itself, and flush after every Timeout, not after a longer wait of your own"
    );
    assert!(
        cpu < paused / 4,
        "during a pause of {paused:?} with quiet = {quiet:?}, the process used {cpu:?} of CPU \
         time: write_lines seems to poll (try_recv in a loop?) instead of blocking in \
         recv_timeout"
    );
}

#[test]
fn writes_each_line_at_once_and_blocks_meanwhile() {
    let mut rng = Rng::from_env();
    // No quiet spell ends during this test: only the last flush.
    let quiet = Duration::from_secs(30);
    let count = 2 + rng.range(0..6) as u32;
    let seen = Arc::new(Latch::new(Vec::new()));
    let (tx, rx) = mpsc::channel::<u32>();
    let runner = thread::spawn({
        let seen = Arc::clone(&seen);
        move || {
            within(LIMIT, HANGS, move || {
                write_lines(rx, quiet, |n| seen.update(|s| s.push(n)), || {})
            })
        }
    });
    let mut late = None;
    for n in 0..count {
        if tx.send(n).is_err() {
            break;
        }
        if !seen.wait_until(WAIT, |s| s.contains(&n)) {
            late = Some(n);
            break;
        }
    }
    // Nothing comes now: a blocked writer does not run at all.
    let stretch = Duration::from_millis(500);
    // The process's switches, less this thread's own (it wakes once per
    // window to watch the others).
    let others = || {
        context_switches(Of::Process)
            .zip(context_switches(Of::Thread))
            .map(|(p, t)| p.total() - t.total())
    };
    let (cpu, switches) = (process_cpu_time(), others());
    let quiet_stretch = quiet_through::watch(stretch);
    let cpu = process_cpu_time() - cpu;
    let switches = others().zip(switches).map(|(b, a)| b - a);
    drop(tx);
    if let Err(payload) = runner.join() {
        std::panic::resume_unwind(payload);
    }
    if let Some(n) = late {
        panic!(
            "line {n} was sent, but write had not got it {WAIT:?} later (quiet = {quiet:?}): \
             pass each line to write as soon as recv_timeout returns it"
        );
    }
    assert!(
        cpu < stretch / 4,
        "while no line came for {stretch:?} (quiet = {quiet:?}), the process used {cpu:?} of \
         CPU time: write_lines seems to poll (try_recv in a loop?) instead of blocking in \
         recv_timeout(quiet)"
    );
    if let Some(switches) = switches {
        assert!(
            switches <= 10,
            "while no line came for {stretch:?} (quiet = {quiet:?}), the process was switched \
             in and out {switches} times: write_lines seems to poll (try_recv in a loop, with \
             or without a short sleep) instead of blocking in recv_timeout(quiet)"
        );
    }
    quiet_through::assert_quiet(quiet_stretch, "write_lines", "the next line (quiet = 30 s)", stretch);
}
