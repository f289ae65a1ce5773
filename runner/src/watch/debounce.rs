//! Coalescing a burst of file events into one batch.
//!
//! One save is several events (truncate, write, close; or create a temporary
//! file, write it, rename it over the exercise), and an editor may save a
//! few files at once. The batch goes out once no event came for `quiet`, or
//! at the latest `max` after its first event, so that a file written
//! continuously still gets checked. The logic (`Debounce`) is apart from the
//! waiting (`run`) to be tested with made-up instants.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Quiet time that ends a burst: long enough for an editor's save to be one
/// batch, short enough not to be noticed.
pub const QUIET: Duration = Duration::from_millis(15);
/// Longest wait from a burst's first event to its batch.
pub const MAX_DELAY: Duration = Duration::from_millis(100);

/// The events of the burst in progress.
#[derive(Debug)]
pub struct Debounce {
    quiet: Duration,
    max: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
    paths: Vec<PathBuf>,
}

impl Debounce {
    pub fn new(quiet: Duration, max: Duration) -> Self {
        Debounce {
            quiet,
            max,
            first: None,
            last: None,
            paths: Vec::new(),
        }
    }

    /// Adds the paths of one event seen at `now` (each path once per batch).
    pub fn push(&mut self, now: Instant, paths: impl IntoIterator<Item = PathBuf>) {
        self.first.get_or_insert(now);
        self.last = Some(now);
        for path in paths {
            if !self.paths.contains(&path) {
                self.paths.push(path);
            }
        }
    }

    /// When the batch in progress is due; `None` when there is none.
    pub fn deadline(&self) -> Option<Instant> {
        match (self.first, self.last) {
            (Some(first), Some(last)) => Some((last + self.quiet).min(first + self.max)),
            _ => None,
        }
    }

    /// The batch, if it is due at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<Vec<PathBuf>> {
        if self.deadline()? > now {
            return None;
        }
        self.first = None;
        self.last = None;
        Some(std::mem::take(&mut self.paths))
    }
}

/// Reads events from `input` and hands each batch to `emit`, until `input`
/// is closed or `emit` returns `false`. Blocks while nothing happens: no
/// timer runs between bursts.
pub fn run(
    input: &Receiver<Vec<PathBuf>>,
    quiet: Duration,
    max: Duration,
    mut emit: impl FnMut(Vec<PathBuf>) -> bool,
) {
    let mut debounce = Debounce::new(quiet, max);
    loop {
        let received = match debounce.deadline() {
            None => input.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(deadline) => {
                input.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            }
        };
        let closed = match received {
            Ok(paths) => {
                debounce.push(Instant::now(), paths);
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        let now = if closed {
            // Flush what is left.
            Instant::now() + max
        } else {
            Instant::now()
        };
        if let Some(batch) = debounce.take_due(now)
            && !emit(batch)
        {
            return;
        }
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;

    const MS: Duration = Duration::from_millis(1);

    fn p(name: &str) -> PathBuf {
        PathBuf::from(name)
    }

    #[test]
    fn a_burst_is_one_batch_after_the_quiet_time() {
        let start = Instant::now();
        let mut d = Debounce::new(10 * MS, 100 * MS);
        assert_eq!(d.deadline(), None);
        d.push(start, [p("a.rs")]);
        d.push(start + 4 * MS, [p("a.rs.tmp"), p("a.rs")]);
        d.push(start + 8 * MS, [p("a.rs")]);
        assert_eq!(d.deadline(), Some(start + 18 * MS));
        assert_eq!(d.take_due(start + 17 * MS), None, "not quiet yet");
        assert_eq!(
            d.take_due(start + 18 * MS),
            Some(vec![p("a.rs"), p("a.rs.tmp")]),
            "one batch, each path once, in order"
        );
        assert_eq!(d.deadline(), None, "nothing pending after the batch");
        assert_eq!(d.take_due(start + 1000 * MS), None);
    }

    #[test]
    fn a_continuous_stream_is_cut_at_the_maximum_delay() {
        let start = Instant::now();
        let mut d = Debounce::new(10 * MS, 50 * MS);
        let mut batches = Vec::new();
        // An event every 5 ms for 120 ms: never quiet.
        for i in 0..24 {
            let now = start + i * 5 * MS;
            if let Some(batch) = d.take_due(now) {
                batches.push((i, batch));
            }
            d.push(now, [p("a.rs")]);
        }
        let at: Vec<u32> = batches.iter().map(|(i, _)| *i).collect();
        assert_eq!(at, vec![10, 20], "a batch every 50 ms");
    }

    #[test]
    fn the_thread_emits_one_batch_per_burst_soon_after_it() {
        let (tx, rx) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        let worker = thread::spawn(move || {
            run(&rx, QUIET, MAX_DELAY, |batch| {
                out_tx.send((Instant::now(), batch)).is_ok()
            })
        });
        // A save: three events within a millisecond or two.
        tx.send(vec![p("x.rs")]).expect("send");
        tx.send(vec![p("x.rs~"), p("x.rs")]).expect("send");
        tx.send(vec![p("x.rs")]).expect("send");
        let sent = Instant::now();
        let (at, batch) = out_rx.recv_timeout(Duration::from_secs(5)).expect("batch");
        assert_eq!(batch, vec![p("x.rs"), p("x.rs~")]);
        let delay = at.duration_since(sent);
        assert!(
            delay >= QUIET.saturating_sub(2 * MS) && delay < QUIET + 40 * MS,
            "the batch came {delay:?} after the last event"
        );
        assert!(
            out_rx.recv_timeout(5 * QUIET).is_err(),
            "the burst was emitted twice"
        );
        // A second burst is a second batch; closing the input ends the thread.
        tx.send(vec![p("y.rs")]).expect("send");
        drop(tx);
        let (_, batch) = out_rx.recv_timeout(Duration::from_secs(5)).expect("batch");
        assert_eq!(batch, vec![p("y.rs")]);
        worker.join().expect("debounce thread");
    }
}
