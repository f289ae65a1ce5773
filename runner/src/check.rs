//! Checking one exercise: compile it with its hidden tests, then run each
//! test in its own process under the exercise's limits, and sum the result
//! up as one `Outcome`.
//!
//! One process per test means a deadlock or a crash in one test is reported
//! by that test's name, and never hides the verdict of the others.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::exercise::{Exercise, Source};
use crate::harness::{Compiled, Harness};
use crate::process::{self, Cancel, Finish, Limits};

/// The verdict on an exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    CompileError,
    TestFailed,
    /// A test (or the compiler) ran past its time limit.
    TimedOut,
    /// A test process died: abort, signal, or an exit in the middle.
    Crashed,
    /// The check was stopped before it finished (a newer save in watch mode).
    Cancelled,
}

impl Outcome {
    pub fn passed(self) -> bool {
        self == Outcome::Passed
    }
}

/// The verdict on one hidden test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed,
    TimedOut(Duration),
    Crashed(String),
    /// Skipped because an earlier test timed out (it would most likely hang
    /// too, and the learner should not wait for every one).
    NotRun,
}

#[derive(Debug, Clone)]
pub struct TestRun {
    /// The test's name in the hidden test file.
    pub name: String,
    pub verdict: Verdict,
    /// What the test printed (the learner's output and the panic message),
    /// without the test framework's own lines, truncated to the limit.
    pub output: String,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub exercise: String,
    pub outcome: Outcome,
    /// Compiler errors (on `CompileError`) or warnings.
    pub compiler_output: String,
    pub tests: Vec<TestRun>,
    pub elapsed: Duration,
    /// Digest of the source bytes this report is about.
    pub digest: String,
}

impl Report {
    pub fn failing(&self) -> impl Iterator<Item = &TestRun> {
        self.tests
            .iter()
            .filter(|t| !matches!(t.verdict, Verdict::Passed | Verdict::NotRun))
    }
}

/// The prefix libtest gives every hidden test (the module the harness
/// mounts the test file as).
const TEST_MODULE: &str = "hidden_tests::";

/// Where the hidden tests may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    No,
    /// On CPU 0 only (with `taskset`), as on a one-core CI machine.
    OneCpu,
}

/// Compiles and tests one exercise.
pub fn check(
    harness: &Harness,
    exercise: &Exercise,
    source: Source,
    cancel: &Cancel,
) -> Result<Report> {
    check_with(harness, exercise, source, Pin::No, cancel)
}

/// `check`, with the tests' CPUs chosen.
pub fn check_with(
    harness: &Harness,
    exercise: &Exercise,
    source: Source,
    pin: Pin,
    cancel: &Cancel,
) -> Result<Report> {
    let started = Instant::now();
    let (compiled, digest) = harness.compile(exercise, source, cancel)?;
    let mut report = Report {
        exercise: exercise.name.clone(),
        outcome: Outcome::Passed,
        compiler_output: String::new(),
        tests: Vec::new(),
        elapsed: Duration::ZERO,
        digest,
    };
    match compiled {
        Compiled::Binary { path, warnings } => {
            report.compiler_output = warnings;
            report.tests = run_tests(&path, exercise, pin, cancel)?;
            report.outcome = summarize(&report.tests, cancel);
        }
        Compiled::Failed { output } => {
            report.compiler_output = output;
            report.outcome = Outcome::CompileError;
        }
        Compiled::TimedOut => {
            report.compiler_output = "the compiler did not finish in time".into();
            report.outcome = Outcome::TimedOut;
        }
        Compiled::Cancelled => report.outcome = Outcome::Cancelled,
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

fn summarize(tests: &[TestRun], cancel: &Cancel) -> Outcome {
    if cancel.is_cancelled() {
        return Outcome::Cancelled;
    }
    let any = |f: fn(&Verdict) -> bool| tests.iter().any(|t| f(&t.verdict));
    if any(|v| matches!(v, Verdict::TimedOut(_))) {
        Outcome::TimedOut
    } else if any(|v| matches!(v, Verdict::Crashed(_))) {
        Outcome::Crashed
    } else if any(|v| matches!(v, Verdict::Failed)) {
        Outcome::TestFailed
    } else {
        Outcome::Passed
    }
}

fn test_command(binary: &Path, pin: Pin) -> Command {
    let mut command = match pin {
        Pin::No => Command::new(binary),
        Pin::OneCpu => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", "0"]).arg(binary);
            taskset
        }
    };
    // Backtraces would bury the test's own message; the course's tests
    // explain what they observed.
    command
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_TEST_THREADS")
        .env_remove("RUST_TEST_NOCAPTURE");
    command
}

fn run_tests(
    binary: &Path,
    exercise: &Exercise,
    pin: Pin,
    cancel: &Cancel,
) -> Result<Vec<TestRun>> {
    let limits = Limits {
        timeout: exercise.timeout,
        output_cap: exercise.output_limit,
    };
    let mut list = test_command(binary, Pin::No);
    list.args(["--list", "--format", "terse"]);
    let listed = process::run(list, limits, cancel).context("cannot list the hidden tests")?;
    let names: Vec<String> = listed
        .output
        .text()
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect();
    if names.is_empty() && listed.finish != Finish::Cancelled {
        bail!(
            "the hidden tests of `{}` ({}) contain no #[test] function",
            exercise.name,
            exercise.test_path(Path::new("")).display()
        );
    }

    let mut runs = Vec::with_capacity(names.len());
    let mut timed_out = false;
    for name in names {
        let short = name.strip_prefix(TEST_MODULE).unwrap_or(&name).to_string();
        if timed_out || cancel.is_cancelled() {
            runs.push(TestRun {
                name: short,
                verdict: Verdict::NotRun,
                output: String::new(),
                elapsed: Duration::ZERO,
            });
            continue;
        }
        let mut command = test_command(binary, pin);
        // --nocapture: output goes to our capped pipe as it is written,
        // instead of piling up in the test process's memory.
        command.args([
            "--exact",
            &name,
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ]);
        let ran = process::run(command, limits, cancel).context("cannot run the hidden tests")?;
        let verdict = match ran.finish {
            Finish::Exited(status) => verdict_of(status, ran.output.ending()),
            Finish::TimedOut => Verdict::TimedOut(exercise.timeout),
            Finish::Cancelled => Verdict::NotRun,
        };
        timed_out = matches!(verdict, Verdict::TimedOut(_));
        runs.push(TestRun {
            output: clean_output(&ran.output.text(), &name),
            name: short,
            verdict,
            elapsed: ran.elapsed,
        });
    }
    Ok(runs)
}

fn verdict_of(status: std::process::ExitStatus, ending: &[u8]) -> Verdict {
    use std::os::unix::process::ExitStatusExt;
    let ending = String::from_utf8_lossy(ending);
    match (status.code(), status.signal()) {
        // A test that calls `process::exit(0)` also exits with 0: only
        // libtest's own summary proves the test ran to its end.
        (Some(0), _) if ending.contains("test result: ok. 1 passed") => Verdict::Passed,
        (Some(0), _) => Verdict::Crashed(
            "the test process exited before the test finished: does the code call \
             `std::process::exit`?"
                .into(),
        ),
        (Some(101), _) => Verdict::Failed,
        (Some(code), _) => Verdict::Crashed(format!(
            "the test process exited with code {code} before the test finished: \
             does the code call `std::process::exit`?"
        )),
        (None, Some(signal)) => Verdict::Crashed(describe_signal(signal)),
        (None, None) => Verdict::Crashed("the test process ended abnormally".into()),
    }
}

fn describe_signal(signal: i32) -> String {
    match nix::sys::signal::Signal::try_from(signal) {
        Ok(nix::sys::signal::Signal::SIGABRT) => "the test process aborted (SIGABRT): \
             a stack overflow, a panic while panicking, or `std::process::abort`"
            .into(),
        Ok(nix::sys::signal::Signal::SIGSEGV) => {
            "the test process crashed with a segmentation fault (SIGSEGV)".into()
        }
        Ok(nix::sys::signal::Signal::SIGKILL) => {
            "the test process was killed (SIGKILL): out of memory?".into()
        }
        Ok(other) => format!("the test process was killed by {other}"),
        Err(_) => format!("the test process was killed by signal {signal}"),
    }
}

/// Drops libtest's own lines from a single-test run's output, keeping what
/// the learner's code and the test printed.
fn clean_output(text: &str, test: &str) -> String {
    let failed_line = format!("{test} --- FAILED");
    let listed = format!("    {test}");
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| {
            !(line.starts_with("running 1 test")
                || line.starts_with("test result: ")
                || *line == "failures:"
                || *line == failed_line
                || *line == listed
                || line.starts_with("note: run with `RUST_BACKTRACE=1`"))
        })
        .collect();
    kept.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_noise_is_removed() {
        let raw = "\nrunning 1 test\nhello\nthread 'hidden_tests::t' (42) panicked at tests/a/b.rs:3:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\nhidden_tests::t --- FAILED\n\nfailures:\n\nfailures:\n    hidden_tests::t\n\ntest result: FAILED. 0 passed; 1 failed\n";
        let cleaned = clean_output(raw, "hidden_tests::t");
        assert_eq!(
            cleaned,
            "hello\nthread 'hidden_tests::t' (42) panicked at tests/a/b.rs:3:5:\nboom"
        );
    }

    #[test]
    fn exit_zero_without_summary_is_a_crash() {
        use std::os::unix::process::ExitStatusExt;
        let ok = std::process::ExitStatus::from_raw(0);
        assert_eq!(
            verdict_of(ok, b"test result: ok. 1 passed; 0 failed"),
            Verdict::Passed
        );
        assert!(matches!(verdict_of(ok, b"bye"), Verdict::Crashed(_)));
        let failed = std::process::ExitStatus::from_raw(101 << 8);
        assert_eq!(verdict_of(failed, b""), Verdict::Failed);
        let aborted = std::process::ExitStatus::from_raw(6);
        assert!(matches!(verdict_of(aborted, b""), Verdict::Crashed(m) if m.contains("SIGABRT")));
    }
}
