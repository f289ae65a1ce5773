//! The machine-readable side of `runner verify`: the JSON report (its shape
//! is documented in the README, "Grading in CI"), JUnit XML (written with
//! `quick-junit`), and, inside GitHub Actions, `::error` annotations and the
//! markdown table of the job summary.
//!
//! Everything here reads a finished `Grade`; nothing runs exercises.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::check::{TestRun, Verdict};
use crate::exercise::Source;
use crate::ui;
use crate::verify::{Grade, Graded, Status};

/// The version of the JSON report's shape. It changes only when a field is
/// removed or changes meaning; new fields may appear in any version.
pub const JSON_VERSION: u32 = 1;

/// `verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people.
    Human,
    /// One JSON document (see the README for its shape).
    Json,
    /// JUnit XML: one test suite per exercise, one test case per hidden test.
    Junit,
    /// GitHub Classroom's grading reporter input: base64 of a flat JSON
    /// `tests[]` (one per exercise, 1 point each) with `max_score`.
    Classroom,
}

/// Where a message points: a file relative to the course root, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    version: u32,
    runner_version: &'static str,
    /// `pass`, `fail`, or `error` (the grading itself could not run).
    status: &'static str,
    /// Why the grading could not run (`error` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// `exercises` or `solutions`.
    source: &'static str,
    repeat: u32,
    score: u32,
    max_score: u32,
    passed: usize,
    total: usize,
    duration_secs: f64,
    pristine: Option<JsonPristine<'a>>,
    exercises: Vec<JsonExercise>,
}

#[derive(Debug, Serialize)]
struct JsonPristine<'a> {
    revision: &'a str,
    commit: &'a str,
    modified_hidden_files: Vec<JsonDifference<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonDifference<'a> {
    file: &'a str,
    change: &'static str,
}

#[derive(Debug, Serialize)]
struct JsonExercise {
    name: String,
    dir: String,
    file: String,
    status: &'static str,
    points: u32,
    max_points: u32,
    duration_secs: f64,
    runs: u32,
    passed_runs: u32,
    /// Rungs of the hint ladder the learner opened.
    hints_opened: usize,
    message: Option<String>,
    /// The compiler's errors (`compile_error`, or a compiler `timeout`).
    compiler_output: Option<String>,
    /// Every hidden test of the run the status is about (the first failing
    /// run, or the last passing one).
    tests: Vec<JsonTest>,
}

#[derive(Debug, Serialize)]
struct JsonTest {
    name: String,
    /// `pass`, `fail`, `timeout`, `crash` or `not_run`.
    status: &'static str,
    duration_secs: f64,
    message: Option<String>,
    /// What a test that did not pass printed (the learner's output and
    /// the panic), cut to the exercise's output limit.
    output: Option<String>,
    location: Option<Location>,
}

/// The JSON report of a finished grading.
pub fn json(grade: &Grade) -> Result<String> {
    let passed = grade.passed();
    let report = JsonReport {
        version: JSON_VERSION,
        runner_version: env!("CARGO_PKG_VERSION"),
        status: if grade.all_passed() { "pass" } else { "fail" },
        message: None,
        source: source_label(grade.source),
        repeat: grade.repeat,
        score: u32::try_from(passed).unwrap_or(u32::MAX),
        max_score: u32::try_from(grade.exercises.len()).unwrap_or(u32::MAX),
        passed,
        total: grade.exercises.len(),
        duration_secs: secs(grade.elapsed),
        pristine: grade.pristine.as_ref().map(|p| JsonPristine {
            revision: &p.revision,
            commit: &p.commit,
            modified_hidden_files: p
                .differences
                .iter()
                .map(|d| JsonDifference {
                    file: &d.file,
                    change: d.change.label(),
                })
                .collect(),
        }),
        exercises: grade.exercises.iter().map(json_exercise).collect(),
    };
    let mut text = serde_json::to_string_pretty(&report)?;
    text.push('\n');
    Ok(text)
}

/// The JSON report when the grading could not run at all.
pub fn json_error(message: &str, source: Source, repeat: u32) -> Result<String> {
    let report = JsonReport {
        version: JSON_VERSION,
        runner_version: env!("CARGO_PKG_VERSION"),
        status: "error",
        message: Some(message.to_string()),
        source: source_label(source),
        repeat,
        score: 0,
        max_score: 0,
        passed: 0,
        total: 0,
        duration_secs: 0.0,
        pristine: None,
        exercises: Vec::new(),
    };
    let mut text = serde_json::to_string_pretty(&report)?;
    text.push('\n');
    Ok(text)
}

/// GitHub Classroom's autograding reporter reads, per runner, an environment
/// variable holding base64 JSON of this shape (version 1): a status, a
/// `max_score`, and a flat list of tests with a `score` each, which it adds
/// up. One test per exercise, 1 point each, as in the JSON report.
#[derive(Debug, Serialize)]
struct ClassroomReport {
    version: u32,
    /// `pass`, `fail` or `error`.
    status: &'static str,
    max_score: u32,
    tests: Vec<ClassroomTest>,
}

#[derive(Debug, Serialize)]
struct ClassroomTest {
    name: String,
    /// `pass` or `fail`.
    status: &'static str,
    score: u32,
    message: Option<String>,
    filename: String,
    line_no: u32,
    execution_time: String,
}

/// The Classroom report, base64-encoded, on one line.
pub fn classroom(grade: &Grade) -> Result<String> {
    let tests = grade
        .exercises
        .iter()
        .map(|graded| {
            let passed = graded.status == Status::Pass;
            ClassroomTest {
                name: graded.exercise.name.clone(),
                status: if passed { "pass" } else { "fail" },
                score: u32::from(passed),
                message: classroom_message(graded),
                filename: graded.exercise.display_path(),
                line_no: 0,
                execution_time: format!("{:.2}s", graded.elapsed.as_secs_f64()),
            }
        })
        .collect();
    let report = ClassroomReport {
        version: 1,
        status: if grade.all_passed() { "pass" } else { "fail" },
        max_score: u32::try_from(grade.exercises.len()).unwrap_or(u32::MAX),
        tests,
    };
    encode_classroom(&report)
}

/// What went wrong, with each failing test's own message: the reporter
/// shows it under the exercise's name.
fn classroom_message(graded: &Graded) -> Option<String> {
    let mut message = exercise_message(graded)?;
    if let Some(report) = &graded.report {
        for test in report.failing() {
            message.push_str(&format!("\n{}", test.name));
            if let Some(text) = test_message(test) {
                message.push_str(&format!(": {}", text.trim()));
            }
        }
    }
    Some(message)
}

/// The Classroom report when the grading could not run at all.
pub fn classroom_error(message: &str) -> Result<String> {
    let report = ClassroomReport {
        version: 1,
        status: "error",
        max_score: 0,
        tests: vec![ClassroomTest {
            name: "runner verify".to_string(),
            status: "fail",
            score: 0,
            message: Some(message.to_string()),
            filename: String::new(),
            line_no: 0,
            execution_time: "0s".to_string(),
        }],
    };
    encode_classroom(&report)
}

fn encode_classroom(report: &ClassroomReport) -> Result<String> {
    use base64::Engine;
    let json = serde_json::to_vec(report)?;
    let mut text = base64::engine::general_purpose::STANDARD.encode(json);
    text.push('\n');
    Ok(text)
}

fn source_label(source: Source) -> &'static str {
    match source {
        Source::Solution => "solutions",
        _ => "exercises",
    }
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

fn json_exercise(graded: &Graded) -> JsonExercise {
    let report = graded.report.as_ref();
    let compiler_output = report
        .filter(|r| r.tests.is_empty() && !r.outcome.passed())
        .map(|r| strip_ansi(r.compiler_output.trim_end()));
    JsonExercise {
        name: graded.exercise.name.clone(),
        dir: graded.exercise.dir.clone(),
        file: graded.exercise.display_path(),
        status: graded.status.label(),
        points: u32::from(graded.status == Status::Pass),
        max_points: 1,
        duration_secs: secs(graded.elapsed),
        runs: graded.runs,
        passed_runs: graded.passed_runs,
        hints_opened: graded.hints_opened,
        message: exercise_message(graded),
        compiler_output,
        tests: report
            .map(|r| r.tests.iter().map(json_test).collect())
            .unwrap_or_default(),
    }
}

fn json_test(test: &TestRun) -> JsonTest {
    let output = strip_ansi(&test.output);
    JsonTest {
        name: test.name.clone(),
        status: verdict_label(&test.verdict),
        duration_secs: secs(test.elapsed),
        message: test_message(test),
        location: test.location.as_deref().and_then(parse_location),
        // A passing test's output is only libtest's progress dot.
        output: (test.verdict != Verdict::Passed && !output.is_empty()).then_some(output),
    }
}

fn verdict_label(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "pass",
        Verdict::Failed => "fail",
        Verdict::TimedOut(_) => "timeout",
        Verdict::Crashed(_) => "crash",
        Verdict::NotRun => "not_run",
    }
}

/// One line on what went wrong with an exercise; `None` when it passed.
pub fn exercise_message(graded: &Graded) -> Option<String> {
    let report = graded.report.as_ref();
    Some(match graded.status {
        Status::Pass => return None,
        Status::NotRun => "not checked: verify stopped at the first failure \
                           (--keep-going checks every exercise)"
            .to_string(),
        Status::CompileError => match report.and_then(|r| compiler_error(&r.compiler_output)) {
            Some((message, _)) => format!("does not compile: {message}"),
            None => "does not compile".to_string(),
        },
        Status::Fail => {
            let failed = report.map_or(0, |r| r.failing().count());
            let total = report.map_or(0, |r| r.tests.len());
            format!("{failed} of {total} hidden tests failed")
        }
        Status::Timeout => {
            let timed_out = report.and_then(|r| {
                r.tests.iter().find_map(|t| match t.verdict {
                    Verdict::TimedOut(limit) => Some((t, limit)),
                    _ => None,
                })
            });
            match timed_out {
                Some((test, limit)) => format!(
                    "hidden test `{}` timed out (no result after {})",
                    test.name,
                    ui::seconds(limit)
                ),
                None => "the compiler did not finish in time".to_string(),
            }
        }
        Status::Crash => {
            let crashed = report.and_then(|r| {
                r.tests.iter().find_map(|t| match &t.verdict {
                    Verdict::Crashed(why) => Some((t, why)),
                    _ => None,
                })
            });
            match crashed {
                Some((test, why)) => format!("hidden test `{}` crashed: {why}", test.name),
                None => "a hidden test crashed".to_string(),
            }
        }
        Status::Flaky => format!(
            "flaky: passed {} of {} runs (a race that passes by luck is not solved)",
            graded.passed_runs, graded.runs
        ),
    })
}

/// What a failing test says about itself: the panic message, the
/// time-out note, or why the process crashed.
fn test_message(test: &TestRun) -> Option<String> {
    match &test.verdict {
        Verdict::Passed | Verdict::NotRun => None,
        Verdict::TimedOut(limit) => Some(ui::timeout_note(*limit)),
        Verdict::Crashed(why) => Some(why.clone()),
        // The driver's record, never text the code under test could print.
        Verdict::Failed => test.message.clone(),
    }
}

/// The first compiler error: its message and where it points
/// (`--> FILE:LINE:COL`).
pub fn compiler_error(output: &str) -> Option<(String, Option<Location>)> {
    let output = strip_ansi(output);
    let mut lines = output.lines();
    let message = lines.by_ref().find_map(|l| {
        let rest = l.strip_prefix("error")?;
        let rest = match rest.strip_prefix('[') {
            Some(coded) => coded.split_once(']')?.1,
            None => rest,
        };
        rest.strip_prefix(": ").map(str::to_string)
    })?;
    let location = lines
        .take_while(|l| !l.starts_with("error"))
        .find_map(|l| l.trim_start().strip_prefix("--> "))
        .and_then(parse_location);
    Some((message, location))
}

/// `path:line:col` (the path may itself hold colons).
fn parse_location(text: &str) -> Option<Location> {
    let mut parts = text.trim().rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?.to_string();
    Some(Location { file, line, column })
}

/// Drops terminal colour codes (`ESC [ ... letter`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The JUnit XML report: one test suite per exercise, one test case per
/// hidden test (a single `compile` case when the exercise does not
/// compile, a single skipped case when it was not checked).
pub fn junit(grade: &Grade) -> Result<String> {
    let mut report = quick_junit::Report::new("runner verify");
    report.set_time(grade.elapsed);
    for graded in &grade.exercises {
        report.add_test_suite(junit_suite(graded));
    }
    report.to_string().context("cannot write the JUnit report")
}

/// The JUnit report when the grading could not run at all: one errored
/// case with the reason.
pub fn junit_error(message: &str) -> Result<String> {
    let mut report = quick_junit::Report::new("runner verify");
    let mut suite = TestSuite::new("runner");
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status
        .set_message("the grading could not run")
        .set_type("error")
        .set_description(message);
    suite.add_test_case(TestCase::new("verify", status));
    report.add_test_suite(suite);
    report.to_string().context("cannot write the JUnit report")
}

fn junit_suite(graded: &Graded) -> TestSuite {
    let exercise = graded.exercise;
    let mut suite = TestSuite::new(exercise.name.as_str());
    suite.set_time(graded.elapsed);
    suite.add_properties([
        Property::new("status", graded.status.label()),
        Property::new("file", exercise.display_path()),
        Property::new("runs", graded.runs.to_string()),
        Property::new("passed_runs", graded.passed_runs.to_string()),
    ]);
    let classname = format!("{}.{}", exercise.dir, exercise.name);
    let message = exercise_message(graded);
    let report = match &graded.report {
        Some(report) if !report.tests.is_empty() => report,
        other => {
            // Not run, or no test binary: one case says why.
            let (name, status) = match (graded.status, other) {
                (Status::NotRun, _) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(message.unwrap_or_default());
                    ("not run", status)
                }
                (_, Some(report)) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status
                        .set_message(message.unwrap_or_default())
                        .set_type(graded.status.label())
                        .set_description(strip_ansi(report.compiler_output.trim_end()));
                    ("compile", status)
                }
                (_, None) => ("not run", TestCaseStatus::skipped()),
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(classname.as_str());
            suite.add_test_case(case);
            return suite;
        }
    };
    for test in &report.tests {
        suite.add_test_case(junit_case(graded, test, &classname));
    }
    suite
}

fn junit_case(graded: &Graded, test: &TestRun, classname: &str) -> TestCase {
    let flaky = graded.status == Status::Flaky;
    let status = match &test.verdict {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::NotRun => {
            let mut status = TestCaseStatus::skipped();
            status.set_message("not run after a time-out");
            status
        }
        verdict => {
            let kind = match verdict {
                Verdict::Crashed(_) => NonSuccessKind::Error,
                _ => NonSuccessKind::Failure,
            };
            let mut status = TestCaseStatus::non_success(kind);
            let mut message = test_message(test).unwrap_or_default();
            if flaky {
                message = format!(
                    "flaky: passed {} of {} runs; failed with: {message}",
                    graded.passed_runs, graded.runs
                );
            }
            status
                .set_message(message)
                .set_type(if flaky {
                    "flaky"
                } else {
                    verdict_label(verdict)
                })
                .set_description(strip_ansi(&test.output));
            status
        }
    };
    let mut case = TestCase::new(test.name.as_str(), status);
    case.set_classname(classname).set_time(test.elapsed);
    case
}

/// Whether we run inside GitHub Actions.
pub fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// GitHub shows this many annotations of each kind per step, and drops
/// the rest without a word.
pub const ANNOTATION_CAP: usize = 10;

/// The workflow commands of a grade, within GitHub's cap.
#[derive(Debug, Default)]
pub struct Annotations {
    pub lines: Vec<String>,
    /// Errors and warnings left out to stay within the cap.
    pub dropped_errors: usize,
    pub dropped_warnings: usize,
}

/// GitHub workflow commands: an `::error` per failure, at the compiler's
/// or the panic's location when there is one (else at the exercise file),
/// and a `::warning` per hidden file that differs from `--pristine`. Within
/// GitHub's cap of ten per kind, every failing exercise gets its first
/// failure annotated before any exercise gets a second one (course order);
/// the rest are counted, for the step summary to mention.
pub fn github_annotations(grade: &Grade, root: &Path) -> Annotations {
    let mut warnings = Vec::new();
    if let Some(pristine) = &grade.pristine {
        for difference in &pristine.differences {
            warnings.push(workflow_command(
                "warning",
                Some(&difference.file),
                None,
                "hidden file differs",
                &difference.describe(&pristine.revision),
            ));
        }
    }
    // One list of errors per failing exercise, in course order.
    let mut errors: Vec<Vec<String>> = Vec::new();
    for graded in &grade.exercises {
        let name = &graded.exercise.name;
        let file = graded.exercise.display_path();
        let Some(report) = &graded.report else {
            continue;
        };
        let mut out = Vec::new();
        match graded.status {
            Status::Pass | Status::NotRun => {}
            Status::CompileError => {
                let (message, location) = compiler_error(&report.compiler_output)
                    .unwrap_or_else(|| ("does not compile".to_string(), None));
                let location = location.filter(|l| is_course_file(root, &l.file));
                out.push(workflow_command(
                    "error",
                    Some(location.as_ref().map_or(file.as_str(), |l| l.file.as_str())),
                    location.as_ref(),
                    &format!("{name} does not compile"),
                    &message,
                ));
            }
            status => {
                let title_of = |test: &TestRun| match status {
                    Status::Flaky => format!(
                        "{name} is flaky ({} of {} runs passed): `{}` failed",
                        graded.passed_runs, graded.runs, test.name
                    ),
                    _ => match test.verdict {
                        Verdict::TimedOut(_) => format!("{name}: test `{}` timed out", test.name),
                        Verdict::Crashed(_) => format!("{name}: test `{}` crashed", test.name),
                        _ => format!("{name}: test `{}` failed", test.name),
                    },
                };
                let mut any = false;
                for test in report.failing() {
                    any = true;
                    let location = test
                        .location
                        .as_deref()
                        .and_then(parse_location)
                        .filter(|l| is_course_file(root, &l.file));
                    out.push(workflow_command(
                        "error",
                        Some(location.as_ref().map_or(file.as_str(), |l| l.file.as_str())),
                        location.as_ref(),
                        &title_of(test),
                        &test_message(test).unwrap_or_default(),
                    ));
                }
                if !any {
                    out.push(workflow_command(
                        "error",
                        Some(&file),
                        None,
                        name,
                        &exercise_message(graded).unwrap_or_default(),
                    ));
                }
            }
        }
        if !out.is_empty() {
            errors.push(out);
        }
    }
    let total_errors: usize = errors.iter().map(Vec::len).sum();
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    for round in 0.. {
        let before = chosen.len();
        for (exercise, list) in errors.iter().enumerate() {
            if round < list.len() && chosen.len() < ANNOTATION_CAP {
                chosen.push((exercise, round));
            }
        }
        if chosen.len() == before || chosen.len() == ANNOTATION_CAP {
            break;
        }
    }
    chosen.sort_unstable();
    let dropped_warnings = warnings.len().saturating_sub(ANNOTATION_CAP);
    warnings.truncate(ANNOTATION_CAP);
    let mut lines = warnings;
    lines.extend(chosen.iter().map(|&(e, i)| errors[e][i].clone()));
    Annotations {
        lines,
        dropped_errors: total_errors - chosen.len(),
        dropped_warnings,
    }
}

/// Only files in the course can be annotated (not std's, not absolute).
fn is_course_file(root: &Path, file: &str) -> bool {
    let path = Path::new(file);
    path.is_relative() && root.join(path).is_file()
}

fn workflow_command(
    kind: &str,
    file: Option<&str>,
    location: Option<&Location>,
    title: &str,
    message: &str,
) -> String {
    let mut properties = Vec::new();
    if let Some(file) = file {
        properties.push(format!("file={}", escape_property(file)));
    }
    if let Some(location) = location {
        properties.push(format!("line={}", location.line));
        properties.push(format!("col={}", location.column));
    }
    properties.push(format!("title={}", escape_property(title)));
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(&strip_ansi(message))
    )
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A short markdown summary for `$GITHUB_STEP_SUMMARY`; `annotations`
/// says how many failures GitHub's cap kept off the annotations.
pub fn step_summary(grade: &Grade, annotations: &Annotations) -> String {
    let mut out = String::new();
    let what = source_label(grade.source);
    let _ = writeln!(
        out,
        "### runner verify: {}/{} {what} passed\n",
        grade.passed(),
        grade.exercises.len()
    );
    for (count, what) in [
        (annotations.dropped_errors, "failures"),
        (annotations.dropped_warnings, "hidden-file differences"),
    ] {
        if count > 0 {
            let _ = writeln!(
                out,
                "{count} more {what} are not annotated (GitHub shows {ANNOTATION_CAP} \
                 annotations of a kind per step); the table below and the step's log have \
                 them all.\n"
            );
        }
    }
    out.push_str("| exercise | status | tests | time |\n|---|---|---|---|\n");
    for graded in &grade.exercises {
        let mark = match graded.status {
            Status::Pass => "✅",
            Status::NotRun => "⏭️",
            _ => "❌",
        };
        let tests = graded
            .report
            .as_ref()
            .filter(|r| !r.tests.is_empty())
            .map_or(String::new(), |r| {
                let passed = r
                    .tests
                    .iter()
                    .filter(|t| t.verdict == Verdict::Passed)
                    .count();
                format!("{passed}/{}", r.tests.len())
            });
        let _ = writeln!(
            out,
            "| `{}` | {mark} {} | {tests} | {} |",
            graded.exercise.name,
            graded.status.label(),
            ui::seconds(graded.elapsed)
        );
    }
    if let Some(pristine) = &grade.pristine
        && !pristine.differences.is_empty()
    {
        let _ = writeln!(
            out,
            "\nHidden files that differ from `{}` (graded with its versions):\n",
            pristine.revision
        );
        for difference in &pristine.differences {
            let _ = writeln!(out, "- `{}` {}", difference.file, difference.change.label());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_compiler_error_is_found_after_warnings() {
        let output = "warning: unused variable: `x`\n --> exercises/a/b.rs:1:9\n\n\u{1b}[31merror[E0382]\u{1b}[0m: borrow of moved value: `v`\n  --> exercises/a/b.rs:7:20\n   |\nerror: aborting";
        let (message, location) = compiler_error(output).expect("an error");
        assert_eq!(message, "borrow of moved value: `v`");
        assert_eq!(
            location,
            Some(Location {
                file: "exercises/a/b.rs".into(),
                line: 7,
                column: 20
            })
        );
    }

    #[test]
    fn workflow_commands_are_escaped() {
        let line = workflow_command(
            "error",
            Some("a,b:c.rs"),
            Some(&Location {
                file: String::new(),
                line: 3,
                column: 4,
            }),
            "t",
            "50%\nnext",
        );
        assert_eq!(
            line,
            "::error file=a%2Cb%3Ac.rs,line=3,col=4,title=t::50%25%0Anext"
        );
    }
}
