//! Running a child process that we do not trust: the compiler, or a test
//! binary built from learner code.
//!
//! Every child runs in its own process group, under a time limit, with its
//! output (stdout and stderr, interleaved as written) captured up to a cap.
//! When it ends, times out or is cancelled, the whole group is killed, so
//! threads or grandchildren the learner spawned never outlive the check.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

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
            text.push_str(&String::from_utf8_lossy(&self.tail));
        }
        text
    }

    /// The last bytes written, whether or not the output was cut.
    pub fn ending(&self) -> &[u8] {
        if self.dropped > 0 || !self.tail.is_empty() {
            &self.tail
        } else {
            &self.head
        }
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
        !state.cancelled
    }

    fn unregister(&self, group: Pid) {
        self.lock().groups.retain(|g| *g != group);
    }
}

fn kill_group(group: Pid) {
    // ESRCH (the group is already gone) is the normal case after a clean exit.
    let _ = killpg(group, Signal::SIGKILL);
}

/// Runs `command` to completion, time-out or cancellation.
pub fn run(mut command: Command, limits: Limits, cancel: &Cancel) -> io::Result<Ran> {
    let started = Instant::now();
    let (reader, writer) = io::pipe()?;
    command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .process_group(0);
    let child = command.spawn()?;
    // Our copies of the write end are gone with `command`; EOF comes when
    // the whole group has closed it.
    drop(command);
    let group = Pid::from_raw(child.id() as i32);
    let collector = thread::spawn(move || collect(reader, limits.output_cap));
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
    // Whatever the child left running in its group goes with it.
    kill_group(group);
    cancel.unregister(group);
    if finish.is_none() && cancel.is_cancelled() {
        finish = Some(Finish::Cancelled);
    }
    let finish = match finish {
        Some(finish) => finish,
        None => Finish::Exited(status?),
    };
    let output = finish_collecting(collector);
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

/// Waits briefly for the output to end. A grandchild that left our process
/// group (setsid) may hold the pipe open; we do not wait for it.
fn finish_collecting(collector: thread::JoinHandle<Output>) -> Output {
    let deadline = Instant::now() + Duration::from_millis(500);
    while !collector.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(2));
    }
    if collector.is_finished() {
        collector.join().unwrap_or_default()
    } else {
        Output {
            head: b"[the output did not end: a process escaped the runner's process group]"
                .to_vec(),
            ..Output::default()
        }
    }
}

fn collect(mut reader: io::PipeReader, cap: usize) -> Output {
    let mut out = Output::default();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let mut chunk = &buf[..n];
        if out.head.len() < cap {
            let take = chunk.len().min(cap - out.head.len());
            out.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        if !chunk.is_empty() {
            out.tail.extend_from_slice(chunk);
            if out.tail.len() > TAIL_KEEP {
                let excess = out.tail.len() - TAIL_KEEP;
                out.tail.drain(..excess);
                out.dropped += excess as u64;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    fn limits(timeout_ms: u64, cap: usize) -> Limits {
        Limits {
            timeout: Duration::from_millis(timeout_ms),
            output_cap: cap,
        }
    }

    #[test]
    fn captures_both_streams_and_exit_status() {
        let ran = run(
            sh("echo out; echo err >&2; exit 3"),
            limits(5000, 1024),
            &Cancel::new(),
        )
        .expect("sh runs");
        match ran.finish {
            Finish::Exited(status) => assert_eq!(status.code(), Some(3)),
            other => panic!("expected an exit, got {other:?}"),
        }
        assert_eq!(ran.output.text(), "out\nerr\n");
    }

    #[test]
    fn times_out_and_kills_the_whole_group() {
        let marker = tempfile::NamedTempFile::new().expect("temp file");
        let path = marker.path().display().to_string();
        // The grandchild would write the marker after 1 s if it survived.
        let script = format!("(sleep 1; echo alive > {path}) & sleep 30");
        let ran = run(sh(&script), limits(200, 1024), &Cancel::new()).expect("sh runs");
        assert_eq!(ran.finish, Finish::TimedOut);
        assert!(
            ran.elapsed < Duration::from_secs(5),
            "took {:?}",
            ran.elapsed
        );
        thread::sleep(Duration::from_millis(1300));
        let written = std::fs::read_to_string(&path).expect("marker readable");
        assert!(written.is_empty(), "a grandchild survived the kill");
    }

    #[test]
    fn endless_output_is_capped_with_the_end_kept() {
        let ran = run(
            sh("i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done"),
            limits(10_000, 100),
            &Cancel::new(),
        )
        .expect("sh runs");
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
        let ran = run(sh("sleep 30"), limits(20_000, 1024), &cancel).expect("sh runs");
        killer.join().expect("killer thread");
        assert_eq!(ran.finish, Finish::Cancelled);
        assert!(ran.elapsed < Duration::from_secs(5));
    }
}
