//! `runner verify`: every exercise (or solution) in course order, graded.
//!
//! Each exercise is checked (N times with `--repeat`) and summed up as one
//! `Status`; people see a progress bar on a terminal, one line per exercise
//! for logs, the first failure in full, and a summary. The finished `Grade`
//! goes to `report` for the CI formats (JSON, JUnit, GitHub annotations).
//! With `--pristine REV` the hidden tests and limits come from a git
//! revision (see `pristine`).

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::app;
use crate::check::{self, Outcome, Report};
use crate::cli::VerifyArgs;
use crate::exercise::{Exercise, Source};
use crate::harness::Harness;
use crate::manifest::{self, Course, Files};
use crate::pristine::{Original, Pristine};
use crate::process::Cancel;
use crate::report::{self, Format};
use crate::state::Store;
use crate::ui;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub keep_going: bool,
    pub source: Source,
    /// How many times each exercise's tests run.
    pub repeat: u32,
}

/// The verdict on one exercise over all its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    CompileError,
    Timeout,
    Crash,
    /// Passed some runs and failed others: a failure.
    Flaky,
    /// Not checked (verify stopped at an earlier failure).
    NotRun,
}

impl Status {
    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::CompileError => "compile_error",
            Status::Timeout => "timeout",
            Status::Crash => "crash",
            Status::Flaky => "flaky",
            Status::NotRun => "not_run",
        }
    }

    fn of(outcome: Outcome) -> Status {
        match outcome {
            Outcome::Passed => Status::Pass,
            Outcome::CompileError => Status::CompileError,
            Outcome::TestFailed => Status::Fail,
            Outcome::TimedOut => Status::Timeout,
            Outcome::Crashed => Status::Crash,
            Outcome::Cancelled => Status::NotRun,
        }
    }
}

/// One exercise, graded.
#[derive(Debug)]
pub struct Graded<'a> {
    pub exercise: &'a Exercise,
    pub status: Status,
    /// The run the status is about: the first failing one, else the last
    /// passing one; `None` when not run.
    pub report: Option<Report>,
    pub runs: u32,
    pub passed_runs: u32,
    /// All runs together.
    pub elapsed: Duration,
    /// Rungs of the hint ladder the learner opened (from the progress).
    pub hints_opened: usize,
}

/// The whole course, graded.
#[derive(Debug)]
pub struct Grade<'a> {
    pub exercises: Vec<Graded<'a>>,
    pub source: Source,
    pub repeat: u32,
    /// The revision the hidden tests came from (`--pristine`).
    pub pristine: Option<Pristine>,
    pub elapsed: Duration,
}

impl Grade<'_> {
    pub fn passed(&self) -> usize {
        self.exercises
            .iter()
            .filter(|g| g.status == Status::Pass)
            .count()
    }

    pub fn all_passed(&self) -> bool {
        self.passed() == self.exercises.len()
    }
}

/// Where the lines for people go: stdout, or stderr when the machine
/// report takes stdout, or a file (`--format human --output FILE`).
#[derive(Debug)]
enum Sink {
    Stdout,
    Stderr,
    Text(String),
}

impl Sink {
    fn line(&mut self, text: &str) {
        match self {
            Sink::Stdout => println!("{text}"),
            Sink::Stderr => eprintln!("{text}"),
            Sink::Text(buffer) => {
                buffer.push_str(&report::strip_ansi(text));
                buffer.push('\n');
            }
        }
    }
}

/// `runner verify` with its options: grades, prints, writes the report.
/// Loads the manifest itself (the course's, or the revision's with
/// `--pristine`), so that a broken one is still reported in the chosen
/// format.
pub fn command(root: &Path, args: &VerifyArgs) -> Result<ExitCode> {
    let source = if args.solutions {
        Source::Solution
    } else {
        Source::Exercise
    };
    let options = Options {
        keep_going: args.keep_going,
        source,
        repeat: args.repeat,
    };
    let mut sink = match (args.format, &args.output) {
        (Format::Human, Some(_)) => Sink::Text(String::new()),
        (Format::Human, None) | (_, Some(_)) => Sink::Stdout,
        (_, None) => Sink::Stderr,
    };
    let github = report::in_github_actions();
    let outcome = (|| -> Result<bool> {
        let original = match &args.pristine {
            Some(revision) => Some(Original::extract(root, revision)?),
            None => None,
        };
        let course = match &original {
            Some(original) => original.course(root, source)?,
            None if args.solutions => manifest::load(root, Files::All)?,
            None => manifest::load(root, Files::Learner)?,
        };
        // A grading run in CI, or of a revision, executes nothing it did not
        // build itself from these inputs: no cache the code under test, or
        // a committed `target/`, could have planted binaries in.
        let fresh_dir = (args.fresh || original.is_some() || in_ci())
            .then(|| tempfile::Builder::new().prefix("runner-verify-").tempdir())
            .transpose()
            .context("cannot create a private build folder")?;
        let mut harness = match &fresh_dir {
            Some(dir) => app::prepare_in(&course, dir.path())?,
            None => app::prepare(&course)?,
        }
        .batch();
        if let Some(original) = &original {
            harness = harness.with_hidden_tests_from(original.dir());
        }
        let pristine = original.as_ref().map(|o| o.pristine.clone());
        let mut grade = grade(&course, &harness, options, pristine, &mut sink)?;
        // Teachers want to know how much help was taken. A progress file
        // that cannot be read only means none is known.
        if let Ok((state, _)) = Store::new(root).load(&course) {
            for graded in &mut grade.exercises {
                graded.hints_opened = state.hints_opened(&graded.exercise.name);
            }
        }
        deliver(&grade, args, sink, root, github)?;
        Ok(grade.all_passed())
    })();
    match outcome {
        Ok(true) => Ok(ExitCode::SUCCESS),
        Ok(false) => Ok(ExitCode::from(1)),
        Err(error) => {
            let message = format!("{error:#}");
            let text = match args.format {
                Format::Human => None,
                Format::Json => report::json_error(&message, source, args.repeat).ok(),
                Format::Junit => report::junit_error(&message).ok(),
                Format::Classroom => report::classroom_error(&message).ok(),
            };
            if let Some(text) = text {
                // Best effort: the error itself is what the caller sees.
                let _ = write_report(args.output.as_deref(), &text);
            }
            if github {
                let line = format!(
                    "::error title=runner verify could not run::{}",
                    message.replace('%', "%25").replace('\n', "%0A")
                );
                annotate(args, &line);
            }
            Err(error)
        }
    }
}

/// Writes the report and, in GitHub Actions, annotations and the summary.
fn deliver(grade: &Grade, args: &VerifyArgs, sink: Sink, root: &Path, github: bool) -> Result<()> {
    let text = match (args.format, sink) {
        (Format::Human, Sink::Text(text)) => Some(text),
        (Format::Human, _) => None,
        (Format::Json, _) => Some(report::json(grade)?),
        (Format::Junit, _) => Some(report::junit(grade)?),
        (Format::Classroom, _) => Some(report::classroom(grade)?),
    };
    if let Some(text) = text {
        write_report(args.output.as_deref(), &text)?;
    }
    if github {
        let annotations = report::github_annotations(grade, root);
        for line in &annotations.lines {
            annotate(args, line);
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            use std::io::Write;
            let path = Path::new(&path);
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| {
                    file.write_all(report::step_summary(grade, &annotations).as_bytes())
                })
                .with_context(|| {
                    format!(
                        "cannot append the job summary to {} ($GITHUB_STEP_SUMMARY)",
                        path.display()
                    )
                })?;
        }
    }
    Ok(())
}

/// Prints a GitHub workflow command: to stdout, unless the report is there.
fn annotate(args: &VerifyArgs, line: &str) {
    if args.format == Format::Human || args.output.is_some() {
        println!("{line}");
    } else {
        eprintln!("{line}");
    }
}

fn write_report(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(path) => fs::write(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Checks the course in order, printing a line per exercise to `sink`.
/// Whether this runs in CI (`CI` is set by GitHub Actions, GitLab, and
/// most others).
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

fn grade<'a>(
    course: &'a Course,
    harness: &Harness,
    options: Options,
    pristine: Option<Pristine>,
    sink: &mut Sink,
) -> Result<Grade<'a>> {
    let started = Instant::now();
    if let Some(pristine) = &pristine {
        sink.line(&format!(
            "Grading with the hidden tests and {} of {} ({}).",
            manifest::MANIFEST,
            pristine.revision,
            &pristine.commit[..pristine.commit.len().min(12)]
        ));
        for difference in &pristine.differences {
            sink.line(&format!(
                "{} {}",
                ui::warning_label(),
                difference.describe(&pristine.revision)
            ));
        }
    }
    let total = course.exercises.len();
    let bar = ui::progress(total);
    let cancel = Cancel::new();
    let not_run = |exercise| Graded {
        exercise,
        status: Status::NotRun,
        report: None,
        runs: 0,
        passed_runs: 0,
        elapsed: Duration::ZERO,
        hints_opened: 0,
    };
    // Exercises are graded in parallel, on every CPU, each taken in course
    // order; results are shown and judged in course order. Without
    // --keep-going, no exercise after a known failure is started, and any
    // already graded past it is reported as not run: the report is the same
    // as one exercise at a time.
    let jobs = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, total.max(1));
    let next = AtomicUsize::new(0);
    let first_failure = AtomicUsize::new(usize::MAX);
    let slots: Mutex<Vec<Option<Result<Graded<'a>>>>> =
        Mutex::new((0..total).map(|_| None).collect());
    let filled = Condvar::new();
    let mut graded = Vec::with_capacity(total);
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(exercise) = course.exercises.get(index) else {
                        break;
                    };
                    let result = if index > first_failure.load(Ordering::SeqCst) {
                        Ok(not_run(exercise))
                    } else {
                        grade_one(harness, exercise, options, &cancel)
                    };
                    let failed = result.as_ref().map_or(true, |g| g.status != Status::Pass);
                    if failed && !options.keep_going {
                        first_failure.fetch_min(index, Ordering::SeqCst);
                    }
                    let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
                    slots[index] = Some(result);
                    filled.notify_all();
                }
            });
        }
        let mut stopped = false;
        for (index, exercise) in course.exercises.iter().enumerate() {
            if !stopped {
                bar.set_message(exercise.name.clone());
            }
            let result = {
                let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(result) = slots[index].take() {
                        break result;
                    }
                    slots = filled.wait(slots).unwrap_or_else(|e| e.into_inner());
                }
            };
            let result = match result {
                _ if stopped => not_run(exercise),
                Ok(graded) => graded,
                Err(error) => {
                    // Start nothing more; the scope waits for what runs.
                    first_failure.store(0, Ordering::SeqCst);
                    return Err(error);
                }
            };
            if !stopped {
                let line = match (result.status, &result.report) {
                    (Status::Flaky, Some(report)) => {
                        ui::flaky_line(report, result.passed_runs, result.runs)
                    }
                    (_, Some(report)) => ui::outcome_line(report),
                    (_, None) => ui::not_run_line(&exercise.name),
                };
                bar.suspend(|| sink.line(&line));
                bar.inc(1);
            }
            if result.status != Status::Pass && !options.keep_going {
                stopped = true;
            }
            graded.push(result);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    let first_failure = graded
        .iter()
        .find(|g| !matches!(g.status, Status::Pass | Status::NotRun));
    if let Some(failure) = first_failure
        && let Some(report) = &failure.report
    {
        sink.line("");
        if failure.status == Status::Flaky {
            sink.line(&format!(
                "{} passed {} of {} runs: a race that passes by luck is not solved. \
                     The first failing run:",
                failure.exercise.name, failure.passed_runs, failure.runs
            ));
        }
        sink.line(ui::report_text(report, failure.exercise, &course.root).trim_end());
    }
    let grade = Grade {
        exercises: graded,
        source: options.source,
        repeat: options.repeat,
        pristine,
        elapsed: started.elapsed(),
    };
    let what = match options.source {
        Source::Solution => "solutions",
        _ => "exercises",
    };
    let repeated = if options.repeat > 1 {
        format!(" ({} runs each)", options.repeat)
    } else {
        String::new()
    };
    sink.line(&format!(
        "{}/{total} {what} passed{repeated}",
        grade.passed()
    ));
    Ok(grade)
}

/// Runs one exercise up to `repeat` times. Stops early once the verdict is
/// settled: a compile error or a time-out (they would only repeat, slowly),
/// or a failure after a pass (flaky).
fn grade_one<'a>(
    harness: &Harness,
    exercise: &'a Exercise,
    options: Options,
    cancel: &Cancel,
) -> Result<Graded<'a>> {
    let mut graded = Graded {
        exercise,
        status: Status::Pass,
        report: None,
        runs: 0,
        passed_runs: 0,
        elapsed: Duration::ZERO,
        hints_opened: 0,
    };
    let mut first_failure: Option<Report> = None;
    for _ in 0..options.repeat {
        let report = check::check(harness, exercise, options.source, cancel)?;
        graded.runs += 1;
        graded.elapsed += report.elapsed;
        let outcome = report.outcome;
        if outcome.passed() {
            graded.passed_runs += 1;
            graded.report = Some(report);
        } else if first_failure.is_none() {
            first_failure = Some(report);
        }
        let settled = matches!(
            outcome,
            Outcome::CompileError | Outcome::TimedOut | Outcome::Cancelled
        ) || (first_failure.is_some() && graded.passed_runs > 0);
        if settled {
            break;
        }
    }
    if let Some(failure) = first_failure {
        graded.status = if graded.passed_runs > 0 {
            Status::Flaky
        } else {
            Status::of(failure.outcome)
        };
        graded.report = Some(failure);
    }
    Ok(graded)
}
