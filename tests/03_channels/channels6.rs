// The hidden tests of channels6: `show_progress(reports, on_report, tick)`.
//
// The test's `tick` takes a frame (a short sleep), so a loop that asks
// `try_recv` once per tick need not sleep itself. Reports come from the
// test thread, from inside `tick` (a whole burst arrives between two asks,
// and the last one right before the channel closes) and from inside
// `on_report` (reports arrive while another is being handled). The test
// holds every Sender silent until it has seen ticks, once at the start and
// once for about a second mid-stream, longer than any timeout a loop might
// take for "the end". The callbacks are not `Send`: they stay on the
// caller's thread.
//
// While no report comes, the loop's own work between two ticks is measured
// with the thread's CPU clock (read as each tick starts and ends): a loop
// that spins on try_recv between ticks uses the CPU there, one that asks
// once and ticks does not. A long queue of reports, there before the loop
// starts, must go through with no tick in between (tick is for when no
// report is waiting), each report once and in order. A loop that sleeps a
// little of its own besides tick is accepted (see the solution); it must
// still tick at least TICKS times a second.

use super::support::{Latch, Rng, lock, thread_cpu_time, within};
use exercise::show_progress;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

// The API, pinned: a changed signature does not compile.
const _: fn(Receiver<u32>, fn(u32), fn()) = show_progress::<u32>;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
/// How long a stream the test's callbacks send may take to run its course.
const SETTLE: Duration = Duration::from_millis(1500);
/// How long the test's `tick` takes: one frame.
const FRAME: Duration = Duration::from_micros(200);
/// The stream falls silent this long in the middle.
const PAUSE: Duration = Duration::from_millis(1500);
/// Ticks the test wants to see while it holds the reports back.
const TICKS: usize = 10;
/// Ticks the test waits for while it measures the loop's CPU time.
const IDLE_TICKS: usize = 60;
/// Most CPU time the loop itself may use between two ticks (the median gap):
/// one try_recv takes about a microsecond.
const BUSY_GAP: Duration = Duration::from_micros(100);
/// Most CPU time the loop itself may use between two ticks on average: a
/// correct loop used 3 µs (at most 10 µs in any gap) on a busy 2-core
/// machine; a loop that spins before some of the ticks only shows here.
const BUSY_MEAN: Duration = Duration::from_micros(30);
const HANGS: &str = "show_progress did not return although every Sender was dropped: \
                     TryRecvError::Disconnected means no report can come any more, so return \
                     then";

/// What the callbacks saw.
#[derive(Default)]
struct Seen {
    reports: Vec<u32>,
    ticks: usize,
    returned: bool,
    /// Callbacks that ran on another thread than show_progress's caller.
    elsewhere: usize,
    /// The thread's CPU clock when the last tick ended; None after a report
    /// (only gaps between two ticks with no report in between count).
    tick_ended: Option<Duration>,
    /// The CPU time the loop used between two ticks, one per such gap.
    gaps: Vec<Duration>,
}

/// A Sender that the test and its callbacks share; `close` drops it.
type Feed = Arc<Mutex<Option<Sender<u32>>>>;

fn feed(tx: Sender<u32>) -> Feed {
    Arc::new(Mutex::new(Some(tx)))
}

fn send(feed: &Feed, reports: &[u32]) {
    if let Some(tx) = lock(feed).as_ref() {
        for &report in reports {
            // An Err means show_progress has returned; the checks say so.
            let _ = tx.send(report);
        }
    }
}

fn close(feed: &Feed) {
    lock(feed).take();
}

struct Run {
    seen: Arc<Latch<Seen>>,
    runner: thread::JoinHandle<()>,
}

/// Runs show_progress on a thread of its own. Each tick is recorded, then
/// calls `on_tick(n)` (n: ticks so far, this one included), then takes a
/// FRAME; each report is recorded, then passed to `on_report`.
fn start(
    reports: Receiver<u32>,
    mut on_tick: impl FnMut(usize) + Send + 'static,
    mut on_report: impl FnMut(u32) + Send + 'static,
) -> Run {
    let seen = Arc::new(Latch::new(Seen::default()));
    let runner = thread::spawn({
        let seen = Arc::clone(&seen);
        move || {
            // An Rc makes both callbacks non-Send.
            let caller = Rc::new(thread::current().id());
            let (report_caller, report_seen, tick_seen) =
                (Rc::clone(&caller), Arc::clone(&seen), Arc::clone(&seen));
            let result = panic::catch_unwind(AssertUnwindSafe(move || {
                show_progress(
                    reports,
                    move |report| {
                        let away = thread::current().id() != *report_caller;
                        report_seen.update(|s| {
                            s.reports.push(report);
                            s.elsewhere += usize::from(away);
                            s.tick_ended = None;
                        });
                        on_report(report);
                    },
                    move || {
                        let started = thread_cpu_time();
                        let away = thread::current().id() != *caller;
                        let n = tick_seen.update(|s| {
                            s.ticks += 1;
                            s.elsewhere += usize::from(away);
                            if let (Some(ended), Some(started)) = (s.tick_ended, started) {
                                s.gaps.push(started.saturating_sub(ended));
                            }
                            s.ticks
                        });
                        on_tick(n);
                        thread::sleep(FRAME);
                        let ended = thread_cpu_time();
                        tick_seen.update(|s| s.tick_ended = ended);
                    },
                )
            }));
            seen.update(|s| s.returned = true);
            if let Err(payload) = result {
                panic::resume_unwind(payload);
            }
        }
    });
    Run { seen, runner }
}

impl Run {
    /// (reports handled, ticks, returned)
    fn now(&self) -> (usize, usize, bool) {
        self.seen.update(|s| (s.reports.len(), s.ticks, s.returned))
    }

    /// Waits, bounded, for show_progress to return (the caller has dropped
    /// its Senders), and passes on a panic of it.
    fn finish(self) -> Seen {
        let runner = self.runner;
        if let Err(payload) = within(LIMIT, HANGS, move || runner.join()) {
            panic::resume_unwind(payload);
        }
        let seen = self.seen.update(std::mem::take);
        assert!(
            seen.elsewhere == 0,
            "{} callback(s) ran on another thread than the one that called show_progress: \
             call on_report and tick in the loop itself",
            seen.elsewhere
        );
        seen
    }
}

/// `count` distinct random reports, not in sorted order.
fn random_reports(rng: &mut Rng, count: usize) -> Vec<u32> {
    let mut seen = HashSet::new();
    let mut reports = Vec::new();
    while reports.len() < count {
        let report = rng.range(0..1_000_000) as u32;
        if seen.insert(report) {
            reports.push(report);
        }
    }
    if count >= 2 && reports.is_sorted() {
        reports.reverse();
    }
    reports
}

/// What is wrong with the reports on_report got, or None.
fn difference(got: &[u32], want: &[u32]) -> Option<String> {
    if got == want {
        return None;
    }
    let missing: Vec<u32> = want.iter().filter(|r| !got.contains(r)).copied().collect();
    if let Some(first) = missing.first() {
        let position = want.iter().position(|r| r == first).unwrap_or(0);
        return Some(format!(
            "{} of the {} reports never reached on_report; the first of them, {first}, was report \
             number {} sent",
            missing.len(),
            want.len(),
            position + 1
        ));
    }
    if got.len() > want.len() {
        return Some(format!(
            "on_report was called {} times for {} reports: some reports were handled twice",
            got.len(),
            want.len()
        ));
    }
    let i = got.iter().zip(want).position(|(g, w)| g != w).unwrap_or(0);
    Some(format!(
        "report number {} sent was {}, but on_report got {} there: hand the reports on in the \
         order they come out of the channel",
        i + 1,
        want[i],
        got[i]
    ))
}

#[test]
fn keeps_ticking_while_no_report_comes() {
    let mut rng = Rng::from_env();
    let (tx, rx) = mpsc::channel();
    let run = start(rx, |_| {}, |_| {});
    run.seen
        .wait_until(WAIT, |s| s.ticks >= IDLE_TICKS || s.returned);
    let (_, ticks, returned) = run.now();
    let gaps = run.seen.update(|s| s.gaps.clone());
    assert!(
        !returned,
        "show_progress returned after {ticks} tick(s), before any report was sent, while the \
         Sender was still alive: TryRecvError::Empty only means that no report has come *yet*. \
         Tick then, and ask again"
    );
    assert!(
        ticks >= TICKS,
        "no report was sent for {WAIT:?}, and tick was called only {ticks} time(s) in that time: \
         the loop waits for the next report (recv, or a for loop over the Receiver) instead of \
         ticking while none is there"
    );
    if let Some(busy) = median(gaps.clone()) {
        assert!(
            busy < BUSY_GAP,
            "no report was sent, and between one tick and the next the loop itself (tick not \
             counted) used {busy:?} of CPU time (the median of {} such gaps; asking try_recv \
             once takes a microsecond or so): it keeps the CPU busy, asking again and again \
             or waiting in a loop, instead of ticking. At Empty, call tick at once: tick waits \
             for the next frame",
            gaps.len()
        );
    }
    // The mean too: a loop that spins only before some of the ticks (every
    // third, every twentieth) keeps the median low, not the mean.
    if !gaps.is_empty() {
        let mean = gaps.iter().sum::<Duration>() / gaps.len() as u32;
        assert!(
            mean < BUSY_MEAN,
            "no report was sent, and between one tick and the next the loop itself (tick not \
             counted) used {mean:?} of CPU time on average over {} such gaps (asking try_recv \
             once takes a microsecond or so): before some of the ticks it keeps the CPU busy, \
             asking again and again or waiting in a loop. At Empty, call tick at once: tick \
             waits for the next frame",
            gaps.len()
        );
    }
    let count = 1 + rng.below(5);
    let want = random_reports(&mut rng, count);
    for &report in &want {
        let _ = tx.send(report);
    }
    run.seen
        .wait_until(WAIT, |s| s.reports.len() >= want.len() || s.returned);
    let (handled, _, returned) = run.now();
    drop(tx);
    let seen = run.finish();
    if let Some(problem) = difference(&seen.reports, &want) {
        panic!(
            "after {TICKS} ticks, the test sent {} report(s); {WAIT:?} later, {handled} had been \
             handled and show_progress {} returned: {problem}",
            want.len(),
            if returned { "had" } else { "had not" }
        );
    }
}

#[test]
fn bursts_are_handled_in_order_each_once() {
    let mut rng = Rng::from_env();
    let bursts_count = 3 + rng.below(4);
    let sizes: Vec<usize> = (0..bursts_count).map(|_| 2 + rng.below(30)).collect();
    let all = random_reports(&mut rng, sizes.iter().sum());
    let mut rest = all.as_slice();
    let mut bursts = Vec::new();
    for size in sizes {
        let (burst, tail) = rest.split_at(size);
        bursts.push(burst.to_vec());
        rest = tail;
    }
    let (tx, rx) = mpsc::channel();
    // The first burst is there before show_progress starts; each later one
    // is sent from inside a tick, all at once, and the last one right
    // before the channel closes, in that same tick.
    for &report in &bursts[0] {
        let _ = tx.send(report);
    }
    let feed = feed(tx);
    let every = 1 + rng.below(3);
    let later = bursts.split_off(1);
    let tick_feed = Arc::clone(&feed);
    let mut next = 0;
    let run = start(
        rx,
        move |n| {
            if next < later.len() && n >= (next + 1) * every {
                send(&tick_feed, &later[next]);
                next += 1;
                if next == later.len() {
                    close(&tick_feed);
                }
            }
        },
        |_| {},
    );
    run.seen.wait_until(SETTLE, |s| s.returned);
    let (handled, ticks, returned) = run.now();
    close(&feed);
    let seen = run.finish();
    if let Some(problem) = difference(&seen.reports, &all) {
        panic!(
            "{bursts_count} bursts of reports were sent (the first before show_progress started, \
             the others each all at once, from inside tick; right after the last burst, every \
             Sender was dropped): {problem}. (Within {SETTLE:?}: {ticks} ticks, {handled} reports \
             handled, show_progress {} returned.) Handle each report as soon as try_recv returns \
             it, and return only at Disconnected: it comes after every report sent before it",
            if returned { "had" } else { "had not" }
        );
    }
}

#[test]
fn reports_that_come_while_one_is_handled_are_not_lost() {
    let mut rng = Rng::from_env();
    let count = 20 + rng.below(40);
    let all = random_reports(&mut rng, count);
    // Groups of 1 to 3 reports; the last report of a group, while it is
    // being handled, sends the next group.
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut rest = all.as_slice();
    while !rest.is_empty() {
        let size = (1 + rng.below(3)).min(rest.len());
        let (group, tail) = rest.split_at(size);
        groups.push(group.to_vec());
        rest = tail;
    }
    let (tx, rx) = mpsc::channel();
    for &report in &groups[0] {
        let _ = tx.send(report);
    }
    let feed = feed(tx);
    let report_feed = Arc::clone(&feed);
    let mut group = 0;
    let groups_count = groups.len();
    let run = start(
        rx,
        |_| {},
        move |report| {
            if groups.get(group).and_then(|g| g.last()) == Some(&report) {
                group += 1;
                match groups.get(group) {
                    Some(next) => send(&report_feed, next),
                    None => close(&report_feed),
                }
            }
        },
    );
    run.seen.wait_until(SETTLE, |s| s.returned);
    let (handled, _, returned) = run.now();
    close(&feed);
    let seen = run.finish();
    if let Some(problem) = difference(&seen.reports, &all) {
        panic!(
            "{} reports came in {groups_count} groups, each group sent while on_report was \
             handling the last report of the group before: {problem}. (Within {SETTLE:?}, \
             {handled} reports were handled, and show_progress {} returned.) Is a report that \
             try_recv returned thrown away, say by a try_recv that only checks for \
             Disconnected?",
            all.len(),
            if returned { "had" } else { "had not" }
        );
    }
}

#[test]
fn keeps_going_through_a_long_pause() {
    let mut rng = Rng::from_env();
    let count = 2 + rng.below(20);
    let all = random_reports(&mut rng, count);
    let (before, after) = all.split_at(1 + rng.below(all.len() - 1));
    let (tx, rx) = mpsc::channel();
    for &report in before {
        let _ = tx.send(report);
    }
    let run = start(rx, |_| {}, |_| {});
    run.seen
        .wait_until(WAIT, |s| s.reports.len() >= before.len() || s.returned);
    let (_, ticks_before, _) = run.now();
    // Silence: nothing is sent for PAUSE, and then until a few more ticks
    // (a loop that gives up after a quiet spell has asked again by then).
    thread::sleep(PAUSE);
    let (_, ticks_paused, _) = run.now();
    run.seen
        .wait_until(WAIT, |s| s.ticks >= ticks_paused + TICKS || s.returned);
    let (handled, ticks, returned) = run.now();
    assert!(
        !returned,
        "{} report(s) were sent, then nothing for {PAUSE:?}, with the Sender still alive, and \
         show_progress returned during that pause: a quiet spell (Empty, or a recv_timeout's \
         Timeout, however many in a row) is not the end. Only Disconnected is",
        before.len()
    );
    assert!(
        ticks >= ticks_paused + TICKS,
        "no report came for {PAUSE:?} and more, and tick was called only {} time(s) in that \
         time: keep ticking while no report is there",
        ticks - ticks_before
    );
    for &report in after {
        let _ = tx.send(report);
    }
    run.seen
        .wait_until(WAIT, |s| s.reports.len() >= all.len() || s.returned);
    drop(tx);
    let seen = run.finish();
    if let Some(problem) = difference(&seen.reports, &all) {
        panic!(
            "{} report(s) were sent, then, after a pause of {PAUSE:?}, {} more ({handled} had \
             been handled before the pause ended): {problem}",
            before.len(),
            after.len()
        );
    }
}

#[test]
fn runs_until_every_sender_is_gone() {
    let mut rng = Rng::from_env();
    let producers = 2 + rng.below(5);
    let counts: Vec<u32> = (0..producers)
        .map(|_| 1 + rng.range(0..30) as u32)
        .collect();
    let (tx, rx) = mpsc::channel();
    let run = start(rx, |_| {}, |_| {});
    // Producer p sends p * 1000 + i, for i in order.
    let threads: Vec<_> = counts
        .iter()
        .enumerate()
        .map(|(p, &count)| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..count {
                    let _ = tx.send(p as u32 * 1000 + i);
                    if i % 4 == 3 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a producer thread panicked");
    }
    let total: usize = counts.iter().map(|&c| c as usize).sum();
    run.seen
        .wait_until(WAIT, |s| s.reports.len() >= total || s.returned);
    // Every producer's Sender is gone; the test's own is not.
    let (_, ticks_before, _) = run.now();
    run.seen
        .wait_until(WAIT, |s| s.ticks >= ticks_before + TICKS || s.returned);
    let (handled, _, returned) = run.now();
    assert!(
        !returned,
        "{producers} producers sent {total} reports and dropped their Senders, but the test \
         still held one, and show_progress returned ({handled} reports handled): it may return \
         only when every Sender is gone, which try_recv reports as Disconnected"
    );
    let last = 999_999;
    let _ = tx.send(last);
    run.seen.wait_until(WAIT, |s| s.reports.len() > total);
    drop(tx);
    let seen = run.finish();
    assert!(
        seen.reports.len() == total + 1 && seen.reports.last() == Some(&last),
        "{producers} producers sent {total} reports, then the test one more, {last}: on_report \
         was called {} times, the last time with {:?}",
        seen.reports.len(),
        seen.reports.last()
    );
    for (p, &count) in counts.iter().enumerate() {
        let from_p: Vec<u32> = seen
            .reports
            .iter()
            .copied()
            .filter(|&r| r != last && r / 1000 == p as u32)
            .collect();
        let want: Vec<u32> = (0..count).map(|i| p as u32 * 1000 + i).collect();
        if let Some(problem) = difference(&from_p, &want) {
            panic!("of the {count} reports producer {p} sent: {problem}");
        }
    }
}

#[test]
fn returns_when_the_channel_is_closed_from_the_start() {
    let (tx, rx) = mpsc::channel::<u32>();
    drop(tx);
    let seen = start(rx, |_| {}, |_| {}).finish();
    assert!(
        seen.reports.is_empty(),
        "no report was sent, but on_report got {:?}",
        seen.reports
    );
}

#[test]
fn a_long_queue_goes_through_without_ticks_in_between() {
    // Thousands of reports wait in the channel before show_progress starts,
    // and every Sender is gone: no report is ever missing, so tick has no
    // place here (a tick first, before asking, is let pass).
    let mut rng = Rng::from_env();
    let count = 5_000 + rng.below(5_000);
    let all = random_reports(&mut rng, count);
    let (tx, rx) = mpsc::channel();
    for &report in &all {
        let _ = tx.send(report);
    }
    drop(tx);
    let run = start(
        rx,
        move |n| {
            assert!(
                n <= 1,
                "{count} reports were waiting in the channel before show_progress started \
                 (and every Sender was gone), and tick was called {n} times while they went \
                 through: tick draws a frame and waits for the next, so call it only at Empty, \
                 when no report is waiting, not after every report"
            );
        },
        |_| {},
    );
    let seen = run.finish();
    assert!(
        seen.ticks <= 1,
        "{count} reports were waiting in the channel before show_progress started (and every \
         Sender was gone), and tick was called {} times: call it only at Empty, when no \
         report is waiting",
        seen.ticks
    );
    if let Some(problem) = difference(&seen.reports, &all) {
        panic!(
            "{count} reports were waiting in the channel before show_progress started, and \
             every Sender was gone: {problem}. Hand on every report try_recv returns, however \
             many are waiting"
        );
    }
}

/// The median of `values`, or None for none.
fn median(mut values: Vec<Duration>) -> Option<Duration> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

