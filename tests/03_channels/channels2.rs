use super::support::{Gate, Latch, ThreadIds, lock, within};
use exercise::fan_in;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "fan_in did not return: does the loop over the Receiver end, that is, is \
                     every Sender dropped (the original one too) once the readers are done?";

// Runs fan_in on a helper thread; returns what on_item got, in order.
fn run<I>(sources: Vec<I>) -> Vec<I::Item>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
{
    within(LIMIT, HANGS, move || {
        let mut got = Vec::new();
        fan_in(sources, |item| got.push(item));
        got
    })
}

// Items are (source, index). Checks that each arrived exactly once and that
// every source's items kept their order.
fn check_complete(got: &[(usize, usize)], lens: &[usize]) {
    let total: usize = lens.iter().sum();
    let distinct: HashSet<&(usize, usize)> = got.iter().collect();
    assert!(
        distinct.len() == got.len(),
        "on_item got {} items but only {} distinct ones: some items arrived twice",
        got.len(),
        distinct.len()
    );
    assert!(
        got.len() == total,
        "the sources yielded {total} items but on_item got {}: items were lost (did fan_in \
         stop receiving before every reader had finished?)",
        got.len()
    );
    for (source, &len) in lens.iter().enumerate() {
        let order: Vec<usize> = got
            .iter()
            .filter(|(s, _)| *s == source)
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(
            order,
            (0..len).collect::<Vec<_>>(),
            "the items of source {source} arrived out of order (or some are missing)"
        );
    }
}

fn sources(lens: &[usize]) -> Vec<std::vec::IntoIter<(usize, usize)>> {
    lens.iter()
        .enumerate()
        .map(|(s, &len)| (0..len).map(|i| (s, i)).collect::<Vec<_>>().into_iter())
        .collect()
}

#[test]
fn every_item_arrives_exactly_once() {
    let lens = [5, 0, 1, 12];
    let got = run(sources(&lens));
    check_complete(&got, &lens);
}

#[test]
fn many_items_from_many_readers() {
    let lens = [300, 200, 400, 100, 250];
    let got = run(sources(&lens));
    check_complete(&got, &lens);
}

#[test]
fn no_sources() {
    let got = run(sources(&[]));
    assert!(got.is_empty(), "no sources: on_item should never be called");
}

// What the probing sources share with the test.
struct Shared {
    // Every reader waits here before yielding its first item.
    gate: Gate,
    // Which thread pulled items from which source.
    pulled_on: Mutex<Vec<(usize, ThreadId)>>,
    // Sources whose first item has reached on_item.
    first_seen: Latch<HashSet<usize>>,
    // A source asked for its second item while on_item had not got its
    // first one after WAIT.
    stalled: Mutex<Option<usize>>,
}

struct Probe {
    source: usize,
    next_index: usize,
    len: usize,
    shared: Arc<Shared>,
}

impl Iterator for Probe {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        let shared = &self.shared;
        lock(&shared.pulled_on).push((self.source, thread::current().id()));
        // After one failed wait, waiting again only delays the report: the
        // gate and the latch each give up after their first timeout, and
        // after the gate's there is no need to wait on the latch.
        if self.next_index == 0 {
            let _ = shared.gate.wait(WAIT);
        }
        if self.next_index == 1
            && shared.gate.timed_out().is_none()
            && !shared
                .first_seen
                .wait_until(WAIT, |seen| seen.contains(&self.source))
        {
            lock(&shared.stalled).get_or_insert(self.source);
        }
        if self.next_index == self.len {
            return None;
        }
        self.next_index += 1;
        Some((self.source, self.next_index - 1))
    }
}

// Runs fan_in over `lens.len()` probing sources.
fn run_probed(lens: &[usize]) -> (Vec<(usize, usize)>, Arc<Shared>, ThreadId) {
    let shared = Arc::new(Shared {
        gate: Gate::new(lens.len()),
        pulled_on: Mutex::new(Vec::new()),
        first_seen: Latch::new(HashSet::new()),
        stalled: Mutex::new(None),
    });
    let probes: Vec<Probe> = lens
        .iter()
        .enumerate()
        .map(|(source, &len)| Probe {
            source,
            next_index: 0,
            len,
            shared: Arc::clone(&shared),
        })
        .collect();
    let (got, caller) = within(LIMIT, HANGS, {
        let shared = Arc::clone(&shared);
        move || {
            let mut got = Vec::new();
            fan_in(probes, |item: (usize, usize)| {
                if item.1 == 0 {
                    shared.first_seen.update(|seen| seen.insert(item.0));
                }
                got.push(item);
            });
            (got, thread::current().id())
        }
    });
    (got, shared, caller)
}

#[test]
fn each_source_is_read_on_its_own_thread() {
    let lens = [3, 4, 2, 5];
    let (got, shared, caller) = run_probed(&lens);
    check_complete(&got, &lens);
    let pulled_on = lock(&shared.pulled_on).clone();
    let readers: ThreadIds = pulled_on.iter().map(|(_, t)| *t).collect();
    readers.assert_caller_absent(
        caller,
        "a source was read on the thread that called fan_in: every source gets a reader \
         thread of its own",
    );
    for source in 0..lens.len() {
        let threads: ThreadIds = pulled_on
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
    readers.assert_distinct(
        lens.len(),
        &format!("the reads of {} sources", lens.len()),
        "start one reader thread per source",
    );
}

#[test]
fn readers_run_at_the_same_time() {
    let lens = [3, 3, 3, 3];
    let (got, shared, _) = run_probed(&lens);
    if let Some(arrived) = shared.gate.timed_out() {
        panic!(
            "the sources wait for each other before their first item, but after {WAIT:?} only \
             {arrived} of {} readers had started: do the readers run one after another \
             (say, joined right after spawning)?",
            lens.len()
        );
    }
    check_complete(&got, &lens);
}

#[test]
fn items_reach_on_item_while_readers_still_read() {
    let lens = [4, 2, 3];
    let (got, shared, _) = run_probed(&lens);
    if let Some(source) = *lock(&shared.stalled) {
        panic!(
            "source {source} was asked for its second item, but its first had not reached \
             on_item after {WAIT:?}: receive and hand on the items while the readers are \
             still running, not after they have all finished"
        );
    }
    check_complete(&got, &lens);
}
