use super::support::{
    Gate, Latch, Of, Rng, ThreadIds, context_switches, lock, process_cpu_time, quiet_through, within,
};
use exercise::fan_in;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
type Source = std::vec::IntoIter<u32>;
const _: fn(Vec<Source>, fn(u32)) = fan_in::<Source, fn(u32)>;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
// How long the readers wait for each other at the gate: a thousand and more
// threads take a while to start on a busy machine.
const GATE_WAIT: Duration = Duration::from_millis(1500);
const HANGS: &str = "fan_in did not return: does the loop over the Receiver end, that is, is \
                     every Sender dropped (the original one too) once the readers are done?";

// Runs fan_in on a helper thread; returns what on_item got, in order.
#[track_caller]
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

// `count` random lengths below `max`.
fn random_lens(rng: &mut Rng, count: usize, max: usize) -> Vec<usize> {
    (0..count).map(|_| rng.below(max)).collect()
}

#[test]
fn every_item_arrives_exactly_once() {
    let mut rng = Rng::from_env();
    let count = 1 + rng.below(9);
    let mut lens = random_lens(&mut rng, count, 15);
    lens.push(0);
    rng.shuffle(&mut lens);
    let got = run(sources(&lens));
    check_complete(&got, &lens);
}

#[test]
fn many_items_from_many_readers() {
    let mut rng = Rng::from_env();
    let count = 2 + rng.below(6);
    let lens = random_lens(&mut rng, count, 500);
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
    // Whether a source waits, before its second item, for its first to come
    // out (off in the gate test: a thousand readers waking each other).
    flow: bool,
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
            let _ = shared.gate.wait(GATE_WAIT);
        }
        if self.next_index == 1
            && shared.flow
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
#[track_caller]
fn run_probed(lens: &[usize], flow: bool) -> (Vec<(usize, usize)>, Arc<Shared>, ThreadId) {
    let shared = Arc::new(Shared {
        gate: Gate::new(lens.len()),
        pulled_on: Mutex::new(Vec::new()),
        first_seen: Latch::new(HashSet::new()),
        stalled: Mutex::new(None),
        flow,
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
    let (got, caller) = within(LIMIT + GATE_WAIT, HANGS, {
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

// More sources than any machine has cores, and than a cap of 32, 64 or 128
// (blocked readers cost nothing),
// so that a fixed-size group of readers cannot fill the gate.
fn many_lens(rng: &mut Rng) -> Vec<usize> {
    let count = 129 + rng.below(32);
    (0..count).map(|_| 1 + rng.below(4)).collect()
}

#[test]
fn each_source_is_read_on_its_own_thread() {
    let lens = many_lens(&mut Rng::from_env());
    let (got, shared, caller) = run_probed(&lens, true);
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

// Past any cap a learner might pick (256, 512, 1024) for the gate test: the
// readers are all blocked at the gate, so they cost memory, not CPU.
fn gate_lens(rng: &mut Rng) -> Vec<usize> {
    let count = 1025 + rng.below(64);
    (0..count).map(|_| 1 + rng.below(2)).collect()
}

#[test]
fn readers_run_at_the_same_time() {
    let lens = gate_lens(&mut Rng::from_env());
    let (got, shared, _) = run_probed(&lens, false);
    if let Some(arrived) = shared.gate.timed_out() {
        panic!(
            "the sources wait for each other before their first item, but after {GATE_WAIT:?} only \
             {arrived} of {} readers had started: do the readers run one after another \
             (say, joined right after spawning), or only a few at a time? Every source gets \
             a reader thread of its own, all running at once",
            lens.len()
        );
    }
    check_complete(&got, &lens);
}

#[test]
fn items_reach_on_item_while_readers_still_read() {
    let mut lens = many_lens(&mut Rng::from_env());
    lens[0] = 2;
    let (got, shared, _) = run_probed(&lens, true);
    if let Some(source) = *lock(&shared.stalled) {
        panic!(
            "source {source} was asked for its second item, but its first had not reached \
             on_item after {WAIT:?}: receive and hand on the items while the readers are \
             still running, not after they have all finished"
        );
    }
    check_complete(&got, &lens);
}

// Source 0 falls silent for PAUSE in the middle, once every other source is
// exhausted and every item so far has reached on_item. A `recv_timeout`
// shorter than that loses the rest; a longer one, with a Sender kept alive,
// waits as long again after the last reader has finished.
const PAUSE: Duration = Duration::from_millis(1500);

struct PauseShared {
    // Sources other than 0 that are exhausted.
    exhausted: Latch<usize>,
    // Items that have reached on_item.
    delivered: Latch<usize>,
    // How long the pause is to be.
    length: Duration,
    // How long it took, the CPU time the process used meanwhile, and how
    // often its threads were switched in and out.
    pause: Mutex<Option<(Duration, Duration, Option<i64>, quiet_through::Stretch)>>,
    // When a source last reported its end.
    last_end: Mutex<Option<Instant>>,
}

struct Pausing {
    source: usize,
    next_index: usize,
    len: usize,
    // Source 0 pauses before yielding this index.
    pause_at: usize,
    // Items to be delivered before the pause (all but source 0's later ones).
    before_pause: usize,
    others: usize,
    shared: Arc<PauseShared>,
}

impl Iterator for Pausing {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        let shared = &self.shared;
        if self.source == 0 && self.next_index == self.pause_at {
            let ready = shared.exhausted.wait_until(WAIT, |n| *n == self.others)
                && shared
                    .delivered
                    .wait_until(WAIT, |n| *n == self.before_pause);
            // If not, fan_in is wrong in a way the other tests report.
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
        if self.next_index >= self.len {
            if self.next_index == self.len && self.source != 0 {
                shared.exhausted.update(|n| *n += 1);
            }
            self.next_index = self.len + 1;
            *lock(&shared.last_end) = Some(Instant::now());
            return None;
        }
        self.next_index += 1;
        Some((self.source, self.next_index - 1))
    }
}

#[test]
fn keeps_receiving_through_a_pause_without_spinning() {
    // How long does fan_in take with nothing to read? One that waits for a
    // quiet spell shows it here; the pause below is longer than that.
    let started = Instant::now();
    run(sources(&[]));
    let pause = PAUSE.max(started.elapsed() * 2 + Duration::from_millis(50));
    let mut rng = Rng::from_env();
    let count = 1 + rng.below(5);
    let mut lens = random_lens(&mut rng, count, 20);
    lens[0] = 2 + rng.below(10);
    let pause_at = 1 + rng.below(lens[0] - 1);
    let before_pause = lens[1..].iter().sum::<usize>() + pause_at;
    let shared = Arc::new(PauseShared {
        exhausted: Latch::new(0),
        delivered: Latch::new(0),
        length: pause,
        pause: Mutex::new(None),
        last_end: Mutex::new(None),
    });
    let sources: Vec<Pausing> = lens
        .iter()
        .enumerate()
        .map(|(source, &len)| Pausing {
            source,
            next_index: 0,
            len,
            pause_at,
            before_pause,
            others: lens.len() - 1,
            shared: Arc::clone(&shared),
        })
        .collect();
    let (got, returned) = within(LIMIT + pause, HANGS, {
        let shared = Arc::clone(&shared);
        move || {
            let mut got = Vec::new();
            fan_in(sources, |item| {
                got.push(item);
                shared.delivered.update(|n| *n += 1);
            });
            (got, Instant::now())
        }
    });
    let total: usize = lens.iter().sum();
    assert!(
        got.len() == total,
        "source 0 paused for {pause:?} after its item {}, then yielded {} more; on_item got \
         {} of {total} items: did fan_in take a quiet spell for the end (recv_timeout, \
         try_recv, a sleep)? Only the channel closing, when every Sender is gone, means that \
         nothing more can come",
        pause_at - 1,
        lens[0] - pause_at,
        got.len()
    );
    check_complete(&got, &lens);
    if let Some(last_end) = *lock(&shared.last_end) {
        let lag = returned.saturating_duration_since(last_end);
        assert!(
            lag < pause,
            "fan_in returned {lag:?} after the last source had ended: does it wait for a \
             quiet spell (recv_timeout) with a Sender still alive? Drop the original Sender, \
             and let the loop over the Receiver end when the channel closes"
        );
    }
    if let Some((paused, cpu, switches, stretch)) = *lock(&shared.pause) {
        assert!(
            cpu < paused / 4,
            "while every reader was quiet for {paused:?}, the process used {cpu:?} of CPU \
             time: fan_in seems to poll (try_recv in a loop?) instead of blocking. A `for` \
             loop over the Receiver sleeps until an item comes"
        );
        if let Some(switches) = switches {
            assert!(
                switches <= 20,
                "while every reader was quiet for {paused:?}, the process was switched in and \
                 out {switches} times: fan_in seems to poll (try_recv in a loop, with or \
                 without a short sleep) instead of blocking. A `for` loop over the Receiver \
                 sleeps until an item comes"
            );
        }
        quiet_through::assert_quiet(stretch, "fan_in", "a quiet source", paused);
    }
}

#[test]
fn a_panicking_reader_is_not_hidden() {
    // Yields `left` items, then panics if `fails`, or ends.
    struct Failing {
        left: usize,
        fails: bool,
    }
    impl Iterator for Failing {
        type Item = usize;
        fn next(&mut self) -> Option<usize> {
            if self.left == 0 {
                assert!(!self.fails, "a source failed (a panic the test provoked)");
                return None;
            }
            self.left -= 1;
            Some(self.left)
        }
    }
    let mut rng = Rng::from_env();
    let count = 2 + rng.below(5);
    // One fan_in per reader, side by side: in the k-th, source k panics.
    // Whichever reader fan_in does not join, one of them hides its panic.
    let runs: Vec<_> = (0..count)
        .map(|failing| {
            let sources: Vec<Failing> = (0..count)
                .map(|s| Failing {
                    left: rng.below(5),
                    fails: s == failing,
                })
                .collect();
            thread::spawn(move || {
                within(LIMIT, HANGS, move || {
                    panic::catch_unwind(AssertUnwindSafe(move || {
                        let mut got = 0;
                        fan_in(sources, |_| got += 1);
                        got
                    }))
                    .ok()
                })
            })
        })
        .collect();
    for (failing, run) in runs.into_iter().enumerate() {
        let outcome = match run.join() {
            Ok(outcome) => outcome,
            Err(payload) => panic::resume_unwind(payload),
        };
        if let Some(got) = outcome {
            panic!(
                "the reader of source {failing} (of {count}, in the order given) panicked, yet \
                 fan_in returned normally (after {got} items): join every reader, and pass its \
                 panic on"
            );
        }
    }
}
