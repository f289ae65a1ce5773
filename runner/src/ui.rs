//! Everything the runner prints for people: colours, verdicts, lists,
//! progress bars. Colour is decided once (`init`), from `--color`,
//! `NO_COLOR` and whether stdout is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use colored::Colorize;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::check::{Outcome, Report, TestRun, Verdict};
use crate::exercise::Exercise;
use crate::manifest::Course;
use crate::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

static COLOR: AtomicBool = AtomicBool::new(false);

/// Decides once whether output is coloured.
pub fn init(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    COLOR.store(on, Ordering::Relaxed);
    colored::control::set_override(on);
}

pub fn color_enabled() -> bool {
    COLOR.load(Ordering::Relaxed)
}

pub fn error(error: &anyhow::Error) {
    let mut text = format!("{error}");
    for cause in error.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{} {}", "error:".red().bold(), text.trim_end());
}

pub fn warn(message: &str) {
    eprintln!("{} {message}", warning_label());
}

pub fn warning_label() -> colored::ColoredString {
    "warning:".yellow().bold()
}

pub fn info(message: &str) {
    eprintln!("{}", message.dimmed());
}

/// One line per verdict, as in lists and `verify`.
pub fn outcome_line(report: &Report) -> String {
    let label = match report.outcome {
        Outcome::Passed => "passed".green(),
        Outcome::CompileError => "does not compile".red(),
        Outcome::TestFailed => {
            let failed = report.failing().count();
            format!("{failed} of {} hidden tests failed", report.tests.len()).red()
        }
        Outcome::TimedOut => "timed out".red(),
        Outcome::Crashed => "crashed".red(),
        Outcome::Cancelled => "cancelled".yellow(),
    };
    let mark = if report.outcome.passed() {
        "✓".green()
    } else {
        "✗".red()
    };
    format!(
        "{mark} {} {label} {}",
        report.exercise.bold(),
        format!("({})", seconds(report.elapsed)).dimmed()
    )
}

pub fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The full verdict on one exercise: what failed and why.
pub fn report_text(report: &Report, exercise: &Exercise) -> String {
    let mut out = report_details(report);
    if !report.outcome.passed() && report.outcome != Outcome::Cancelled {
        out.push_str(&format!(
            "\n{} {}  ·  hint: {}\n",
            "Edit".dimmed(),
            exercise.display_path().underline(),
            format!("cargo runner hint {}", exercise.name).bold()
        ));
    }
    out
}

/// The verdict line and what failed (compiler errors or the failing tests),
/// without the advice that follows it in `report_text`.
pub fn report_details(report: &Report) -> String {
    let mut out = outcome_line(report);
    out.push('\n');
    match report.outcome {
        Outcome::CompileError | Outcome::TimedOut if report.tests.is_empty() => {
            out.push('\n');
            out.push_str(report.compiler_output.trim_end());
            out.push('\n');
        }
        _ => {
            for test in &report.tests {
                test_text(&mut out, test);
            }
            let skipped: Vec<&str> = report
                .tests
                .iter()
                .filter(|t| t.verdict == Verdict::NotRun)
                .map(|t| t.name.as_str())
                .collect();
            if !skipped.is_empty() {
                out.push_str(&format!(
                    "  {} {} (not run after a timeout)\n",
                    "-".dimmed(),
                    skipped.join(", ").dimmed()
                ));
            }
        }
    }
    out
}

fn test_text(out: &mut String, test: &TestRun) {
    let (mark, note) = match &test.verdict {
        Verdict::Passed | Verdict::NotRun => return,
        Verdict::Failed => ("✗".red(), String::new()),
        Verdict::TimedOut(limit) => ("⏱".red(), timeout_note(*limit)),
        Verdict::Crashed(why) => ("✗".red(), why.clone()),
    };
    out.push_str(&format!("  {mark} {}\n", test.name.bold()));
    if !note.is_empty() {
        out.push_str(&format!("    {}\n", note.yellow()));
    }
    for line in test.output.lines() {
        out.push_str(&format!("    {line}\n"));
    }
}

/// What a test that timed out probably means.
pub fn timeout_note(limit: Duration) -> String {
    format!(
        "no result after {}: a thread may be deadlocked (two locks taken in \
         opposite orders, a guard that is never dropped), or a receiver may be \
         waiting on a Sender that is still alive",
        seconds(limit)
    )
}

/// The line of an exercise that passed only some of its runs.
pub fn flaky_line(report: &Report, passed: u32, runs: u32) -> String {
    format!(
        "{} {} {} {}",
        "✗".red(),
        report.exercise.bold(),
        format!("flaky: passed {passed} of {runs} runs").red(),
        format!("({})", seconds(report.elapsed)).dimmed()
    )
}

/// The line of an exercise `verify` did not get to.
pub fn not_run_line(name: &str) -> String {
    format!(
        "{} {} {}",
        "-".dimmed(),
        name.bold(),
        "not checked".dimmed()
    )
}

/// `runner list`: every exercise with its topic and status.
pub fn list_text(course: &Course, state: &State) -> String {
    let current = state.current(course);
    let width = course
        .exercises
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    let dir_width = course
        .exercises
        .iter()
        .map(|e| e.dir.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, exercise) in course.exercises.iter().enumerate() {
        let marker = if exercise.name == current { ">" } else { " " };
        let status = if state.is_done(&exercise.name) {
            "done".green()
        } else {
            "pending".yellow()
        };
        out.push_str(&format!(
            "{marker} {:>3}  {:width$}  {:dir_width$}  {status}\n",
            i + 1,
            exercise.name,
            exercise.dir.dimmed(),
        ));
    }
    out.push_str(&format!(
        "\n{}/{} done{}\n",
        state.done.len(),
        course.exercises.len(),
        if current.is_empty() {
            String::new()
        } else {
            format!("; current: {current}")
        }
    ));
    out
}

/// A progress bar on stderr; drawn only on a terminal.
pub fn progress(len: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("█▉ "));
    }
    bar
}
