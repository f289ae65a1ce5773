use super::support::{ThreadIds, lock, within};
use exercise::ship;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

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

#[test]
fn counts_lines_and_writes_every_batch_in_order() {
    let input = vec![
        batch(&["a", "b", "c"]),
        batch(&[]),
        batch(&["d"]),
        batch(&["e", "f"]),
    ];
    let (lines, seen, _) = ship_and_record(input.clone());
    assert_eq!(
        seen.batches, input,
        "write should get every batch, unchanged and in the order sent"
    );
    assert_eq!(
        lines, 6,
        "the batches hold 3 + 0 + 1 + 2 = 6 lines, but ship returned {lines}"
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
    let input: Vec<Vec<String>> = (0..5)
        .map(|i| (0..=i).map(|j| format!("line {i}.{j}")).collect())
        .collect();
    let buffers: Vec<usize> = input.iter().map(|b| b.as_ptr() as usize).collect();
    let (lines, seen, _) = ship_and_record(input);
    assert_eq!(lines, 15, "the batches hold 1 + 2 + 3 + 4 + 5 = 15 lines");
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
