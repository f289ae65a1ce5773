//! Checking one exercise: compile it with its hidden tests, then run each
//! test in its own process under the exercise's limits, and sum the result
//! up as one `Outcome`.
//!
//! One process per test means a deadlock or a crash in one test is reported
//! by that test's name, and never hides the verdict of the others. Each
//! process runs in a sandbox (`platform::sandbox`), and its verdict comes
//! from the runner's driver over a channel the code under test cannot write
//! (a per-process secret marker), never from its exit code alone.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::exercise::{Exercise, Source};
use crate::harness::{Compiled, Harness, Stage};
use crate::platform::{self, Confine, Exit, Sandbox};
use crate::probe::ProbeResult;
use crate::process::{self, Cancel, Finish, Input, Limits};

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
    /// truncated to the limit.
    pub output: String,
    /// The test's own panic message and its `file:line:col`, from the
    /// driver's record.
    pub message: Option<String>,
    pub location: Option<String>,
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
    /// Which crate did not compile, on `CompileError`.
    pub failed_stage: Option<Stage>,
}

impl Report {
    pub fn failing(&self) -> impl Iterator<Item = &TestRun> {
        self.tests
            .iter()
            .filter(|t| !matches!(t.verdict, Verdict::Passed | Verdict::NotRun))
    }
}

/// Where the hidden tests may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    No,
    /// On one CPU only, as on a one-core CI machine (Linux; elsewhere the
    /// tests run unpinned and `dev check` says so).
    OneCpu,
}

/// How much of an exercise's tests to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Every test, for the whole report.
    AllRun,
    /// Until one test fails: the rest are stopped (`NotRun`), and the
    /// outcome is that failure. For `dev check` of known-wrong solutions,
    /// whose tests mostly wait (often for a time limit) after the first
    /// rejection. It cancels the check's token: give it one of its own.
    FirstFailure,
}

/// Compiles and tests one exercise: as often as the exercise's `repeat`
/// asks, stopping at the first run that does not pass (a pass by luck is
/// not a pass).
pub fn check(
    harness: &Harness,
    exercise: &Exercise,
    source: Source,
    cancel: &Cancel,
) -> Result<Report> {
    let mut report = check_with(harness, exercise, source, Pin::No, Until::AllRun, cancel)?;
    for _ in 1..exercise.repeat {
        if !report.outcome.passed() {
            break;
        }
        let elapsed = report.elapsed;
        report = check_with(harness, exercise, source, Pin::No, Until::AllRun, cancel)?;
        report.elapsed += elapsed;
    }
    Ok(report)
}

/// `check`, with the tests' CPUs chosen.
pub fn check_with(
    harness: &Harness,
    exercise: &Exercise,
    source: Source,
    pin: Pin,
    until: Until,
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
        failed_stage: None,
    };
    match compiled {
        Compiled::Binary {
            path,
            tests,
            warnings,
            probes,
        } => {
            report.compiler_output = warnings;
            report.tests = run_tests(&path, &tests, exercise, pin, until, cancel)?;
            report.tests.extend(probes.iter().map(probe_run));
            report.outcome = match until {
                Until::FirstFailure if report.failing().next().is_some() => {
                    outcome_of(&report.tests)
                }
                _ => summarize(&report.tests, cancel),
            };
        }
        Compiled::Failed { stage, output } => {
            report.failed_stage = Some(stage.clone());
            report.compiler_output = match stage {
                Stage::Exercise => output,
                Stage::HiddenTests {
                    item,
                    missing_trait: true,
                } => format!(
                    "Your file compiles, but {} does not meet a requirement of the hidden \
                     tests: a trait they need it to have (such as `Send`, `Sync` or `Fn`) is \
                     missing, or a bound was added. The compiler's error below, in the \
                     hidden tests, names the trait and the type.\n\n{output}",
                    item.map_or("an item of the exercise".to_string(), |i| format!("`{i}`"))
                ),
                Stage::HiddenTests {
                    item: Some(item),
                    missing_trait: false,
                } => format!(
                    "The exercise's API was changed: the hidden tests cannot use `{item}` as \
                     your file declares it now. Restore it as the exercise gave it: items \
                     marked \"don't change\" keep their name, visibility and signature \
                     (the original file is {}). The compiler's errors, in the hidden \
                     tests:\n\n{output}",
                    Path::new(crate::exercise::PRISTINE_DIR)
                        .join(&exercise.dir)
                        .join(format!("{}.rs", exercise.name))
                        .display()
                ),
                Stage::HiddenTests {
                    item: None,
                    missing_trait: false,
                } => format!(
                    "Your file compiles, but the hidden tests cannot use it: an item they \
                     call (marked \"don't change\") was renamed, removed, made private or \
                     given another signature. The errors below are in the hidden tests; \
                     the item they name is the one to restore.\n\n{output}"
                ),
            };
            report.outcome = Outcome::CompileError;
        }
        Compiled::TimedOut { output } => {
            report.compiler_output = format!(
                "the compiler did not finish within {}s (`compile_timeout_secs` in \
                 info.toml sets the limit); what it had printed:\n{output}",
                exercise.compile_timeout.as_secs_f64()
            );
            report.outcome = Outcome::TimedOut;
        }
        Compiled::Cancelled => report.outcome = Outcome::Cancelled,
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

fn summarize(tests: &[TestRun], cancel: &Cancel) -> Outcome {
    if cancel.is_cancelled() || process::interrupted().is_some() {
        return Outcome::Cancelled;
    }
    outcome_of(tests)
}

/// The outcome the tests' verdicts add up to.
fn outcome_of(tests: &[TestRun]) -> Outcome {
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

/// What the driver reports at the end of a test (see `templates/driver.rs`).
#[derive(Debug, Deserialize)]
struct Record {
    status: RecordStatus,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    location: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RecordStatus {
    Passed,
    Failed,
}

/// A fresh secret for one test process: the marker its driver's report
/// line starts with.
fn new_marker() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // The record separator begins the marker and appears nowhere else in
    // it (the output scanner relies on that).
    Ok(format!("\u{1e}runner-{hex}:"))
}

/// Hidden tests of one exercise that run at once: an exercise that hangs
/// reports in about one time limit, not one per test (every exercise has
/// fewer; most of a test's time is spent blocked, not on a CPU).
const PARALLEL_TESTS: usize = 16;

fn run_tests(
    binary: &Path,
    names: &[String],
    exercise: &Exercise,
    pin: Pin,
    until: Until,
    cancel: &Cancel,
) -> Result<Vec<TestRun>> {
    let limits = Limits {
        timeout: exercise.timeout,
        output_cap: exercise.output_limit,
    };
    let mut runs = Vec::with_capacity(names.len());
    for batch in names.chunks(PARALLEL_TESTS) {
        let results: Vec<Result<TestRun>> = std::thread::scope(|scope| {
            let running: Vec<_> = batch
                .iter()
                .map(|name| {
                    scope.spawn(move || {
                        if cancel.is_cancelled() || process::interrupted().is_some() {
                            return Ok(not_run(name));
                        }
                        let run = run_test(binary, name, exercise, pin, limits, cancel)?;
                        let failed = !matches!(run.verdict, Verdict::Passed | Verdict::NotRun);
                        if failed && until == Until::FirstFailure {
                            cancel.cancel();
                        }
                        Ok(run)
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a test's thread panicked")))
                })
                .collect()
        });
        for run in results {
            runs.push(run?);
        }
    }
    Ok(runs)
}

/// A compile-fail probe, reported like any other hidden test.
fn probe_run(probe: &ProbeResult) -> TestRun {
    let failure = probe.failure();
    TestRun {
        name: probe.name.clone(),
        verdict: if failure.is_some() {
            Verdict::Failed
        } else {
            Verdict::Passed
        },
        // Shown where a test's own output and panic message go.
        output: failure.clone().unwrap_or_default(),
        message: failure,
        location: None,
        elapsed: Duration::ZERO,
    }
}

fn not_run(name: &str) -> TestRun {
    TestRun {
        name: name.to_string(),
        verdict: Verdict::NotRun,
        output: String::new(),
        message: None,
        location: None,
        elapsed: Duration::ZERO,
    }
}

fn run_test(
    binary: &Path,
    name: &str,
    exercise: &Exercise,
    pin: Pin,
    limits: Limits,
    cancel: &Cancel,
) -> Result<TestRun> {
    // The test's working folder (empty, read-only), gone afterwards.
    let scratch = tempfile::Builder::new()
        .prefix("runner-test-")
        .tempdir()
        .context("cannot create a temporary folder for the test")?;
    // The test's name goes to the driver privately (`private_lines`), not
    // on the command line, where the code under test could read it.
    let mut command = Command::new(binary);
    command
        .current_dir(scratch.path())
        .env("TMPDIR", scratch.path())
        // Backtraces would bury the test's own message; the course's tests
        // explain what they observed.
        .env("RUST_BACKTRACE", "0");
    let marker = new_marker()?;
    let input = Input {
        marker: Some(marker.into_bytes()),
        private_lines: vec![name.to_string()],
        confine: Confine::Test(Sandbox {
            memory: exercise.memory_limit,
            tasks: exercise.task_limit,
            one_cpu: pin == Pin::OneCpu,
            scratch: scratch.path().to_path_buf(),
            program: binary.to_path_buf(),
        }),
    };
    let ran =
        process::run_with(command, input, limits, cancel).context("cannot run the hidden tests")?;
    let record = ran
        .output
        .records
        .first()
        .and_then(|r| serde_json::from_slice::<Record>(r).ok());
    let verdict = match ran.finish {
        Finish::Exited(status) => verdict_of(platform::describe_exit(status), record.as_ref()),
        Finish::TimedOut => Verdict::TimedOut(exercise.timeout),
        Finish::Cancelled => Verdict::NotRun,
    };
    Ok(TestRun {
        name: name.to_string(),
        verdict,
        output: ran.output.text().trim().to_string(),
        message: record.as_ref().and_then(|r| r.message.clone()),
        location: record.and_then(|r| r.location),
        elapsed: ran.elapsed,
    })
}

/// A pass needs both: the driver's own record that the test function
/// returned, and the exit the driver makes right after it. Nothing the code
/// under test prints or does to the process can produce the record.
fn verdict_of(exit: Exit, record: Option<&Record>) -> Verdict {
    match (record.map(|r| &r.status), exit) {
        (Some(RecordStatus::Passed), Exit::Code(0)) => Verdict::Passed,
        (Some(RecordStatus::Failed), Exit::Code(101)) => Verdict::Failed,
        (Some(_), Exit::Code(code)) => Verdict::Crashed(format!(
            "the test finished, but the process then ended with code {code}: something \
             the code started ended the process"
        )),
        (_, Exit::Killed(how)) => Verdict::Crashed(how),
        (None, Exit::Code(code)) => Verdict::Crashed(format!(
            "the test process ended (exit code {code}) before the test finished: the code \
             under test ended the process (`std::process::exit`?)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: RecordStatus) -> Record {
        Record {
            status,
            message: None,
            location: None,
        }
    }

    #[test]
    fn only_the_drivers_record_and_its_exit_make_a_pass() {
        let passed = record(RecordStatus::Passed);
        assert_eq!(verdict_of(Exit::Code(0), Some(&passed)), Verdict::Passed);
        // An exit of 0 without the record is a crash, whatever was printed.
        assert!(matches!(
            verdict_of(Exit::Code(0), None),
            Verdict::Crashed(_)
        ));
        assert!(matches!(
            verdict_of(Exit::Code(3), Some(&passed)),
            Verdict::Crashed(_)
        ));
        let failed = record(RecordStatus::Failed);
        assert_eq!(verdict_of(Exit::Code(101), Some(&failed)), Verdict::Failed);
        assert!(matches!(
            verdict_of(Exit::Code(101), None),
            Verdict::Crashed(_)
        ));
        let killed = Exit::Killed("aborted".into());
        assert!(matches!(verdict_of(killed, Some(&passed)), Verdict::Crashed(m) if m == "aborted"));
    }

    #[test]
    fn markers_are_fresh_and_start_with_a_separator() {
        let a = new_marker().expect("random");
        let b = new_marker().expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with('\u{1e}'));
        assert_eq!(a.matches('\u{1e}').count(), 1);
    }
}
