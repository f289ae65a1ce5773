use super::support::{
    Gate, Latch, Of, Rng, ThreadIds, context_switches, lock, process_cpu_time, quiet_through, within,
};
use exercise::process_logs;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
type Lines = std::vec::IntoIter<String>;
type Parse = fn(String) -> Option<u32>;
type Render = fn(u32) -> String;
const _: fn(Vec<Lines>, Parse, Render) -> Vec<String> = process_logs::<Lines, u32, Parse, Render>;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
// How long the readers wait for each other at the gate: a thousand and more
// threads take a while to start on a busy machine.
const GATE_WAIT: Duration = Duration::from_millis(1500);
const HANGS: &str = "process_logs did not return. Each stage's loop ends only when every \
                     Sender into its channel is gone: are the original Senders dropped, and \
                     does each stage drop its Sender to the next when it ends?";

// A line is "s<source>:<index>", with " skip" added to those parse drops.
fn line(source: usize, index: usize, skip: bool) -> String {
    format!("s{source}:{index}{}", if skip { " skip" } else { "" })
}

#[derive(Debug)]
struct Rec {
    source: usize,
    index: usize,
}

fn parse_line(line: &str) -> Option<Rec> {
    if line.ends_with(" skip") {
        return None;
    }
    let (source, index) = line.strip_prefix('s')?.split_once(':')?;
    Some(Rec {
        source: source.parse().ok()?,
        index: index.parse().ok()?,
    })
}

fn render_rec(rec: &Rec) -> String {
    format!("<{}.{}>", rec.source, rec.index)
}

// Lines of source `s`: `len` lines, every `skip_every`-th one dropped by
// parse (0: none).
fn source_lines(s: usize, len: usize, skip_every: usize) -> Vec<String> {
    (0..len)
        .map(|i| line(s, i, skip_every != 0 && i % skip_every == skip_every - 1))
        .collect()
}

// What must come out, per source, in order.
fn expected_of(lens: &[usize], skip_every: usize) -> Vec<Vec<String>> {
    lens.iter()
        .enumerate()
        .map(|(s, &len)| {
            (0..len)
                .filter(|i| skip_every == 0 || i % skip_every != skip_every - 1)
                .map(|i| {
                    render_rec(&Rec {
                        source: s,
                        index: i,
                    })
                })
                .collect()
        })
        .collect()
}

fn check_complete(out: &[String], expected: &[Vec<String>]) {
    let total: usize = expected.iter().map(Vec::len).sum();
    let distinct: HashSet<&String> = out.iter().collect();
    assert!(
        distinct.len() == out.len(),
        "{} lines came out but only {} distinct ones: some lines came through twice",
        out.len(),
        distinct.len()
    );
    assert!(
        out.len() == total,
        "{total} lines should have come out, but {} did: lines were lost (does some stage \
         stop, or process_logs stop collecting, before everything has come through?)",
        out.len()
    );
    for (s, want) in expected.iter().enumerate() {
        let prefix = format!("<{s}.");
        let got: Vec<&String> = out.iter().filter(|l| l.starts_with(&prefix)).collect();
        assert!(
            got.iter().copied().eq(want.iter()),
            "the lines of source {s} came out wrong, out of order, or not at all: \
             expected {want:?}, got {got:?}"
        );
    }
}

#[track_caller]
fn run_plain(lens: &[usize], skip_every: usize) -> Vec<String> {
    let sources: Vec<std::vec::IntoIter<String>> = lens
        .iter()
        .enumerate()
        .map(|(s, &len)| source_lines(s, len, skip_every).into_iter())
        .collect();
    within(LIMIT, HANGS, move || {
        process_logs(sources, |l| parse_line(&l), |r| render_rec(&r))
    })
}

#[test]
fn every_accepted_line_comes_out_once() {
    let mut rng = Rng::from_env();
    let mut lens: Vec<usize> = (0..1 + rng.below(8)).map(|_| rng.below(30)).collect();
    lens.push(0);
    rng.shuffle(&mut lens);
    let skip_every = 2 + rng.below(6);
    let out = run_plain(&lens, skip_every);
    check_complete(&out, &expected_of(&lens, skip_every));
}

#[test]
fn many_lines_from_many_sources() {
    let mut rng = Rng::from_env();
    let lens: Vec<usize> = (0..2 + rng.below(5)).map(|_| rng.below(500)).collect();
    let skip_every = rng.below(9);
    let out = run_plain(&lens, skip_every);
    check_complete(&out, &expected_of(&lens, skip_every));
}

#[test]
fn nothing_to_process() {
    let out = run_plain(&[], 0);
    assert!(out.is_empty(), "no sources: nothing should come out");
    let out = run_plain(&[3, 4], 1);
    assert!(
        out.is_empty(),
        "parse rejected every line, yet {out:?} came out"
    );
}

// What the probing sources and stages share with the test.
struct Shared {
    // Every reader waits here before yielding its first line.
    gate: Gate,
    // Sources whose first line has been rendered.
    rendered_first: Latch<HashSet<usize>>,
    // A source asked for its second line while its first had not been
    // rendered after WAIT.
    stalled: Mutex<Option<usize>>,
    // Whether a source waits, before its second item, for its first to come
    // out (off in the gate test: a thousand readers waking each other).
    flow: bool,
    // Where each stage ran.
    read_on: Mutex<Vec<(usize, ThreadId)>>,
    parsed_on: ThreadIds,
    rendered_on: ThreadIds,
    // What render returned, in the order it was called.
    rendered: Mutex<Vec<String>>,
}

struct Probe {
    source: usize,
    lines: std::vec::IntoIter<String>,
    pulled: usize,
    shared: Arc<Shared>,
}

impl Iterator for Probe {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let shared = &self.shared;
        lock(&shared.read_on).push((self.source, thread::current().id()));
        // After one failed wait, waiting again only delays the report: the
        // gate and the latch each give up after their first timeout, and
        // after the gate's there is no need to wait on the latch.
        if self.pulled == 0 {
            let _ = shared.gate.wait(GATE_WAIT);
        }
        if self.pulled == 1
            && shared.flow
            && shared.gate.timed_out().is_none()
            && !shared
                .rendered_first
                .wait_until(WAIT, |done| done.contains(&self.source))
        {
            lock(&shared.stalled).get_or_insert(self.source);
        }
        self.pulled += 1;
        self.lines.next()
    }
}

// Runs process_logs over probing sources of the given lengths (no line is
// skipped). Returns the output, the probes' records and the caller's id.
#[track_caller]
fn run_probed(lens: &[usize], flow: bool) -> (Vec<String>, Arc<Shared>, ThreadId) {
    let shared = Arc::new(Shared {
        gate: Gate::new(lens.len()),
        rendered_first: Latch::new(HashSet::new()),
        stalled: Mutex::new(None),
        flow,
        read_on: Mutex::new(Vec::new()),
        parsed_on: ThreadIds::new(),
        rendered_on: ThreadIds::new(),
        rendered: Mutex::new(Vec::new()),
    });
    let probes: Vec<Probe> = lens
        .iter()
        .enumerate()
        .map(|(source, &len)| Probe {
            source,
            lines: source_lines(source, len, 0).into_iter(),
            pulled: 0,
            shared: Arc::clone(&shared),
        })
        .collect();
    let parse = {
        let shared = Arc::clone(&shared);
        move |l: String| {
            shared.parsed_on.record();
            parse_line(&l)
        }
    };
    let render = {
        let shared = Arc::clone(&shared);
        move |r: Rec| {
            shared.rendered_on.record();
            let text = render_rec(&r);
            lock(&shared.rendered).push(text.clone());
            if r.index == 0 {
                shared.rendered_first.update(|done| done.insert(r.source));
            }
            text
        }
    };
    let (out, caller) = within(LIMIT + GATE_WAIT, HANGS, move || {
        let out = process_logs(probes, parse, render);
        (out, thread::current().id())
    });
    (out, shared, caller)
}

// More sources than any machine has cores, and than a cap of 32, 64 or 128
// (blocked readers cost nothing),
// so that a fixed-size group of readers cannot fill the gate.
fn many_lens(rng: &mut Rng) -> Vec<usize> {
    let count = 129 + rng.below(32);
    (0..count).map(|_| 1 + rng.below(4)).collect()
}

#[test]
fn each_stage_runs_on_its_own_thread() {
    let lens = many_lens(&mut Rng::from_env());
    let (out, shared, caller) = run_probed(&lens, true);
    check_complete(&out, &expected_of(&lens, 0));
    let rendered = lock(&shared.rendered).clone();
    assert!(
        out == rendered,
        "process_logs should return the rendered lines in the order they came out of the \
         render stage; it returned them in another order (sorted, or per source?)"
    );

    let read_on = lock(&shared.read_on).clone();
    for source in 0..lens.len() {
        let threads: ThreadIds = read_on
            .iter()
            .filter(|(s, _)| *s == source)
            .map(|(_, t)| *t)
            .collect();
        threads.assert_distinct(
            1,
            &format!("the reads of source {source}"),
            "one reader thread per source",
        );
    }
    let readers: ThreadIds = read_on.iter().map(|(_, t)| *t).collect();
    readers.assert_distinct(
        lens.len(),
        &format!("the reads of {} sources", lens.len()),
        "start one reader thread per source",
    );
    shared
        .parsed_on
        .assert_distinct(1, "parse", "one parse thread takes every line");
    shared
        .rendered_on
        .assert_distinct(1, "render", "one render thread takes every record");
    let parser = shared.parsed_on.ids()[0];
    let renderer = shared.rendered_on.ids()[0];
    for (stage, thread) in [("parse", parser), ("render", renderer)] {
        assert!(
            thread != caller,
            "{stage} ran on the thread that called process_logs: give it a thread of its own"
        );
        assert!(
            !readers.contains(thread),
            "{stage} ran on a reader thread: give it a thread of its own"
        );
    }
    assert!(
        parser != renderer,
        "parse and render ran on the same thread: each stage gets a thread of its own"
    );
    readers.assert_caller_absent(
        caller,
        "a source was read on the thread that called process_logs",
    );
}

// Past any cap a learner might pick (256, 512, 1024) for the gate test: the
// readers are all blocked at the gate, so they cost memory, not CPU.
fn gate_lens(rng: &mut Rng) -> Vec<usize> {
    let count = 1025 + rng.below(64);
    (0..count).map(|_| 1 + rng.below(2)).collect()
}

#[test]
fn readers_run_at_the_same_time() {
    let lens = gate_lens(&mut Rng::from_env());
    let (out, shared, _) = run_probed(&lens, false);
    if let Some(arrived) = shared.gate.timed_out() {
        panic!(
            "the sources wait for each other before their first line, but after {GATE_WAIT:?} only \
             {arrived} of {} readers had started: do the readers run one after another, or only a few at a time? Every source \
             gets a reader thread of its own, all running at once",
            lens.len()
        );
    }
    check_complete(&out, &expected_of(&lens, 0));
}

#[test]
fn lines_flow_while_readers_still_read() {
    let mut lens = many_lens(&mut Rng::from_env());
    lens[0] = 2;
    let (out, shared, _) = run_probed(&lens, true);
    if let Some(source) = *lock(&shared.stalled) {
        panic!(
            "source {source} was asked for its second line while its first had not been \
             rendered after {WAIT:?}: every stage should pass each line on as soon as it has \
             it, not wait for the stage before it to finish"
        );
    }
    check_complete(&out, &expected_of(&lens, 0));
}

// Source 0 falls silent for at least PAUSE in the middle, once every other
// source is exhausted and every line so far has come out. A `recv_timeout`
// shorter than that loses the rest; one that waits for a quiet spell with a
// Sender kept alive waits as long again after the last reader has ended.
const PAUSE: Duration = Duration::from_millis(1500);

struct PauseShared {
    // Sources other than 0 that are exhausted.
    exhausted: Latch<usize>,
    // Lines that have been rendered.
    rendered: Latch<usize>,
    length: Duration,
    // How long the pause took, the CPU time the process used meanwhile, and
    // how often its threads were switched in and out.
    pause: Mutex<Option<(Duration, Duration, Option<i64>, quiet_through::Stretch)>>,
    // When a source last reported its end.
    last_end: Mutex<Option<Instant>>,
}

struct Pausing {
    source: usize,
    lines: std::vec::IntoIter<String>,
    pulled: usize,
    ended: bool,
    pause_at: usize,
    before_pause: usize,
    others: usize,
    shared: Arc<PauseShared>,
}

impl Iterator for Pausing {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let shared = &self.shared;
        if self.source == 0 && self.pulled == self.pause_at {
            let ready = shared.exhausted.wait_until(WAIT, |n| *n == self.others)
                && shared
                    .rendered
                    .wait_until(WAIT, |n| *n == self.before_pause);
            // If not, process_logs is wrong in a way the other tests report.
            if ready {
                let (started, cpu) = (Instant::now(), process_cpu_time());
                // The process's switches, less this thread's own (it wakes
                // once per window to watch the others).
                let others = || {
                    context_switches(Of::Process)
                        .zip(context_switches(Of::Thread))
                        .map(|(p, t)| p.total() - t.total())
                };
                let switches = others();
                let stretch = quiet_through::watch(shared.length);
                let switches = others().zip(switches).map(|(b, a)| b - a);
                let cpu = process_cpu_time() - cpu;
                *lock(&shared.pause) = Some((started.elapsed(), cpu, switches, stretch));
            }
        }
        self.pulled += 1;
        let line = self.lines.next();
        if line.is_none() {
            // Counted once: at the first None only.
            if self.source != 0 && !self.ended {
                shared.exhausted.update(|n| *n += 1);
            }
            self.ended = true;
            *lock(&shared.last_end) = Some(Instant::now());
        }
        line
    }
}

#[test]
fn keeps_going_through_a_pause_without_spinning() {
    // How long does process_logs take with nothing to read? One that waits
    // for a quiet spell shows it here; the pause below is longer than that.
    let started = Instant::now();
    run_plain(&[], 0);
    let pause = PAUSE.max(started.elapsed() * 2 + Duration::from_millis(50));
    let mut rng = Rng::from_env();
    let mut lens: Vec<usize> = (0..1 + rng.below(5)).map(|_| rng.below(20)).collect();
    lens[0] = 2 + rng.below(10);
    let pause_at = 1 + rng.below(lens[0] - 1);
    let before_pause = lens[1..].iter().sum::<usize>() + pause_at;
    let shared = Arc::new(PauseShared {
        exhausted: Latch::new(0),
        rendered: Latch::new(0),
        length: pause,
        pause: Mutex::new(None),
        last_end: Mutex::new(None),
    });
    let sources: Vec<Pausing> = lens
        .iter()
        .enumerate()
        .map(|(source, &len)| Pausing {
            source,
            lines: source_lines(source, len, 0).into_iter(),
            pulled: 0,
            ended: false,
            pause_at,
            before_pause,
            others: lens.len() - 1,
            shared: Arc::clone(&shared),
        })
        .collect();
    let render = {
        let shared = Arc::clone(&shared);
        move |r: Rec| {
            let text = render_rec(&r);
            shared.rendered.update(|n| *n += 1);
            text
        }
    };
    let (out, returned) = within(LIMIT + pause, HANGS, move || {
        let out = process_logs(sources, |l| parse_line(&l), render);
        (out, Instant::now())
    });
    let total: usize = lens.iter().sum();
    assert!(
        out.len() == total,
        "source 0 paused for {pause:?} after its line {}, then yielded {} more; {} of {total} \
         lines came out: does process_logs take a quiet spell for the end (recv_timeout, \
         try_recv, a sleep)? Only the channel closing, when every Sender is gone, means that \
         nothing more can come",
        pause_at - 1,
        lens[0] - pause_at,
        out.len()
    );
    check_complete(&out, &expected_of(&lens, 0));
    if let Some(last_end) = *lock(&shared.last_end) {
        let lag = returned.saturating_duration_since(last_end);
        assert!(
            lag < pause,
            "process_logs returned {lag:?} after the last source had ended: does it wait for \
             a quiet spell (recv_timeout) with a Sender still alive? Drop the original line \
             Sender, and let each loop over a Receiver end when its channel closes"
        );
    }
    if let Some((paused, cpu, switches, stretch)) = *lock(&shared.pause) {
        assert!(
            cpu < paused / 4,
            "while every reader was quiet for {paused:?}, the process used {cpu:?} of CPU \
             time: some stage seems to poll (try_recv in a loop?) instead of blocking. A \
             `for` loop over a Receiver sleeps until something comes"
        );
        if let Some(switches) = switches {
            assert!(
                switches <= 20,
                "while every reader was quiet for {paused:?}, the process was switched in and \
                 out {switches} times: some stage seems to poll (try_recv in a loop, with or \
                 without a short sleep) instead of blocking. A `for` loop over a Receiver \
                 sleeps until something comes"
            );
        }
        quiet_through::assert_quiet(stretch, "process_logs", "a quiet source", paused);
    }
}

#[test]
fn a_panic_in_parse_is_not_hidden() {
    let mut rng = Rng::from_env();
    let lens: Vec<usize> = (0..1 + rng.below(4)).map(|_| rng.below(6)).collect();
    let sources: Vec<Lines> = lens
        .iter()
        .enumerate()
        .map(|(s, &len)| source_lines(s, len, 0).into_iter())
        .chain([vec!["bad line".to_string()].into_iter()])
        .collect();
    let outcome = within(LIMIT, HANGS, move || {
        panic::catch_unwind(AssertUnwindSafe(move || {
            process_logs(
                sources,
                |l| {
                    assert!(l != "bad line", "parse failed (a panic the test provoked)");
                    parse_line(&l)
                },
                |r| render_rec(&r),
            )
        }))
    });
    if let Ok(out) = outcome {
        panic!(
            "parse panicked, yet process_logs returned {} lines as if all went well: join \
             every thread before returning, and pass a panic on",
            out.len()
        );
    }
}

// Yields its lines, then panics if `fails`, or ends.
struct FailingSource {
    lines: std::vec::IntoIter<String>,
    fails: bool,
}

impl Iterator for FailingSource {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let line = self.lines.next();
        assert!(
            line.is_some() || !self.fails,
            "a source failed (a panic the test provoked)"
        );
        line
    }
}

#[test]
fn a_panic_in_any_reader_or_in_render_is_not_hidden() {
    let mut rng = Rng::from_env();
    let readers = 2 + rng.below(4);
    // One run per reader, side by side, in which that reader panics; and one
    // in which render panics. Whichever thread process_logs does not join,
    // one of them hides its panic.
    let runs: Vec<_> = (0..=readers)
        .map(|failing| {
            let sources: Vec<FailingSource> = (0..readers)
                .map(|s| FailingSource {
                    lines: source_lines(s, rng.below(5), 0).into_iter(),
                    fails: s == failing,
                })
                .collect();
            // In the last run, render fails on the last source's last line.
            let bad = (failing == readers).then(|| line(readers - 1, 0, false));
            let sources: Vec<FailingSource> = match &bad {
                Some(bad) => sources
                    .into_iter()
                    .enumerate()
                    .map(|(s, mut source)| {
                        if s == readers - 1 {
                            source.lines = vec![bad.clone()].into_iter();
                        }
                        source
                    })
                    .collect(),
                None => sources,
            };
            thread::spawn(move || {
                within(LIMIT, HANGS, move || {
                    panic::catch_unwind(AssertUnwindSafe(move || {
                        process_logs(
                            sources,
                            |l| parse_line(&l),
                            move |r| {
                                let text = render_rec(&r);
                                assert!(
                                    bad.as_ref() != Some(&line(r.source, r.index, false)),
                                    "render failed (a panic the test provoked)"
                                );
                                text
                            },
                        )
                    }))
                    .ok()
                    .map(|out| out.len())
                })
            })
        })
        .collect();
    for (failing, run) in runs.into_iter().enumerate() {
        let outcome = match run.join() {
            Ok(outcome) => outcome,
            Err(payload) => panic::resume_unwind(payload),
        };
        if let Some(lines) = outcome {
            let who = if failing == readers {
                "render".to_string()
            } else {
                format!("the reader of source {failing} (of {readers}, in the order given)")
            };
            panic!(
                "{who} panicked, yet process_logs returned {lines} lines as if all went well: \
                 join every thread before returning, and pass a panic on"
            );
        }
    }
}
