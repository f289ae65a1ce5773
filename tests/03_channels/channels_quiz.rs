use super::support::{Gate, Latch, ThreadIds, lock, within};
use exercise::process_logs;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
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
    // Sources whose first line has been rendered.
    rendered_first: Latch<HashSet<usize>>,
    // A source asked for its second line while its first had not been
    // rendered after WAIT.
    stalled: Mutex<Option<usize>>,
    // Where each stage ran.
    read_on: Mutex<Vec<(usize, ThreadId)>>,
    parsed_on: ThreadIds,
    rendered_on: ThreadIds,
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
            let _ = shared.gate.wait(WAIT);
        }
        if self.pulled == 1
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
fn run_probed(lens: &[usize]) -> (Vec<String>, Arc<Shared>, ThreadId) {
    let shared = Arc::new(Shared {
        gate: Gate::new(lens.len()),
        rendered_first: Latch::new(HashSet::new()),
        stalled: Mutex::new(None),
        read_on: Mutex::new(Vec::new()),
        parsed_on: ThreadIds::new(),
        rendered_on: ThreadIds::new(),
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
            if r.index == 0 {
                shared.rendered_first.update(|done| done.insert(r.source));
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

#[test]
fn readers_run_at_the_same_time() {
    let lens = [3, 3, 3, 3];
    let (out, shared, _) = run_probed(&lens);
    if let Some(arrived) = shared.gate.timed_out() {
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
