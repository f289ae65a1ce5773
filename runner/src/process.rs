//! Running a child process that we do not trust: the compiler, or a test
//! binary built from learner code.
//!
//! Every child runs in its own process group (a session of its own), under
//! a time limit, with its output (stdout and stderr, interleaved as written)
//! captured up to a cap. When it ends, times out or is cancelled, the whole
//! group is killed, and anything that escaped the group is swept up, so
//! threads or grandchildren the learner spawned never outlive the check.
//!
//! A termination signal (Ctrl-C, SIGTERM, SIGHUP) kills every running child
//! at once and refuses new ones; the command then ends with `128 + signal`.

use std::io::{self, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crate::platform::{self, Channel, Confine};

type Pid = u32;

/// How long a child may run and how much of its output we keep.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// Bytes of output kept from the start; the rest is counted, not stored
    /// (a learner may print forever).
    pub output_cap: usize,
}

/// Bytes kept from the very end of the output, beyond the cap: the test
/// binary's summary line comes last.
const TAIL_KEEP: usize = 4 * 1024;

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Exited(ExitStatus),
    TimedOut,
    Cancelled,
}

/// Output of a child, truncated to the cap.
#[derive(Debug, Default, Clone)]
pub struct Output {
    pub head: Vec<u8>,
    /// Bytes dropped between `head` and `tail`.
    pub dropped: u64,
    pub tail: Vec<u8>,
    /// Lines that began with the run's marker (see `Input::marker`), taken
    /// out of the output wherever they appeared, without the marker.
    pub records: Vec<Vec<u8>>,
}

/// What the runner hands a child besides its command line.
#[derive(Debug, Clone)]
pub struct Input {
    /// A secret only the runner and the child's own driver know: lines
    /// that start with it are the driver's records. It goes over a private
    /// channel where the platform has one (the records come back on it),
    /// else on stdin (the records come back in the output).
    pub marker: Option<Vec<u8>>,
    /// Lines for the child's driver, sent after the marker on the same
    /// private path: what the code under test must not see (the name of
    /// the test to run, which it could otherwise read from its command line
    /// and behave only where it is watched).
    pub private_lines: Vec<String>,
    /// Limits and confinement.
    pub confine: Confine,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            marker: None,
            private_lines: Vec::new(),
            confine: Confine::Nothing,
        }
    }
}

impl Input {
    /// What goes to the child's driver first: the marker and the private
    /// lines, each ended by a newline (nothing without a marker).
    fn handshake(&self) -> Vec<u8> {
        let Some(marker) = &self.marker else {
            return Vec::new();
        };
        let mut bytes = [marker.as_slice(), b"\n"].concat();
        for line in &self.private_lines {
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        bytes
    }
}

impl Output {
    /// The output as text, with a notice where it was cut.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            text.push_str(&format!(
                "\n[... {} bytes of output cut: the output limit was reached ...]\n",
                self.dropped
            ));
        }
        text.push_str(&String::from_utf8_lossy(&self.tail));
        text
    }
}

#[derive(Debug)]
pub struct Ran {
    pub finish: Finish,
    pub output: Output,
    pub elapsed: Duration,
}

/// Lets another thread stop every child started with it, at once (watch
/// mode cancels a check when the learner saves again).
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    inner: Arc<Mutex<CancelState>>,
}

#[derive(Debug, Default)]
struct CancelState {
    cancelled: bool,
    groups: Vec<Pid>,
}

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Kills every running child started with this token; later starts are
    /// refused.
    pub fn cancel(&self) {
        let mut state = self.lock();
        state.cancelled = true;
        for group in &state.groups {
            kill_group(*group);
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.lock().cancelled
    }

    fn lock(&self) -> MutexGuard<'_, CancelState> {
        // A panic elsewhere never leaves this state half-updated.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a running group; `false` if cancelled already.
    fn register(&self, group: Pid) -> bool {
        let mut state = self.lock();
        state.groups.push(group);
        !state.cancelled && interrupted().is_none()
    }

    fn unregister(&self, group: Pid) {
        self.lock().groups.retain(|g| *g != group);
    }
}

fn kill_group(group: Pid) {
    platform::kill_tree(group);
}

/// Every child `run` started and has not reaped: the sweep spares them, a
/// termination signal kills them.
static LIVE: Mutex<Vec<Pid>> = Mutex::new(Vec::new());
/// The termination signal received, or 0.
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

fn live() -> MutexGuard<'static, Vec<Pid>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes Ctrl-C, SIGTERM and SIGHUP kill every running child and refuse
/// new ones. The command then finishes with what it has; the caller asks
/// `interrupted` for the exit code.
pub fn stop_children_on_termination() -> io::Result<()> {
    platform::on_termination(|signal| {
        INTERRUPTED.store(signal, Ordering::SeqCst);
        for pid in live().iter() {
            kill_group(*pid);
        }
    })
}

/// The termination signal that arrived, if one did.
pub fn interrupted() -> Option<i32> {
    match INTERRUPTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Runs `command` to completion, time-out or cancellation.
pub fn run(command: Command, limits: Limits, cancel: &Cancel) -> io::Result<Ran> {
    run_with(command, Input::default(), limits, cancel)
}

/// `run`, handing the child `input`.
pub fn run_with(
    mut command: Command,
    input: Input,
    limits: Limits,
    cancel: &Cancel,
) -> io::Result<Ran> {
    let started = Instant::now();
    let (reader, writer) = io::pipe()?;
    let channel = match input.marker {
        Some(_) => Channel::open()?,
        None => None,
    };
    // Without a channel, the marker and the private lines go on stdin.
    let handshake = input.handshake();
    let stdin = match &channel {
        None => handshake.clone(),
        Some(_) => Vec::new(),
    };
    command
        .stdin(if stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let mut child = {
        // Spawn and register as one step, so that a sweep never mistakes
        // the new child for an orphan.
        let mut live = live();
        if interrupted().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "the runner is stopping",
            ));
        }
        let child = platform::spawn(&mut command, &input.confine, channel.as_ref())?;
        live.push(child.id());
        child
    };
    // Our copies of the write end are gone with `command`; EOF comes when
    // the whole group has closed it.
    drop(command);
    if let Some(mut pipe) = child.stdin.take() {
        // Small enough for the pipe's buffer; a child that exits first
        // only makes this fail.
        let _ = pipe.write_all(&stdin);
    }
    let group = child.id();
    let (collector, reports) = match (input.marker, channel) {
        (Some(marker), Some(channel)) => {
            let mut end = channel.runner_end();
            let _ = end.write_all(&handshake);
            let reports = thread::spawn(move || read_records(end, marker));
            (
                start_collecting(reader, limits.output_cap, None),
                Some(reports),
            )
        }
        (marker, _) => (start_collecting(reader, limits.output_cap, marker), None),
    };
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || wait_child(child, done_tx));

    let (status, mut finish) = if cancel.register(group) {
        match done_rx.recv_timeout(limits.timeout) {
            Ok(status) => (status, None),
            Err(_) => {
                kill_group(group);
                (reap(&done_rx)?, Some(Finish::TimedOut))
            }
        }
    } else {
        kill_group(group);
        (reap(&done_rx)?, Some(Finish::Cancelled))
    };
    // Whatever the child left running in its group goes with it, and so
    // does anything that left the group and lost its parent.
    kill_group(group);
    {
        let mut live = live();
        live.retain(|p| *p != group);
        platform::release(group);
        platform::sweep_orphans(&|pid| live.contains(&pid));
    }
    cancel.unregister(group);
    if finish.is_none() && (cancel.is_cancelled() || interrupted().is_some()) {
        finish = Some(Finish::Cancelled);
    }
    let finish = match finish {
        Some(finish) => finish,
        None => Finish::Exited(status?),
    };
    let mut output = finish_collecting(collector);
    if let Some(reports) = reports {
        output.records.extend(finish_reading(reports));
    }
    Ok(Ran {
        finish,
        output,
        elapsed: started.elapsed(),
    })
}

/// Waits for the child after it was killed (it ends at once).
fn reap(done: &mpsc::Receiver<io::Result<ExitStatus>>) -> io::Result<io::Result<ExitStatus>> {
    done.recv()
        .map_err(|_| io::Error::other("the thread waiting for a child process died"))
}

fn wait_child(mut child: Child, done: mpsc::Sender<io::Result<ExitStatus>>) {
    let _ = done.send(child.wait());
}

/// The records on a driver's channel, until it closes.
fn read_records(mut channel: impl Read, marker: Vec<u8>) -> Vec<Vec<u8>> {
    let mut scanner = Scanner::new(Some(marker));
    let (mut plain, mut records) = (Vec::new(), Vec::new());
    let mut buf = [0u8; 4096];
    loop {
        match channel.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => scanner.feed(&buf[..n], &mut plain, &mut records),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
        plain.clear();
    }
    records
}

/// The channel closes with the child; a moment's grace, then nothing.
fn finish_reading(reports: thread::JoinHandle<Vec<Vec<u8>>>) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + Duration::from_millis(500);
    while !reports.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(2));
    }
    if reports.is_finished() {
        reports.join().unwrap_or_default()
    } else {
        Vec::new()
    }
}

/// Waits briefly for the output to end. A process that escaped the group
/// and our sweep (possible where there is no subreaper) may hold the pipe
/// open: we keep what arrived by then and say so.
fn finish_collecting(collector: Collector) -> Output {
    let deadline = Instant::now() + Duration::from_millis(500);
    while !collector.thread.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(2));
    }
    let finished = collector.thread.is_finished();
    let mut output = std::mem::take(&mut *lock_output(&collector.output));
    if !finished {
        output.tail.extend_from_slice(
            b"\n[the output did not end: a process the code started is still holding it]\n",
        );
    }
    output
}

fn lock_output(output: &Mutex<Output>) -> MutexGuard<'_, Output> {
    output.lock().unwrap_or_else(|e| e.into_inner())
}

/// The thread reading a child's output, and what it has read so far.
struct Collector {
    thread: thread::JoinHandle<()>,
    output: Arc<Mutex<Output>>,
}

fn start_collecting(reader: io::PipeReader, cap: usize, marker: Option<Vec<u8>>) -> Collector {
    let output = Arc::new(Mutex::new(Output::default()));
    let shared = Arc::clone(&output);
    let thread = thread::spawn(move || collect(reader, cap, marker, &shared));
    Collector { thread, output }
}

/// Longest record kept; a record is a short JSON line.
const RECORD_LIMIT: usize = 64 * 1024;

fn collect(mut reader: io::PipeReader, cap: usize, marker: Option<Vec<u8>>, out: &Mutex<Output>) {
    let mut scanner = Scanner::new(marker);
    let mut buf = [0u8; 16 * 1024];
    let mut plain = Vec::with_capacity(buf.len());
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        plain.clear();
        let mut out = lock_output(out);
        scanner.feed(&buf[..n], &mut plain, &mut out.records);
        out.keep(&plain, cap);
    }
    let mut out = lock_output(out);
    plain.clear();
    scanner.finish(&mut plain);
    out.keep(&plain, cap);
}

impl Output {
    /// Stores output: the first `cap` bytes, then the last `TAIL_KEEP`.
    fn keep(&mut self, mut chunk: &[u8], cap: usize) {
        if self.head.len() < cap {
            let take = chunk.len().min(cap - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        if !chunk.is_empty() {
            self.tail.extend_from_slice(chunk);
            if self.tail.len() > TAIL_KEEP {
                let excess = self.tail.len() - TAIL_KEEP;
                self.tail.drain(..excess);
                self.dropped += excess as u64;
            }
        }
    }
}

/// Finds the lines that start with the marker in a byte stream, wherever
/// the stream is cut into reads, and passes every other byte through.
struct Scanner {
    marker: Vec<u8>,
    /// Bytes of the marker matched so far (held back until decided).
    matched: usize,
    /// The record being read, after a full marker.
    record: Option<Vec<u8>>,
}

impl Scanner {
    fn new(marker: Option<Vec<u8>>) -> Self {
        Scanner {
            marker: marker.unwrap_or_default(),
            matched: 0,
            record: None,
        }
    }

    fn feed(&mut self, bytes: &[u8], plain: &mut Vec<u8>, records: &mut Vec<Vec<u8>>) {
        if self.marker.is_empty() {
            plain.extend_from_slice(bytes);
            return;
        }
        for &byte in bytes {
            if let Some(record) = &mut self.record {
                if byte == b'\n' {
                    records.extend(self.record.take());
                } else if record.len() < RECORD_LIMIT {
                    record.push(byte);
                }
                continue;
            }
            if byte == self.marker[self.matched] {
                self.matched += 1;
                if self.matched == self.marker.len() {
                    self.matched = 0;
                    self.record = Some(Vec::new());
                }
                continue;
            }
            // The marker's first byte appears nowhere else in it, so a
            // failed match can restart at this byte.
            plain.extend_from_slice(&self.marker[..self.matched]);
            self.matched = 0;
            if byte == self.marker[0] {
                self.matched = 1;
            } else {
                plain.push(byte);
            }
        }
    }

    /// The stream ended: a partial marker was output after all; a record
    /// without its newline is incomplete and dropped.
    fn finish(&mut self, plain: &mut Vec<u8>) {
        plain.extend_from_slice(&self.marker[..self.matched]);
        self.matched = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::helper;

    fn limits(timeout_ms: u64, cap: usize) -> Limits {
        Limits {
            timeout: Duration::from_millis(timeout_ms),
            output_cap: cap,
        }
    }

    // The helpers are this test binary started again: the test harness's
    // own first line comes before what they print.

    #[test]
    fn captures_both_streams_and_exit_status() {
        let ran = run(helper("echo", &[]), limits(60_000, 1024), &Cancel::new())
            .expect("the helper runs");
        match ran.finish {
            Finish::Exited(status) => assert_eq!(status.code(), Some(3)),
            other => panic!("expected an exit, got {other:?}"),
        }
        let text = ran.output.text();
        assert!(text.ends_with("out\nerr\n"), "{text:?}");
    }

    #[test]
    fn times_out() {
        let ran =
            run(helper("sleep", &[]), limits(200, 1024), &Cancel::new()).expect("the helper runs");
        assert_eq!(ran.finish, Finish::TimedOut);
        // Not a wall-clock bound: the helper sleeps for minutes.
        assert!(
            ran.elapsed < Duration::from_secs(120),
            "took {:?}",
            ran.elapsed
        );
    }

    #[test]
    fn endless_output_is_capped_with_the_end_kept() {
        let ran = run(helper("lines", &[]), limits(60_000, 100), &Cancel::new())
            .expect("the helper runs");
        assert_eq!(ran.output.head.len(), 100);
        assert!(ran.output.dropped > 0);
        let text = ran.output.text();
        assert!(text.contains("output limit was reached"), "{text}");
        assert!(text.ends_with("line 19999\n"), "the tail is kept");
    }

    #[test]
    fn cancel_stops_a_running_child() {
        let cancel = Cancel::new();
        let remote = cancel.clone();
        let killer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            remote.cancel();
        });
        let ran =
            run(helper("sleep", &[]), limits(200_000, 1024), &cancel).expect("the helper runs");
        killer.join().expect("killer thread");
        assert_eq!(ran.finish, Finish::Cancelled);
        assert!(ran.elapsed < Duration::from_secs(120));
    }
}
