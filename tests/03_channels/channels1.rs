use super::support::{Rng, ThreadIds, lock, quiet_through, within};
use exercise::ship;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
type Batches = std::vec::IntoIter<Vec<String>>;
const _: fn(Batches, fn(Vec<String>)) -> usize = ship::<Batches, fn(Vec<String>)>;

const LIMIT: Duration = Duration::from_secs(2);
const ACK_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "ship did not return: does the writer's loop end (is every Sender dropped)?";

fn batch(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[derive(Default)]
struct Seen {
    batches: Vec<Vec<String>>,
    buffers: Vec<usize>,
    threads: ThreadIds,
}

// Calls `ship` on a helper thread with a `write` that records what it got,
// and returns (ship's result, what write saw, the thread that called ship).
#[track_caller]
fn ship_and_record<I>(batches: I) -> (usize, Seen, ThreadId)
where
    I: IntoIterator<Item = Vec<String>> + Send + 'static,
{
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (lines, caller) = within(LIMIT, HANGS, {
        let seen = Arc::clone(&seen);
        move || {
            let lines = ship(batches, move |b| {
                let mut seen = lock(&seen);
                seen.buffers.push(b.as_ptr() as usize);
                seen.threads.record();
                seen.batches.push(b);
            });
            (lines, thread::current().id())
        }
    });
    let seen = std::mem::take(&mut *lock(&seen));
    (lines, seen, caller)
}

// Random batches (some empty), with distinct lines.
fn random_batches(rng: &mut Rng, count: usize) -> Vec<Vec<String>> {
    (0..count)
        .map(|b| {
            let len = if rng.below(4) == 0 { 0 } else { rng.below(12) };
            (0..len)
                .map(|i| format!("b{b} l{i} #{}", rng.below(1000)))
                .collect()
        })
        .collect()
}

#[test]
fn counts_lines_and_writes_every_batch_in_order() {
    let mut input = vec![
        batch(&["a", "b", "c"]),
        batch(&[]),
        batch(&["d"]),
        batch(&["e", "f"]),
    ];
    let mut rng = Rng::from_env();
    let count = 1 + rng.below(40);
    input.extend(random_batches(&mut rng, count));
    let total: usize = input.iter().map(Vec::len).sum();
    let (lines, seen, _) = ship_and_record(input.clone());
    assert!(
        seen.batches == input,
        "write should get all {} batches (empty ones too), unchanged and in the order sent; \
         it got {} batches",
        input.len(),
        seen.batches.len()
    );
    assert!(
        lines == total,
        "the {} batches hold {total} lines in all, but ship returned {lines}: count the lines \
         of every batch",
        input.len()
    );
}

#[test]
fn nothing_to_ship() {
    let (lines, seen, _) = ship_and_record(Vec::new());
    assert_eq!(lines, 0, "no batches: ship should return 0");
    assert!(
        seen.batches.is_empty(),
        "no batches: write should not be called"
    );
}

#[test]
fn batches_are_moved_not_copied() {
    let mut rng = Rng::from_env();
    let input: Vec<Vec<String>> = (0..2 + rng.below(6))
        .map(|i| (0..=i).map(|j| format!("line {i}.{j}")).collect())
        .collect();
    let total: usize = input.iter().map(Vec::len).sum();
    let buffers: Vec<usize> = input.iter().map(|b| b.as_ptr() as usize).collect();
    let (lines, seen, _) = ship_and_record(input);
    assert!(
        lines == total,
        "the batches hold {total} lines, but ship returned {lines}"
    );
    assert_eq!(
        seen.buffers, buffers,
        "write got copies of the batches (different buffers): send the batch itself, and \
         count its lines before sending it instead of cloning it"
    );
}

#[test]
fn write_runs_on_one_writer_thread() {
    let input: Vec<Vec<String>> = (0..4).map(|i| vec![format!("line {i}")]).collect();
    let (_, seen, caller) = ship_and_record(input);
    assert_eq!(
        seen.threads.len(),
        4,
        "write should be called once per batch"
    );
    seen.threads.assert_caller_absent(
        caller,
        "write ran on the thread that called ship: batches go to the writer thread through \
         the channel",
    );
    seen.threads
        .assert_distinct(1, "write", "every batch goes to the one writer thread");
}

// Yields batch k + 1 only once `write` has received batch k (or a second
// has passed, which is then recorded).
struct Paced {
    batches: std::vec::IntoIter<Vec<String>>,
    acks: Receiver<()>,
    yielded: usize,
    stalled: Arc<Mutex<Option<usize>>>,
}

impl Iterator for Paced {
    type Item = Vec<String>;
    fn next(&mut self) -> Option<Vec<String>> {
        if self.yielded > 0 && lock(&self.stalled).is_none() {
            match self.acks.recv_timeout(ACK_WAIT) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => *lock(&self.stalled) = Some(self.yielded),
                // The writer is gone already; the other tests report that.
                Err(RecvTimeoutError::Disconnected) => {}
            }
        }
        let next = self.batches.next();
        if next.is_some() {
            self.yielded += 1;
        }
        next
    }
}

#[test]
fn each_batch_is_sent_as_soon_as_it_is_ready() {
    let input: Vec<Vec<String>> = (0..4).map(|i| vec![format!("line {i}")]).collect();
    let (ack_tx, acks) = mpsc::channel();
    let stalled = Arc::new(Mutex::new(None));
    let paced = Paced {
        batches: input.clone().into_iter(),
        acks,
        yielded: 0,
        stalled: Arc::clone(&stalled),
    };
    let written = Arc::new(Mutex::new(Vec::new()));
    let lines = within(LIMIT, HANGS, {
        let written = Arc::clone(&written);
        move || {
            ship(paced, move |b| {
                lock(&written).push(b);
                let _ = ack_tx.send(());
            })
        }
    });
    if let Some(k) = *lock(&stalled) {
        panic!(
            "ship asked for batch {} while batch {} had not reached write after {ACK_WAIT:?}: \
             send each batch to the writer as soon as you have it, instead of gathering them \
             first",
            k + 1,
            k
        );
    }
    assert_eq!(
        *lock(&written),
        input,
        "write should get every batch in order"
    );
    assert_eq!(lines, 4);
}

// A guard that `write` owns: it is dropped when the writer thread's closure
// ends (after its loop, after any message it sends last), and the thread
// ends only after that. It takes `hold` to drop, then sets `ended`.
struct EndOfWriter {
    hold: Duration,
    ended: Arc<AtomicBool>,
}

impl Drop for EndOfWriter {
    fn drop(&mut self) {
        thread::sleep(self.hold);
        self.ended.store(true, Ordering::SeqCst);
    }
}

#[test]
fn ship_returns_only_after_the_writer_thread_has_ended() {
    let mut rng = Rng::from_env();
    // First, how long does ship take when the writer ends at once?
    let started = Instant::now();
    let input = {
        let count = 1 + rng.below(5);
        random_batches(&mut rng, count)
    };
    within(LIMIT, HANGS, move || ship(input, |_| {}));
    let quick = started.elapsed();
    // Now the writer thread takes twice that (and more) to end.
    let hold = quick * 2 + Duration::from_millis(50);
    let ended = Arc::new(AtomicBool::new(false));
    let input = {
        let count = rng.below(5);
        random_batches(&mut rng, count)
    };
    let lines = input.iter().map(Vec::len).sum::<usize>();
    let guard = EndOfWriter {
        hold,
        ended: Arc::clone(&ended),
    };
    let returned = within(LIMIT + hold, HANGS, move || {
        ship(input, move |_| {
            let _ = &guard;
        })
    });
    assert!(
        ended.load(Ordering::SeqCst),
        "ship returned while the writer thread was still ending (it took {hold:?} to end \
         after its loop): wait for it with `join`, not with a sleep, a message or a check \
         that it is finished"
    );
    assert!(
        returned == lines,
        "the batches hold {lines} lines, but ship returned {returned}"
    );
}

#[test]
fn a_panic_in_write_is_not_hidden() {
    let mut rng = Rng::from_env();
    let mut input = {
        let count = rng.below(6);
        random_batches(&mut rng, count)
    };
    input.push(batch(&["the last batch"]));
    let outcome = within(LIMIT, HANGS, move || {
        panic::catch_unwind(AssertUnwindSafe(move || {
            ship(input, |b| {
                if b == ["the last batch"] {
                    panic!("write failed (a panic the test provoked)");
                }
            })
        }))
    });
    if let Ok(lines) = outcome {
        panic!(
            "write panicked on the last batch, yet ship returned {lines} as if all went well: \
             wait for the writer with `join`, which reports its panic"
        );
    }
}

// The writer takes this long over the last batch, while `ship` has nothing
// left to do but wait for it.
const STRETCH: Duration = Duration::from_millis(1200);

#[test]
fn ship_blocks_while_the_writer_works() {
    let mut rng = Rng::from_env();
    let mut input = {
        let count = rng.below(5);
        random_batches(&mut rng, count)
    };
    input.push(batch(&["the last batch"]));
    let lines = input.iter().map(Vec::len).sum::<usize>();
    // Watched on the writer thread, inside `write`: the rest of the process
    // (ship, waiting for the writer) must stay quiet meanwhile.
    let watched = Arc::new(Mutex::new(None));
    let returned = within(LIMIT + STRETCH, HANGS, {
        let watched = Arc::clone(&watched);
        move || {
            ship(input, move |b| {
                if b == ["the last batch"] {
                    *lock(&watched) = Some(quiet_through::watch(STRETCH));
                }
            })
        }
    });
    let stretch = lock(&watched).take();
    let Some(stretch) = stretch else {
        panic!("write never got the last batch");
    };
    quiet_through::assert_quiet(
        stretch,
        "ship",
        "the writer to finish its last batch",
        STRETCH,
    );
    assert!(
        returned == lines,
        "the batches hold {lines} lines, but ship returned {returned}"
    );
}
