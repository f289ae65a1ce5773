//! Everything the runner prints for people: colours, verdicts, lists,
//! progress bars. Colour is decided once (`init`), from `--color`,
//! `NO_COLOR` and whether stdout is a terminal.

use std::io::IsTerminal;
use std::path::Path;
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

/// Whether a panic is `println!` failing on a stdout whose reader is gone.
pub fn is_closed_stdout(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    text.starts_with("failed printing to stdout") && text.contains("Broken pipe")
}

/// Keeps the panic of a print to a closed stdout silent (see `main`).
pub fn quiet_on_closed_stdout() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_closed_stdout(info.payload()) {
            previous(info);
        }
    }));
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

/// `dev check --explain`: what rejected a known-wrong solution, so that an
/// author sees it fails for its own reason and not by accident.
pub fn rejection_line(path: &str, why: &str, report: &Report) -> String {
    let by = match report.outcome {
        Outcome::Passed => "nothing: it passed".red().to_string(),
        Outcome::CompileError => "it does not compile".to_string(),
        Outcome::Cancelled => "nothing: the check was stopped".to_string(),
        Outcome::TestFailed | Outcome::TimedOut | Outcome::Crashed => {
            let failing: Vec<String> = report
                .failing()
                .map(|t| match t.verdict {
                    Verdict::TimedOut(_) => format!("{} (timed out)", t.name),
                    Verdict::Crashed(_) => format!("{} (crashed)", t.name),
                    _ => t.name.clone(),
                })
                .collect();
            if failing.is_empty() {
                format!("{:?}", report.outcome).to_lowercase()
            } else {
                failing.join(", ")
            }
        }
    };
    format!(
        "{} {path}\n    wrong: {why}\n    rejected by: {by}",
        "✗".dimmed()
    )
}

/// `text` as a link to `path` (OSC 8) for terminals that open links;
/// others show the text alone. Without colour, no link.
pub fn link(text: &str, path: &Path) -> String {
    if color_enabled() {
        osc8(text, path)
    } else {
        text.to_string()
    }
}

fn osc8(text: &str, path: &Path) -> String {
    format!("\x1b]8;;{}\x1b\\{text}\x1b]8;;\x1b\\", file_url(path))
}

/// A `file://` URL for an absolute path: `file:///course/x.rs`, and on
/// Windows `file:///C:/course/x.rs` (whichever separators the path has).
fn file_url(path: &Path) -> String {
    use std::path::{Component, Prefix};
    fn escaped(url: &mut String, part: &std::ffi::OsStr) {
        for byte in part.to_string_lossy().bytes() {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                url.push(char::from(byte));
            } else {
                url.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    let mut url = String::from("file://");
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => match prefix.kind() {
                Prefix::Disk(letter) | Prefix::VerbatimDisk(letter) => {
                    url.push_str(&format!("/{}:", char::from(letter)));
                }
                Prefix::UNC(server, share) | Prefix::VerbatimUNC(server, share) => {
                    escaped(&mut url, server);
                    url.push('/');
                    escaped(&mut url, share);
                }
                Prefix::Verbatim(part) | Prefix::DeviceNS(part) => {
                    url.push('/');
                    escaped(&mut url, part);
                }
            },
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => url.push_str("/.."),
            Component::Normal(part) => {
                url.push('/');
                escaped(&mut url, part);
            }
        }
    }
    url
}

/// Compiler output with the location after each `--> ` made a link to its
/// file, when that is a course file (relative to `root`). The text itself is
/// unchanged, so editors that find `path:line:col` still do.
fn link_locations(output: &str, root: &Path) -> String {
    if color_enabled() {
        linked_locations(output, root)
    } else {
        output.to_string()
    }
}

fn linked_locations(output: &str, root: &Path) -> String {
    output
        .split_inclusive('\n')
        .map(|line| {
            let Some(arrow) = line.find("--> ") else {
                return line.to_string();
            };
            let start = arrow + 4 + leading_escapes(&line[arrow + 4..]);
            let rest = &line[start..];
            // A location runs to the end of its line (paths may hold spaces).
            let end = rest.find(['\x1b', '\n', '\r']).unwrap_or(rest.len());
            let end = rest[..end].trim_end().len();
            let location = &rest[..end];
            let file = location.split(':').next().unwrap_or_default();
            // Outside the course: absolute, or rooted (the toolchain's
            // `/rustc/...` has no drive letter on Windows).
            if !file.ends_with(".rs") || Path::new(file).has_root() {
                return line.to_string();
            }
            format!(
                "{}{}{}",
                &line[..start],
                osc8(location, &root.join(file)),
                &rest[end..]
            )
        })
        .collect()
}

/// The length of the colour sequences (`ESC [ ... letter`) `text` opens with.
fn leading_escapes(text: &str) -> usize {
    let mut at = 0;
    while let Some(rest) = text[at..].strip_prefix("\x1b[") {
        match rest.find(|c: char| c.is_ascii_alphabetic()) {
            Some(letter) => at += 2 + letter + 1,
            None => break,
        }
    }
    at
}

pub fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The full verdict on one exercise: what failed and why.
pub fn report_text(report: &Report, exercise: &Exercise, root: &Path) -> String {
    let mut out = report_details(report, root);
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
/// without the advice that follows it in `report_text`. Locations of
/// course files (under `root`) are links.
pub fn report_details(report: &Report, root: &Path) -> String {
    let mut out = outcome_line(report);
    out.push('\n');
    match report.outcome {
        Outcome::CompileError | Outcome::TimedOut if report.tests.is_empty() => {
            out.push('\n');
            let shown = neutralize(&report.compiler_output, Keep::Colours);
            out.push_str(link_locations(&shown, root).trim_end());
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
                    "  {} {} (not run: the check was stopped)\n",
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
    // What the code under test printed reaches the terminal as plain text:
    // no colours, cursor moves, titles, clipboard writes or hyperlinks.
    for line in neutralize(&test.output, Keep::Nothing).lines() {
        out.push_str(&format!("    {line}\n"));
    }
}

/// Invisible characters that reorder or hide text (bidirectional
/// overrides, zero-width marks): printed output could disguise itself.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// After a pass: where the reference solution is, to compare.
pub fn solution_text(course: &Course, reference: &crate::sealed::Reference) -> String {
    use crate::sealed::Reference;
    let shown = |path: &std::path::Path| crate::exercise::course_relative(&course.root, path);
    match reference {
        Reference::Present(path) => {
            format!("Compare your code with the solution: {}\n", shown(path))
        }
        Reference::Revealed(path) => format!(
            "The reference solution is now in {}: compare it with yours.\n",
            shown(path)
        ),
        Reference::Absent => String::new(),
    }
}

/// What `dev edition` wrote, and what to do with it.
pub fn edition_text(out: &std::path::Path, edition: &crate::edition::Edition) -> String {
    let solutions = if edition.sealed {
        format!(
            "The reference solutions are sealed in {} (base64, not encryption): each is \
             written to solutions/ when its exercise passes.",
            crate::sealed::SEALED
        )
    } else {
        "It carries no reference solutions.".to_string()
    };
    format!(
        "{} Wrote the learner edition to {} ({} files): no solutions/, no known-wrong \
         solutions, exercises as they start.\n{solutions}\n\nPublish it as the \
         learners' repository (or a GitHub Classroom template):\n  cd {} && git init && \
         git add -A && git commit -m \"The course\"\n",
        "✓".green(),
        out.display(),
        edition.files,
        out.display()
    )
}

/// What a run of an exercise's `main` shows: its output as it printed it
/// (neutralised), then how it ended.
pub fn program_text(exercise: &Exercise, program: &crate::program::Program) -> String {
    use crate::program::{End, Program};
    let mut out = String::new();
    match program {
        Program::DoesNotCompile(output) => {
            out.push_str(&format!(
                "{} {} does not compile, so its main cannot run:\n\n",
                "✗".red(),
                exercise.display_path()
            ));
            out.push_str(neutralize(output, Keep::Colours).trim_end());
            out.push('\n');
        }
        Program::Ran {
            output,
            end,
            elapsed,
        } => {
            out.push_str(&format!(
                "{}\n",
                format!("Running main of {}:", exercise.display_path()).dimmed()
            ));
            let shown = neutralize(output, Keep::Nothing);
            out.push_str(&shown);
            if !shown.is_empty() && !shown.ends_with('\n') {
                out.push('\n');
            }
            let end = match end {
                End::Exited(0) => format!("main returned after {}.", seconds(*elapsed)),
                End::Exited(code) => format!(
                    "main ended with exit code {code} after {}.",
                    seconds(*elapsed)
                ),
                End::Killed(how) => format!("main crashed: {how}"),
                End::TimedOut(limit) => format!(
                    "main was stopped at the exercise's time limit ({}): does something \
                     wait forever?",
                    seconds(*limit)
                ),
            };
            out.push_str(&format!("{}\n", end.dimmed()));
        }
        Program::Cancelled => out.push_str("Stopped.\n"),
    }
    out.push_str(&format!(
        "{}\n",
        format!(
            "This ran the demo only; `cargo runner run {}` checks the exercise.",
            exercise.name
        )
        .dimmed()
    ));
    out
}

/// Which terminal sequences `neutralize` lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Colour (SGR) sequences, as the compiler writes them.
    Colours,
    Nothing,
}

/// Text that cannot drive the terminal: every escape sequence but the
/// colours asked for, and every control character but newline and tab, is
/// dropped (a carriage return could hide a line, a title or clipboard write
/// would reach outside the screen).
pub fn neutralize(text: &str, keep: Keep) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    let mut sequence = String::from("\u{1b}[");
                    for c in chars.by_ref() {
                        sequence.push(c);
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                    let colour = sequence.ends_with('m')
                        && sequence[2..sequence.len() - 1]
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == ';');
                    if colour && keep == Keep::Colours {
                        out.push_str(&sequence);
                    }
                }
                // OSC, DCS, APC, PM, SOS: a string up to BEL or ESC \.
                Some(']' | 'P' | '_' | '^' | 'X') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            },
            '\n' | '\t' => out.push(c),
            c if c.is_control() || is_format_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The first `opened` rungs of an exercise's hint ladder, numbered.
pub fn hints_text(exercise: &Exercise, opened: usize) -> String {
    let total = exercise.hints.len();
    let mut out = String::new();
    for (i, rung) in exercise.hints.iter().take(opened).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "{}\n{rung}\n",
            format!("Hint {} of {total} for {}:", i + 1, exercise.name).bold()
        ));
    }
    out
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
            // The terminal's own colour: yellow is hard to read on light
            // backgrounds.
            "pending".normal()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_cannot_drive_the_terminal() {
        let hostile = "a\u{1b}[2J\u{1b}[Hb\u{1b}]0;title\u{7}c\u{1b}]52;c;Zm9v\u{1b}\\d\re\u{1b}[31mf\u{1b}[0m\u{1b}P+q\u{1b}\\g\u{7}\n\th";
        assert_eq!(neutralize(hostile, Keep::Nothing), "abcdefg\n\th");
        assert_eq!(neutralize("a\u{202e}b\u{200b}c", Keep::Nothing), "abc");
        assert_eq!(
            neutralize("x\u{1b}[1;31my\u{1b}[0m\u{1b}[5A", Keep::Colours),
            "x\u{1b}[1;31my\u{1b}[0m"
        );
    }

    #[test]
    fn course_locations_become_links_and_keep_their_text() {
        let output = "error[E0277]: oops\n  \u{1b}[1m\u{1b}[94m--> \u{1b}[0mexercises/a b/x.rs:5:9\n   \
                      --> /rustc/abc/library/std/src/lib.rs:1:1\n";
        let linked = linked_locations(output, Path::new("/course"));
        assert!(
            linked.contains(
                "\u{1b}[0m\u{1b}]8;;file:///course/exercises/a%20b/x.rs\u{1b}\\exercises/a b/x.rs:5:9\u{1b}]8;;\u{1b}\\\n"
            ),
            "{linked:?}"
        );
        assert!(
            linked.contains("--> /rustc/abc/library/std/src/lib.rs:1:1\n"),
            "the toolchain's files are not the learner's: {linked:?}"
        );
        assert_eq!(
            neutralize(&linked, Keep::Nothing),
            neutralize(output, Keep::Nothing)
        );
    }
}
