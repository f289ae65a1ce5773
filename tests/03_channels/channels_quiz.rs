use super::support::{Gate, within};
use super::*;
use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "process_logs did not return. Each stage's loop ends only when every \
                     Sender into its channel is gone: are the original Senders dropped, and \
                     does each stage drop its Sender to the next when it ends?";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

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
    let lens = [10, 0, 25, 7];
    let out = run_plain(&lens, 5);
    check_complete(&out, &expected_of(&lens, 5));
}

#[test]
fn many_lines_from_many_sources() {
    let lens = [300, 250, 400, 150];
    let out = run_plain(&lens, 7);
    check_complete(&out, &expected_of(&lens, 7));
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
    gate_failed: Mutex<Option<usize>>,
    // Sources whose first line has been rendered.
    rendered_first: Mutex<HashSet<usize>>,
    rendered_first_changed: Condvar,
    // A source asked for its second line while its first had not been
    // rendered after WAIT.
    stalled: Mutex<Option<usize>>,
    // Where each stage ran.
    read_on: Mutex<Vec<(usize, ThreadId)>>,
    parsed_on: Mutex<Vec<ThreadId>>,
    rendered_on: Mutex<Vec<ThreadId>>,
}

impl Shared {
    fn failed(&self) -> bool {
        lock(&self.gate_failed).is_some() || lock(&self.stalled).is_some()
    }
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
        // After one failed wait, waiting again only delays the report.
        if self.pulled == 0 && !shared.failed() {
            if let Err(arrived) = shared.gate.wait(WAIT) {
                lock(&shared.gate_failed).get_or_insert(arrived);
            }
        }
        if self.pulled == 1 && !shared.failed() {
            let done = lock(&shared.rendered_first);
            let (done, _) = shared
                .rendered_first_changed
                .wait_timeout_while(done, WAIT, |done| !done.contains(&self.source))
                .unwrap_or_else(|e| e.into_inner());
            if !done.contains(&self.source) {
                drop(done);
                lock(&shared.stalled).get_or_insert(self.source);
            }
        }
        self.pulled += 1;
        self.lines.next()
    }
}

// Runs process_logs over probing sources of the given lengths (no line is
// skipped). Returns the output, the probes' records and the caller's id.
fn run_probed(lens: &[usize]) -> (Vec<String>, Arc<Shared>, ThreadId) {
    let shared = Arc::new(Shared {
        gate: Gate::new(lens.len()),
        gate_failed: Mutex::new(None),
        rendered_first: Mutex::new(HashSet::new()),
        rendered_first_changed: Condvar::new(),
        stalled: Mutex::new(None),
        read_on: Mutex::new(Vec::new()),
        parsed_on: Mutex::new(Vec::new()),
        rendered_on: Mutex::new(Vec::new()),
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
            lock(&shared.parsed_on).push(thread::current().id());
            parse_line(&l)
        }
    };
    let render = {
        let shared = Arc::clone(&shared);
        move |r: Rec| {
            lock(&shared.rendered_on).push(thread::current().id());
            if r.index == 0 {
                lock(&shared.rendered_first).insert(r.source);
                shared.rendered_first_changed.notify_all();
            }
            render_rec(&r)
        }
    };
    let (out, caller) = within(LIMIT, HANGS, move || {
        let out = process_logs(probes, parse, render);
        (out, thread::current().id())
    });
    (out, shared, caller)
}

#[test]
fn each_stage_runs_on_its_own_thread() {
    let lens = [4, 3, 5];
    let (out, shared, caller) = run_probed(&lens);
    check_complete(&out, &expected_of(&lens, 0));

    let read_on = lock(&shared.read_on).clone();
    let mut readers = HashSet::new();
    for source in 0..lens.len() {
        let threads: HashSet<ThreadId> = read_on
            .iter()
            .filter(|(s, _)| *s == source)
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(
            threads.len(),
            1,
            "source {source} was read on {} threads: one reader thread per source",
            threads.len()
        );
        readers.extend(threads);
    }
    assert_eq!(
        readers.len(),
        lens.len(),
        "{} sources were read on only {} threads: start one reader thread per source",
        lens.len(),
        readers.len()
    );
    let parsers: HashSet<ThreadId> = lock(&shared.parsed_on).iter().copied().collect();
    let renderers: HashSet<ThreadId> = lock(&shared.rendered_on).iter().copied().collect();
    assert_eq!(
        parsers.len(),
        1,
        "parse ran on {} threads: one parse thread takes every line",
        parsers.len()
    );
    assert_eq!(
        renderers.len(),
        1,
        "render ran on {} threads: one render thread takes every record",
        renderers.len()
    );
    let parser = *parsers.iter().next().expect("checked above");
    let renderer = *renderers.iter().next().expect("checked above");
    for (stage, thread) in [("parse", parser), ("render", renderer)] {
        assert!(
            thread != caller,
            "{stage} ran on the thread that called process_logs: give it a thread of its own"
        );
        assert!(
            !readers.contains(&thread),
            "{stage} ran on a reader thread: give it a thread of its own"
        );
    }
    assert!(
        parser != renderer,
        "parse and render ran on the same thread: each stage gets a thread of its own"
    );
    assert!(
        !readers.contains(&caller),
        "a source was read on the thread that called process_logs"
    );
}

#[test]
fn readers_run_at_the_same_time() {
    let lens = [3, 3, 3, 3];
    let (out, shared, _) = run_probed(&lens);
    if let Some(arrived) = *lock(&shared.gate_failed) {
        panic!(
            "the sources wait for each other before their first line, but after {WAIT:?} only \
             {arrived} of {} readers had started: do the readers run one after another?",
            lens.len()
        );
    }
    check_complete(&out, &expected_of(&lens, 0));
}

#[test]
fn lines_flow_while_readers_still_read() {
    let lens = [3, 4, 2];
    let (out, shared, _) = run_probed(&lens);
    if let Some(source) = *lock(&shared.stalled) {
        panic!(
            "source {source} was asked for its second line while its first had not been \
             rendered after {WAIT:?}: every stage should pass each line on as soon as it has \
             it, not wait for the stage before it to finish"
        );
    }
    check_complete(&out, &expected_of(&lens, 0));
}
