//! Drawing the watch screen: `render` turns the model into the rows of the
//! screen (pure, tested), `Screen::draw` writes them.
//!
//! Every draw rewrites the whole screen row by row, without clearing it
//! first, inside a synchronized update: no flicker. Rows are wrapped here,
//! not by the terminal, so the layout always fits: the header and the key
//! legend stay, and a long compiler error is cut with a note saying how to
//! see it all. Colour goes through `colored`, which `ui::init` set up.

use std::io::{self, Stdout, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use colored::Colorize;
use crossterm::cursor::MoveTo;
use crossterm::queue;
use crossterm::style::Print;
use crossterm::terminal::{self, BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use unicode_width::UnicodeWidthChar;

use super::model::{Job, Latest, Model, Notice, Tone, View, Watching};
use crate::ui;

/// Writes the screen to the terminal.
#[derive(Debug)]
pub struct Screen {
    out: Stdout,
}

impl Screen {
    pub fn new() -> Self {
        Screen { out: io::stdout() }
    }

    pub fn draw(&mut self, model: &Model) -> io::Result<()> {
        let (width, height) = terminal::size().unwrap_or((80, 24));
        let rows = render(
            model,
            usize::from(width),
            usize::from(height),
            Instant::now(),
        );
        let out = &mut self.out;
        queue!(out, BeginSynchronizedUpdate)?;
        for (y, row) in rows.iter().enumerate() {
            let y = u16::try_from(y).unwrap_or(u16::MAX);
            queue!(out, MoveTo(0, y), Print(row))?;
            // A full row needs no clearing (and clearing it could erase its
            // last character on some terminals).
            if visible_width(row) < usize::from(width) {
                queue!(out, Clear(ClearType::UntilNewLine))?;
            }
        }
        if rows.len() < usize::from(height) {
            let y = u16::try_from(rows.len()).unwrap_or(u16::MAX);
            queue!(out, MoveTo(0, y), Clear(ClearType::FromCursorDown))?;
        }
        queue!(out, EndSynchronizedUpdate)?;
        out.flush()
    }
}

/// The screen's rows: each at most `width` columns, at most `height` rows.
pub fn render(model: &Model, width: usize, height: usize, now: Instant) -> Vec<String> {
    let width = width.max(20);
    let top = header(model, now);
    let (body, more) = match model.view {
        View::Exercise | View::ConfirmReset => exercise_body(model),
        View::List { selected } => (list_body(model, selected, height), None),
        View::All => (all_body(model), None),
        View::Program => (
            model
                .program
                .as_deref()
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect(),
            Some(format!("cargo runner run {} --main", model.exercise().name)),
        ),
    };
    let bottom = footer(model);

    let top = wrap_all(&top, width);
    let bottom = wrap_all(&bottom, width);
    let mut body = wrap_all(&body, width);
    let room = height.saturating_sub(top.len() + bottom.len());
    if model.view == View::All && body.len() > room {
        // The newest results matter most: keep the title, the bar and the end.
        let head = ALL_HEAD.min(room);
        let tail = room - head;
        body.drain(head..body.len() - tail);
    } else if body.len() > room {
        let cut = body.len() - room.saturating_sub(1);
        body.truncate(room.saturating_sub(1));
        if room > 0 {
            let note = match &more {
                Some(command) => format!("… {cut} more lines: run `{command}` to see them all"),
                None => format!("… {cut} more lines (make the window taller to see them)"),
            };
            body.extend(wrap(&note.dimmed().to_string(), width).into_iter().take(1));
        }
    }
    let mut rows = top;
    rows.extend(body);
    rows.extend(bottom);
    rows.truncate(height);
    rows
}

fn header(model: &Model, now: Instant) -> Vec<String> {
    let total = model.course.exercises.len();
    let done = model.state.done.len().min(total);
    let mut lines = vec![
        format!(
            "{}  {}",
            progress_bar(done, total, "exercises done"),
            watching_text(&model.watching).dimmed()
        ),
        String::new(),
    ];
    if model.state.done.is_empty() && !model.course.welcome_message.is_empty() {
        lines.extend(model.course.welcome_message.lines().map(str::to_string));
        lines.push(String::new());
    }
    let exercise = model.exercise();
    let path = model.course.root.join(exercise.display_path());
    let mut title = format!(
        "{} {}  {}",
        exercise.name.bold(),
        format!("({}/{total})", model.current + 1).dimmed(),
        link(&exercise.display_path(), &path)
    );
    if model.state.is_done(&exercise.name) {
        title.push_str(&format!("  {}", "done".green()));
    }
    // On the title's line, so that the result below does not move.
    if let Some(running) = &model.running {
        let elapsed = now.saturating_duration_since(running.started);
        let what = match running.job {
            Job::Current => "checking…".to_string(),
            Job::Main => "running main…".to_string(),
            Job::All => format!(
                "checking every exercise… {}/{total}",
                model.all.as_ref().map_or(0, |a| a.checked())
            ),
        };
        title.push_str(&format!(
            "   {} {what} {}",
            spinner(elapsed.as_millis()).cyan(),
            format!("{:.1} s", elapsed.as_secs_f64()).dimmed()
        ));
    }
    lines.push(title);
    if let Some(lesson) = model.lesson() {
        let shown = crate::exercise::slashed(&lesson);
        lines.push(format!(
            "A new topic: its lesson is in {}",
            link(&shown, &model.course.root.join(&lesson))
        ));
    }
    if model.disk.is_none() {
        lines.push(
            format!(
                "{} is missing or cannot be read. Save it again, or press x to restore the original.",
                exercise.display_path()
            )
            .yellow()
            .to_string(),
        );
    }
    lines.push(String::new());
    lines
}

fn spinner(millis: u128) -> &'static str {
    const FRAMES: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    FRAMES[(millis / 100 % FRAMES.len() as u128) as usize]
}

fn watching_text(watching: &Watching) -> String {
    match watching {
        Watching::Native => "checks on every save".into(),
        Watching::Polling { every, why: None } => {
            format!("polling for saves every {}", ui::seconds(*every))
        }
        Watching::Polling {
            every,
            why: Some(why),
        } => format!("polling for saves every {}: {why}", ui::seconds(*every)),
        Watching::Manual => "manual mode: press r to check".into(),
    }
}

/// The body of the exercise view, and the command that prints it in full.
fn exercise_body(model: &Model) -> (Vec<String>, Option<String>) {
    let exercise = model.exercise();
    let mut lines = Vec::new();
    // Above the result, which may be long: the learner asked for it.
    if model.hint {
        let opened = model.state.hints_opened(&exercise.name);
        lines.extend(ui::hints_text(exercise, opened).lines().map(str::to_string));
        let left = exercise.hints.len().saturating_sub(opened);
        lines.push(
            match left {
                0 => "That was the last hint; h hides them.".to_string(),
                1 => "1 more hint: press h.".to_string(),
                n => format!("{n} more hints: press h."),
            }
            .dimmed()
            .to_string(),
        );
        lines.push(String::new());
    }
    match &model.latest {
        None if model.running.is_some() => {}
        None => lines.push(
            "Not checked yet: save the file, or press r."
                .dimmed()
                .to_string(),
        ),
        Some(Latest::Error(error)) => {
            lines.push(format!("{} the check could not run:", "✗".red()));
            lines.extend(error.lines().map(str::to_string));
        }
        Some(Latest::Report(report)) => {
            lines.extend(
                ui::report_details(report, &model.course.root)
                    .trim_end()
                    .lines()
                    .map(str::to_string),
            );
            if report.outcome.passed() {
                lines.push(String::new());
                lines.push(match &model.solution {
                    Some(solution) => {
                        let shown = crate::exercise::course_relative(&model.course.root, solution);
                        format!(
                            "{} Compare your code with the solution: {}",
                            "Done!".green().bold(),
                            link(&shown, solution)
                        )
                    }
                    None => format!("{}", "Done!".green().bold()),
                });
                let next = model
                    .state
                    .next_pending(&model.course, Some(&exercise.name))
                    .filter(|n| *n != exercise.name);
                lines.push(match next {
                    Some(next) => format!("Press {} for the next exercise ({next}).", "n".bold()),
                    None => format!(
                        "Every exercise is done! Press {} to check them all.",
                        "c".bold()
                    ),
                });
            }
        }
    }
    (lines, Some(format!("cargo runner run {}", exercise.name)))
}

fn list_body(model: &Model, selected: usize, height: usize) -> Vec<String> {
    let exercises = &model.course.exercises;
    let name_width = exercises.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let dir_width = exercises.iter().map(|e| e.dir.len()).max().unwrap_or(0);
    // Keep the selection in sight: a window of rows around it.
    let room = height.saturating_sub(12).max(3);
    let start = selected
        .saturating_sub(room / 2)
        .min(exercises.len().saturating_sub(room));
    let mut lines = vec![format!("{}", "Exercises".bold())];
    for (i, exercise) in exercises.iter().enumerate().skip(start).take(room) {
        // The selection shows as a character too: reverse video is gone
        // without colour (`NO_COLOR`, `--color never`).
        let cursor = if i == selected { "▸" } else { " " };
        let marker = if i == model.current { ">" } else { " " };
        // Pending stays in the terminal's own colour: yellow is hard to
        // read on a light background.
        let status = if model.state.is_done(&exercise.name) {
            "done   ".green()
        } else {
            "pending".normal()
        };
        let row = format!(
            "{cursor}{marker} {:>3}  {:name_width$}  {:dir_width$}  {status}",
            i + 1,
            exercise.name,
            exercise.dir
        );
        lines.push(if i == selected {
            row.reversed().to_string()
        } else {
            row
        });
    }
    lines
}

/// Rows at the top of the check of every exercise that always stay.
const ALL_HEAD: usize = 3;

fn all_body(model: &Model) -> Vec<String> {
    let Some(all) = &model.all else {
        return Vec::new();
    };
    let total = model.course.exercises.len();
    let mut lines = vec![
        format!("{}", "Checking every exercise".bold()),
        progress_bar(all.checked(), total, "checked"),
        String::new(),
    ];
    for (exercise, result) in model.course.exercises.iter().zip(&all.results) {
        match result {
            Some(Latest::Report(report)) => lines.push(ui::outcome_line(report)),
            Some(Latest::Error(error)) => lines.push(format!(
                "{} {} {}",
                "✗".red(),
                exercise.name.bold(),
                error.lines().next().unwrap_or_default()
            )),
            None => {}
        }
    }
    if all.stopped {
        lines.push(String::new());
        lines.push("Stopped before the end.".yellow().to_string());
    } else if all.finished {
        let passed = all.passed();
        lines.push(String::new());
        lines.push(format!("{passed}/{total} exercises pass."));
        if passed == total {
            lines.push(String::new());
            lines.push(format!("{}", "Every exercise passes!".green().bold()));
            if !model.course.final_message.is_empty() {
                lines.push(String::new());
                lines.extend(model.course.final_message.lines().map(str::to_string));
            }
        }
    }
    lines
}

fn footer(model: &Model) -> Vec<String> {
    let mut lines = vec![String::new()];
    if let Some(Notice { tone, text }) = &model.notice {
        for line in text.lines() {
            lines.push(match tone {
                Tone::Info => line.to_string(),
                Tone::Good => line.green().to_string(),
                Tone::Warning => line.yellow().to_string(),
            });
        }
    }
    if model.view == View::ConfirmReset {
        lines.push(format!(
            "{} Reset {} to its original text? Your version is kept as a backup in .runner/backups. \
             Press {} to reset, any other key to keep it.",
            "?".yellow().bold(),
            model.exercise().display_path().bold(),
            "y".bold()
        ));
    }
    let keys: &[(&str, &str)] = match model.view {
        View::List { .. } => &[
            ("↑/↓", "choose"),
            ("Enter", "open"),
            ("Esc", "back"),
            ("q", "quit"),
        ],
        View::ConfirmReset => &[("y", "reset"), ("any other key", "keep")],
        View::Exercise | View::All | View::Program => &[
            ("n", "next"),
            ("h", "hint"),
            ("l", "list"),
            ("r", "check"),
            ("m", "run main"),
            ("x", "reset"),
            ("c", "check all"),
            ("q", "quit"),
        ],
    };
    let mut legend: Vec<String> = keys
        .iter()
        .map(|(key, what)| format!("{} {}", key.bold(), what.dimmed()))
        .collect();
    if matches!(model.view, View::All | View::Program) {
        legend.insert(0, format!("{} {}", "Esc".bold(), "back".dimmed()));
    }
    lines.push(legend.join(&format!(" {} ", "·".dimmed())));
    lines
}

/// `text`, underlined, as a link to `path` (see `ui::link`).
fn link(text: &str, path: &Path) -> String {
    ui::link(&text.underline().to_string(), path)
}

/// A progress bar drawn by indicatif into a string.
fn progress_bar(position: usize, total: usize, label: &str) -> String {
    let capture = Capture::default();
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        ProgressDrawTarget::term_like(Box::new(capture.clone())),
    );
    let template = if ui::color_enabled() {
        "{bar:30.green/blue} {pos}/{len} {msg}"
    } else {
        "{bar:30} {pos}/{len} {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("█▉░"));
    }
    bar.set_message(label.to_string());
    bar.set_position(position as u64);
    bar.force_draw();
    // indicatif pads the line to the terminal's width.
    let line = capture.text().trim_end().to_string();
    drop(bar);
    if line.is_empty() {
        format!("{position}/{total} {label}")
    } else {
        line
    }
}

/// A terminal for indicatif that keeps the line it draws.
#[derive(Debug, Clone, Default)]
struct Capture(Arc<Mutex<String>>);

impl Capture {
    fn text(&self) -> String {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn with(&self, f: impl FnOnce(&mut String)) -> io::Result<()> {
        let mut line = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut line);
        Ok(())
    }
}

impl TermLike for Capture {
    fn width(&self) -> u16 {
        200
    }

    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write_str(s)
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        let s = s.trim_matches(['\r', '\n']);
        self.with(|line| line.push_str(s))
    }

    fn clear_line(&self) -> io::Result<()> {
        self.with(String::clear)
    }

    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}

fn wrap_all(lines: &[String], width: usize) -> Vec<String> {
    lines.iter().flat_map(|line| wrap(line, width)).collect()
}

/// Splits one line into screen rows of at most `width` columns, at spaces
/// where a word fits on a row (so `file:line:col` stays whole for terminals
/// and editors to open), else mid-word. Colours (SGR) and links (OSC 8) are
/// kept, colours carried over to the next row; any other control sequence
/// or character (a program's output may hold anything) is dropped, and tabs
/// become spaces.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = Row::default();
    // The colour sequences in force, to start the next row with.
    let mut style = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    let mut sequence = String::from("\x1b[");
                    for c in chars.by_ref() {
                        sequence.push(c);
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                    if sequence.ends_with('m') {
                        if sequence == "\x1b[0m" || sequence == "\x1b[m" {
                            style.clear();
                        } else {
                            style.push_str(&sequence);
                        }
                        row.text.push_str(&sequence);
                    }
                }
                Some(']') => {
                    chars.next();
                    let mut sequence = String::from("\x1b]");
                    while let Some(c) = chars.next() {
                        sequence.push(c);
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' && chars.peek() == Some(&'\\') {
                            sequence.push('\\');
                            chars.next();
                            break;
                        }
                    }
                    if sequence.starts_with("\x1b]8;") {
                        row.text.push_str(&sequence);
                    }
                }
                _ => {
                    chars.next();
                }
            },
            '\t' => {
                for _ in 0..4 - row.columns % 4 {
                    row.push(&mut rows, &style, ' ', width);
                }
            }
            c if c.is_control() => {}
            c => row.push(&mut rows, &style, c, width),
        }
    }
    if !style.is_empty() {
        row.text.push_str("\x1b[0m");
    }
    rows.push(row.text);
    rows
}

/// The row being filled by `wrap`.
#[derive(Default)]
struct Row {
    text: String,
    columns: usize,
    /// The last space: its byte offset in `text`, the columns before it,
    /// and the colours in force there.
    space: Option<(usize, usize, String)>,
}

impl Row {
    fn push(&mut self, rows: &mut Vec<String>, style: &str, c: char, width: usize) {
        let w = c.width().unwrap_or(0);
        if self.columns + w > width {
            match self.space.take() {
                // The word so far moves down whole, when it fits on a row.
                Some((at, before, style_there)) if self.columns - before - 1 + w <= width => {
                    let tail = self.text.split_off(at + 1);
                    self.text.truncate(at);
                    if !style_there.is_empty() {
                        self.text.push_str("\x1b[0m");
                    }
                    rows.push(std::mem::replace(&mut self.text, style_there + &tail));
                    self.columns -= before + 1;
                }
                _ => {
                    if !style.is_empty() {
                        self.text.push_str("\x1b[0m");
                    }
                    rows.push(std::mem::replace(&mut self.text, style.to_string()));
                    self.columns = 0;
                    // A space at the break is the break.
                    if c == ' ' {
                        return;
                    }
                }
            }
        }
        if c == ' ' {
            self.space = Some((self.text.len(), self.columns, style.to_string()));
        }
        self.text.push(c);
        self.columns += w;
    }
}

/// Columns a row takes on screen (escape sequences take none).
pub fn visible_width(row: &str) -> usize {
    let mut width = 0;
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            c => width += c.width().unwrap_or(0),
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Outcome, Report};
    use crate::exercise::Exercise;
    use crate::manifest::Course;
    use crate::state::State;
    use crate::watch::model::Running;
    use std::path::PathBuf;
    use std::time::Duration;

    fn model() -> Model {
        let course = Course {
            root: PathBuf::from("/course"),
            welcome_message: "Welcome!".into(),
            final_message: "All done.".into(),
            exercises: ["one", "two"]
                .iter()
                .map(|name| Exercise::new(name, "topic", "Think about it."))
                .collect(),
        };
        let mut model = Model::new(course, State::default(), Watching::Native);
        model.disk = Some("d".into());
        model
    }

    fn report(outcome: Outcome, compiler_output: &str) -> Report {
        Report {
            exercise: "one".into(),
            outcome,
            compiler_output: compiler_output.into(),
            tests: Vec::new(),
            elapsed: Duration::from_millis(250),
            digest: "d".into(),
            failed_stage: None,
        }
    }

    fn text(model: &Model, height: usize) -> String {
        let rows = render(model, 80, height, Instant::now());
        assert!(rows.len() <= height, "{} rows for {height}", rows.len());
        for row in &rows {
            assert!(visible_width(row) <= 80, "row too wide: {row:?}");
        }
        rows.join("\n")
    }

    #[test]
    fn rows_are_wrapped_to_the_width_keeping_colours() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(
            wrap("\x1b[31mabcdef\x1b[0m", 4),
            vec!["\x1b[31mabcd\x1b[0m", "\x1b[31mef\x1b[0m"]
        );
        assert_eq!(wrap("a\tb", 10), vec!["a   b"]);
        assert_eq!(
            wrap("a\x1b[2Jb\x07c\rd", 10),
            vec!["abcd"],
            "controls dropped"
        );
        assert_eq!(wrap("日本語", 4), vec!["日本", "語"], "wide characters");
        // Words move down whole when they fit, so a location stays one
        // piece a terminal can open.
        assert_eq!(
            wrap("  --> exercises/a/b.rs:12:5 here", 24),
            vec!["  -->", "exercises/a/b.rs:12:5", "here"]
        );
        assert_eq!(
            wrap("see \x1b[1mexercises/a/b.rs:1:2\x1b[0m now", 20),
            vec!["see", "\x1b[1mexercises/a/b.rs:1:2\x1b[0m", "now"]
        );
        assert_eq!(visible_width("\x1b[1mab\x1b[0m\x1b]8;;file:///x\x1b\\c"), 3);
    }

    #[test]
    fn a_failure_shows_the_compiler_output_path_and_keys() {
        let mut model = model();
        model.latest = Some(Latest::Report(report(
            Outcome::CompileError,
            "error[E0308]: mismatched types",
        )));
        let screen = text(&model, 24);
        assert!(screen.contains("exercises/topic/one.rs"), "{screen}");
        assert!(screen.contains("does not compile"), "{screen}");
        assert!(screen.contains("error[E0308]"), "{screen}");
        assert!(screen.contains("0/2 exercises done"), "{screen}");
        assert!(screen.contains("Welcome!"), "{screen}");
        assert!(screen.contains("q quit"), "{screen}");
        assert!(!screen.contains("checking"), "{screen}");
    }

    #[test]
    fn the_last_result_stays_while_checking() {
        let mut model = model();
        model.latest = Some(Latest::Report(report(Outcome::TestFailed, "")));
        model.running = Some(Running {
            id: 1,
            job: Job::Current,
            digest: None,
            started: Instant::now(),
        });
        let screen = text(&model, 24);
        assert!(screen.contains("checking…"), "{screen}");
        assert!(screen.contains("hidden tests failed"), "{screen}");
    }

    #[test]
    fn a_pass_offers_the_solution_and_the_next_exercise() {
        let mut model = model();
        model.latest = Some(Latest::Report(report(Outcome::Passed, "")));
        let screen = text(&model, 24);
        assert!(!screen.contains("solution"), "none carried: {screen}");
        model.solution = Some(PathBuf::from("/course/solutions/topic/one.rs"));
        let screen = text(&model, 24);
        assert!(screen.contains("solutions/topic/one.rs"), "{screen}");
        assert!(screen.contains("n for the next exercise (two)"), "{screen}");
    }

    #[test]
    fn long_output_is_cut_and_the_legend_stays() {
        let mut model = model();
        let long: Vec<String> = (0..100).map(|i| format!("error line {i}")).collect();
        model.latest = Some(Latest::Report(report(
            Outcome::CompileError,
            &long.join("\n"),
        )));
        let screen = text(&model, 20);
        assert!(screen.contains("error line 0"), "{screen}");
        assert!(!screen.contains("error line 99"), "{screen}");
        assert!(
            screen.contains("more lines: run `cargo runner run one`"),
            "{screen}"
        );
        assert!(screen.ends_with("q quit"), "{screen}");
    }

    #[test]
    fn the_list_marks_the_selection_and_the_hint_shows() {
        let mut model = model();
        model.view = View::List { selected: 1 };
        let screen = text(&model, 24);
        assert!(
            screen
                .lines()
                .any(|l| l.starts_with("▸") && l.contains(" two ") && !l.contains('\u{1b}')),
            "the selection is marked without colour: {screen}"
        );
        assert!(screen.contains("Enter open"), "{screen}");
        model.view = View::Exercise;
        model.hint = true;
        // A ladder of two rungs: none open yet shows none, and how many are left.
        model.course.exercises[0].hints = vec!["Think about it.".into(), "The cure.".into()];
        let screen = text(&model, 24);
        assert!(!screen.contains("Think about it."), "{screen}");
        assert!(screen.contains("2 more hints: press h."), "{screen}");
        model.state.open_hints("one", 2, false);
        let screen = text(&model, 24);
        assert!(screen.contains("Hint 1 of 2 for one:"), "{screen}");
        assert!(screen.contains("Think about it."), "{screen}");
        assert!(!screen.contains("The cure."), "{screen}");
        assert!(screen.contains("1 more hint: press h."), "{screen}");
    }

    #[test]
    fn the_programs_output_replaces_the_view_until_esc() {
        let mut model = model();
        model.program = Some("Running main of exercises/topic/one.rs:\nhello from main".into());
        model.view = View::Program;
        let screen = text(&model, 24);
        assert!(screen.contains("hello from main"), "{screen}");
        assert!(screen.contains("Esc back"), "{screen}");
        model.view = View::Exercise;
        let screen = text(&model, 24);
        assert!(!screen.contains("hello from main"), "{screen}");
        assert!(screen.contains("m run main"), "{screen}");
    }

    #[test]
    fn a_topics_first_exercise_points_to_its_lesson() {
        let mut model = model();
        let dir = model.course.exercises[0].dir.clone();
        let lesson = format!("A new topic: its lesson is in exercises/{dir}/README.md");
        assert!(!text(&model, 24).contains(&lesson), "no README, no pointer");
        model.lessons.insert(dir.clone());
        assert!(text(&model, 24).contains(&lesson), "{}", text(&model, 24));
        // Not on the topic's later exercises.
        if model.course.exercises.get(1).is_some_and(|e| e.dir == dir) {
            model.current = 1;
            assert!(!text(&model, 24).contains(&lesson), "{}", text(&model, 24));
        }
    }

    #[test]
    fn the_progress_bar_comes_from_indicatif() {
        let bar = progress_bar(3, 10, "done");
        assert!(bar.contains("3/10 done"), "{bar:?}");
        assert!(bar.contains('█'), "{bar:?}");
    }
}
