//! What watch mode knows (`Model`), what can happen (`Event`), and the rules
//! that turn an event into something to do (`next_action`).
//!
//! `next_action` only reads the model and does no I/O, so every rule (a
//! save during a check, a late result, a key in each view) is tested here
//! without a terminal, a file watcher or a compiler. The event loop in
//! `mod.rs` carries the actions out.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::check::Report;
use crate::exercise::{Exercise, Source};
use crate::manifest::{Course, MANIFEST};
use crate::state::State;

/// A key press, as far as watch mode cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Up,
    Down,
    /// In raw mode Ctrl-C is a key, not a signal.
    CtrlC,
    Other,
}

/// Why watch mode ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `q`.
    Quit,
    /// Ctrl-C.
    Interrupt,
    /// SIGTERM, SIGINT or SIGHUP.
    Signal(i32),
    /// The terminal cannot be read any more.
    TerminalLost,
}

#[derive(Debug)]
pub enum Event {
    /// Files changed in the watched folders (one debounced batch).
    FileChanged(Vec<PathBuf>),
    Key(Key),
    /// A check of the current exercise finished.
    CheckDone {
        id: u64,
        result: Result<Report, String>,
    },
    /// One exercise of a check of every exercise finished.
    AllProgress {
        id: u64,
        index: usize,
        result: Result<Report, String>,
    },
    /// A check of every exercise finished.
    AllDone {
        id: u64,
    },
    /// A run of the exercise's `main` finished: what to show.
    MainDone {
        id: u64,
        text: String,
    },
    /// Time passed while a check runs (the indicator moves).
    Tick,
    Resize,
    /// The file watcher reported a problem.
    WatchError(String),
    Stop(Stop),
}

/// What to do about an event.
#[derive(Debug)]
pub enum Action {
    Nothing,
    Redraw,
    Quit(Stop),
    /// Check the current exercise's newest content, cancelling a running
    /// check (of it or of every exercise); the last result stays on screen.
    Check,
    /// The exercise file is gone: stop checking it and say so.
    Missing,
    /// A finished check of the content on disk, not a pass.
    Show(Latest),
    /// The content on disk passes: record it done and offer the next one.
    Passed(Report),
    /// Go to the next exercise not done.
    Next,
    /// Go to this exercise (from the list).
    Jump(usize),
    SetView(View),
    ToggleHint,
    /// Restore the current exercise (after the learner confirmed).
    Reset,
    CancelReset,
    CheckAll,
    AllResult(usize, Latest),
    AllFinished,
    Notice(Notice),
    ReloadManifest,
    /// Run the current exercise's `main` (its demo) and show its output.
    RunMain,
    /// A run of `main` finished: show what it printed.
    ShowProgram(String),
}

/// The last finished check of an exercise.
#[derive(Debug, Clone)]
pub enum Latest {
    Report(Report),
    /// The check could not run (a missing hidden-test file, no compiler).
    Error(String),
}

impl Latest {
    pub fn from_result(result: Result<Report, String>) -> Self {
        match result {
            Ok(report) => Latest::Report(report),
            Err(error) => Latest::Error(error),
        }
    }

    pub fn passed(&self) -> bool {
        matches!(self, Latest::Report(r) if r.outcome.passed())
    }

    fn digest(&self) -> Option<&str> {
        match self {
            Latest::Report(r) => Some(&r.digest),
            Latest::Error(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The current exercise and its last result.
    Exercise,
    /// Every exercise with its status, one of them selected.
    List { selected: usize },
    /// "Reset the exercise?" over the exercise view.
    ConfirmReset,
    /// The check of every exercise.
    All,
    /// What the exercise's `main` printed (`Model::program`).
    Program,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The current exercise.
    Current,
    /// Every exercise, in course order.
    All,
    /// The current exercise's `main`.
    Main,
}

/// The check in progress.
#[derive(Debug, Clone)]
pub struct Running {
    pub id: u64,
    pub job: Job,
    /// Digest of the exercise file when the check started.
    pub digest: Option<String>,
    pub started: Instant,
}

/// How saves are noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watching {
    /// The system's file watcher (inotify on Linux).
    Native,
    /// Polling; `why` says why when the learner did not ask for it.
    Polling {
        every: Duration,
        why: Option<String>,
    },
    /// Checks only on `r`.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Good,
    Warning,
}

/// A message under the result, until the next one replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub tone: Tone,
    pub text: String,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            tone: Tone::Info,
            text: text.into(),
        }
    }

    pub fn good(text: impl Into<String>) -> Self {
        Notice {
            tone: Tone::Good,
            text: text.into(),
        }
    }

    pub fn warning(text: impl Into<String>) -> Self {
        Notice {
            tone: Tone::Warning,
            text: text.into(),
        }
    }
}

/// The results of a check of every exercise.
#[derive(Debug, Clone)]
pub struct AllRun {
    /// One entry per exercise, in course order; `None` until checked.
    pub results: Vec<Option<Latest>>,
    pub finished: bool,
    /// Stopped before the end (by a save, `r`, or moving on).
    pub stopped: bool,
}

impl AllRun {
    pub fn new(len: usize) -> Self {
        AllRun {
            results: vec![None; len],
            finished: false,
            stopped: false,
        }
    }

    pub fn checked(&self) -> usize {
        self.results.iter().filter(|r| r.is_some()).count()
    }

    pub fn passed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.as_ref().is_some_and(Latest::passed))
            .count()
    }
}

/// Everything the screen shows and the rules decide on.
#[derive(Debug)]
pub struct Model {
    pub course: Course,
    /// The progress as last saved.
    pub state: State,
    /// Index in `course.exercises` of the exercise on screen.
    pub current: usize,
    /// The last check of the current exercise that finished, for the
    /// content that was on disk when it finished.
    pub latest: Option<Latest>,
    pub running: Option<Running>,
    /// Digest of the current exercise file as last read; `None` when it is
    /// missing or unreadable.
    pub disk: Option<String>,
    pub view: View,
    pub watching: Watching,
    pub hint: bool,
    pub notice: Option<Notice>,
    pub all: Option<AllRun>,
    /// Topic folders that have a lesson (`exercises/<dir>/README.md`).
    pub lessons: std::collections::BTreeSet<String>,
    /// The last run of the exercise's `main`, as shown.
    pub program: Option<String>,
    /// The reference solution to compare with, after a pass (none when the
    /// course carries none for this exercise).
    pub solution: Option<std::path::PathBuf>,
}

impl Model {
    pub fn new(course: Course, state: State, watching: Watching) -> Self {
        let course_dirs: Vec<std::path::PathBuf> = course
            .exercises
            .iter()
            .map(|e| course.root.join("exercises").join(&e.dir))
            .collect();
        let current = course
            .exercises
            .iter()
            .position(|e| e.name == state.current(&course))
            .unwrap_or(0);
        Model {
            course,
            state,
            current,
            latest: None,
            running: None,
            disk: None,
            view: View::Exercise,
            watching,
            hint: false,
            notice: None,
            all: None,
            lessons: lessons(&course_dirs),
            program: None,
            solution: None,
        }
    }

    /// The lesson to point to: the topic's README, on the topic's first
    /// exercise.
    pub fn lesson(&self) -> Option<std::path::PathBuf> {
        let exercise = self.exercise();
        let first = self
            .course
            .exercises
            .iter()
            .position(|e| e.dir == exercise.dir)?;
        (first == self.current && self.lessons.contains(&exercise.dir)).then(|| {
            std::path::Path::new("exercises")
                .join(&exercise.dir)
                .join("README.md")
        })
    }

    pub fn exercise(&self) -> &Exercise {
        &self.course.exercises[self.current]
    }

    /// The learner's file of the current exercise.
    pub fn exercise_path(&self) -> PathBuf {
        self.exercise().path(&self.course.root, Source::Exercise)
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.course.root.join(MANIFEST)
    }

    fn running(&self, job: Job) -> Option<&Running> {
        self.running.as_ref().filter(|r| r.job == job)
    }
}

/// The rules: what `event` means in `model`.
pub fn next_action(model: &Model, event: Event) -> Action {
    match event {
        Event::FileChanged(paths) => files_changed(model, &paths),
        Event::Key(key) => key_pressed(model, key),
        Event::CheckDone { id, result } => check_done(model, id, result),
        Event::AllProgress { id, index, result } => match model.running(Job::All) {
            Some(r) if r.id == id && index < model.course.exercises.len() => {
                Action::AllResult(index, Latest::from_result(result))
            }
            _ => Action::Nothing,
        },
        Event::MainDone { id, text } => match model.running(Job::Main) {
            Some(running) if running.id == id => Action::ShowProgram(text),
            _ => Action::Nothing,
        },
        Event::AllDone { id } => match model.running(Job::All) {
            Some(r) if r.id == id => Action::AllFinished,
            _ => Action::Nothing,
        },
        Event::Tick if model.running.is_some() => Action::Redraw,
        Event::Tick => Action::Nothing,
        Event::Resize => Action::Redraw,
        Event::WatchError(error) => Action::Notice(Notice::warning(format!(
            "the file watcher reported a problem: {error}\n\
             If saves are not noticed, restart with `cargo runner watch --poll`."
        ))),
        Event::Stop(stop) => Action::Quit(stop),
    }
}

/// A save touches the exercise when a changed path is its file or a folder
/// holding it (a folder renamed or deleted, or a watcher that lost track).
fn touches(paths: &[PathBuf], file: &Path) -> bool {
    paths.iter().any(|p| file.starts_with(p))
}

fn files_changed(model: &Model, paths: &[PathBuf]) -> Action {
    if paths.contains(&model.manifest_path()) {
        return Action::ReloadManifest;
    }
    if !touches(paths, &model.exercise_path()) {
        return Action::Nothing;
    }
    let Some(disk) = model.disk.as_deref() else {
        return Action::Missing;
    };
    match &model.running {
        // Already checking exactly this content.
        Some(r) if r.job == Job::Current && r.digest.as_deref() == Some(disk) => Action::Nothing,
        Some(_) => Action::Check,
        // The result on screen is for this content (a touch, or a save
        // without changes).
        None if model.latest.as_ref().and_then(Latest::digest) == Some(disk) => Action::Redraw,
        None => Action::Check,
    }
}

fn check_done(model: &Model, id: u64, result: Result<Report, String>) -> Action {
    if model.running(Job::Current).is_none_or(|r| r.id != id) {
        // A cancelled check that finished anyway.
        return Action::Nothing;
    }
    match result {
        Err(error) => Action::Show(Latest::Error(error)),
        Ok(report) => match model.disk.as_deref() {
            None => Action::Missing,
            // Saved again since the snapshot: never show an older result.
            Some(disk) if disk != report.digest => Action::Check,
            Some(_) if report.outcome.passed() => Action::Passed(report),
            Some(_) => Action::Show(Latest::Report(report)),
        },
    }
}

fn key_pressed(model: &Model, key: Key) -> Action {
    let last = model.course.exercises.len().saturating_sub(1);
    match (model.view, key) {
        (_, Key::CtrlC) => Action::Quit(Stop::Interrupt),

        (View::ConfirmReset, Key::Char('y' | 'Y')) => Action::Reset,
        (View::ConfirmReset, _) => Action::CancelReset,

        (View::List { selected }, Key::Up | Key::Char('k')) => Action::SetView(View::List {
            selected: selected.saturating_sub(1),
        }),
        (View::List { selected }, Key::Down | Key::Char('j')) => Action::SetView(View::List {
            selected: (selected + 1).min(last),
        }),
        (View::List { selected }, Key::Enter) => Action::Jump(selected),
        (View::List { .. }, Key::Esc | Key::Char('l')) => Action::SetView(View::Exercise),
        (View::List { .. }, Key::Char('q')) => Action::Quit(Stop::Quit),
        (View::List { .. }, _) => Action::Nothing,

        (_, Key::Char('q')) => Action::Quit(Stop::Quit),
        (_, Key::Char('n')) if model.latest.as_ref().is_some_and(Latest::passed) => Action::Next,
        (_, Key::Char('n')) => Action::Notice(Notice::info(format!(
            "`n` moves on once {} passes. Press l to choose another exercise.",
            model.exercise().name
        ))),
        (_, Key::Char('h')) => Action::ToggleHint,
        (_, Key::Char('l')) => Action::SetView(View::List {
            selected: model.current,
        }),
        (_, Key::Char('r')) => Action::Check,
        (_, Key::Char('x')) => Action::SetView(View::ConfirmReset),
        (_, Key::Char('c')) => Action::CheckAll,
        (_, Key::Char('m')) => Action::RunMain,
        (View::Program, Key::Esc) => Action::SetView(View::Exercise),
        (View::All, Key::Esc) => Action::SetView(View::Exercise),
        _ => Action::Nothing,
    }
}

/// The topic folders among `dirs` that hold a `README.md`.
fn lessons(dirs: &[std::path::PathBuf]) -> std::collections::BTreeSet<String> {
    dirs.iter()
        .filter(|dir| dir.join("README.md").is_file())
        .filter_map(|dir| Some(dir.file_name()?.to_string_lossy().into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Outcome;

    fn course() -> Course {
        Course {
            root: PathBuf::from("/course"),
            welcome_message: String::new(),
            final_message: String::new(),
            exercises: ["one", "two", "three"]
                .iter()
                .map(|name| Exercise::new(name, "topic", "a hint"))
                .collect(),
        }
    }

    fn model() -> Model {
        let mut model = Model::new(course(), State::default(), Watching::Native);
        model.disk = Some("d1".into());
        model
    }

    fn report(digest: &str, outcome: Outcome) -> Report {
        Report {
            exercise: "one".into(),
            outcome,
            compiler_output: String::new(),
            tests: Vec::new(),
            elapsed: Duration::ZERO,
            digest: digest.into(),
            failed_stage: None,
        }
    }

    fn running(model: &mut Model, id: u64, job: Job, digest: &str) {
        model.running = Some(Running {
            id,
            job,
            digest: Some(digest.into()),
            started: Instant::now(),
        });
    }

    fn saved(model: &Model) -> Event {
        Event::FileChanged(vec![model.exercise_path()])
    }

    fn key(c: char) -> Event {
        Event::Key(Key::Char(c))
    }

    #[test]
    fn starts_on_the_current_exercise_of_the_progress() {
        let state = State {
            current: Some("two".into()),
            ..State::default()
        };
        let model = Model::new(course(), state, Watching::Manual);
        assert_eq!(model.exercise().name, "two");
        assert_eq!(
            model.exercise_path(),
            PathBuf::from("/course/exercises/topic/two.rs")
        );
    }

    #[test]
    fn a_save_starts_a_check() {
        let model = model();
        assert!(matches!(next_action(&model, saved(&model)), Action::Check));
    }

    #[test]
    fn a_save_while_checking_older_content_cancels_and_checks_again() {
        let mut model = model();
        running(&mut model, 1, Job::Current, "d0");
        assert!(matches!(next_action(&model, saved(&model)), Action::Check));
    }

    #[test]
    fn an_event_for_the_content_being_checked_changes_nothing() {
        let mut model = model();
        running(&mut model, 1, Job::Current, "d1");
        assert!(matches!(
            next_action(&model, saved(&model)),
            Action::Nothing
        ));
    }

    #[test]
    fn an_unchanged_file_is_not_checked_again() {
        let mut model = model();
        model.latest = Some(Latest::Report(report("d1", Outcome::TestFailed)));
        assert!(matches!(next_action(&model, saved(&model)), Action::Redraw));
        model.disk = Some("d2".into());
        assert!(matches!(next_action(&model, saved(&model)), Action::Check));
    }

    #[test]
    fn a_save_stops_a_check_of_every_exercise() {
        let mut model = model();
        running(&mut model, 1, Job::All, "d1");
        assert!(matches!(next_action(&model, saved(&model)), Action::Check));
    }

    #[test]
    fn a_save_to_a_folder_holding_the_exercise_counts() {
        let model = model();
        let folder = Event::FileChanged(vec![PathBuf::from("/course/exercises")]);
        assert!(matches!(next_action(&model, folder), Action::Check));
    }

    #[test]
    fn other_files_are_ignored() {
        let model = model();
        let other = Event::FileChanged(vec![
            PathBuf::from("/course/exercises/topic/two.rs"),
            PathBuf::from("/course/exercises/topic/.one.rs.swp"),
        ]);
        assert!(matches!(next_action(&model, other), Action::Nothing));
    }

    #[test]
    fn a_deleted_exercise_is_reported_missing() {
        let mut model = model();
        model.disk = None;
        assert!(matches!(
            next_action(&model, saved(&model)),
            Action::Missing
        ));
    }

    #[test]
    fn the_manifest_is_reloaded_when_it_changes() {
        let model = model();
        let changed = Event::FileChanged(vec![PathBuf::from("/course/info.toml")]);
        assert!(matches!(
            next_action(&model, changed),
            Action::ReloadManifest
        ));
    }

    #[test]
    fn a_result_for_the_content_on_disk_is_shown() {
        let mut model = model();
        running(&mut model, 7, Job::Current, "d1");
        let done = Event::CheckDone {
            id: 7,
            result: Ok(report("d1", Outcome::TestFailed)),
        };
        assert!(matches!(
            next_action(&model, done),
            Action::Show(Latest::Report(r)) if r.digest == "d1"
        ));
    }

    #[test]
    fn a_result_for_older_content_is_never_shown() {
        let mut model = model();
        running(&mut model, 7, Job::Current, "d0");
        let done = Event::CheckDone {
            id: 7,
            result: Ok(report("d0", Outcome::Passed)),
        };
        assert!(matches!(next_action(&model, done), Action::Check));
    }

    #[test]
    fn a_result_of_a_cancelled_check_is_ignored() {
        let mut model = model();
        running(&mut model, 8, Job::Current, "d1");
        let late = Event::CheckDone {
            id: 7,
            result: Ok(report("d1", Outcome::Cancelled)),
        };
        assert!(matches!(next_action(&model, late), Action::Nothing));
        model.running = None;
        let late = Event::CheckDone {
            id: 8,
            result: Ok(report("d1", Outcome::Passed)),
        };
        assert!(matches!(next_action(&model, late), Action::Nothing));
    }

    #[test]
    fn a_pass_is_recorded_and_then_n_moves_on() {
        let mut model = model();
        running(&mut model, 3, Job::Current, "d1");
        let done = Event::CheckDone {
            id: 3,
            result: Ok(report("d1", Outcome::Passed)),
        };
        let Action::Passed(report) = next_action(&model, done) else {
            panic!("expected a pass");
        };
        model.running = None;
        assert!(matches!(next_action(&model, key('n')), Action::Notice(_)));
        model.latest = Some(Latest::Report(report));
        assert!(matches!(next_action(&model, key('n')), Action::Next));
    }

    #[test]
    fn an_error_is_shown() {
        let mut model = model();
        running(&mut model, 1, Job::Current, "d1");
        let done = Event::CheckDone {
            id: 1,
            result: Err("cannot read the hidden tests".into()),
        };
        assert!(matches!(
            next_action(&model, done),
            Action::Show(Latest::Error(_))
        ));
    }

    #[test]
    fn keys_work_while_a_check_runs() {
        let mut model = model();
        running(&mut model, 1, Job::Current, "d1");
        assert!(matches!(
            next_action(&model, key('q')),
            Action::Quit(Stop::Quit)
        ));
        assert!(matches!(
            next_action(&model, Event::Key(Key::CtrlC)),
            Action::Quit(Stop::Interrupt)
        ));
        assert!(matches!(next_action(&model, key('r')), Action::Check));
        assert!(matches!(next_action(&model, key('h')), Action::ToggleHint));
        assert!(matches!(next_action(&model, key('c')), Action::CheckAll));
        assert!(matches!(
            next_action(&model, key('x')),
            Action::SetView(View::ConfirmReset)
        ));
        assert!(matches!(
            next_action(&model, key('l')),
            Action::SetView(View::List { selected: 0 })
        ));
        assert!(matches!(next_action(&model, key('?')), Action::Nothing));
    }

    #[test]
    fn m_runs_main_and_only_its_own_run_is_shown() {
        let mut model = model();
        assert!(matches!(next_action(&model, key('m')), Action::RunMain));
        running(&mut model, 7, Job::Main, "d");
        let done = |id| Event::MainDone {
            id,
            text: "hello".into(),
        };
        assert!(matches!(next_action(&model, done(6)), Action::Nothing));
        assert!(matches!(next_action(&model, done(7)), Action::ShowProgram(t) if t == "hello"));
        model.view = View::Program;
        assert!(matches!(
            next_action(&model, Event::Key(Key::Esc)),
            Action::SetView(View::Exercise)
        ));
    }

    #[test]
    fn reset_happens_only_after_y() {
        let mut model = model();
        model.view = View::ConfirmReset;
        assert!(matches!(next_action(&model, key('y')), Action::Reset));
        assert!(matches!(next_action(&model, key('Y')), Action::Reset));
        assert!(matches!(next_action(&model, key('n')), Action::CancelReset));
        assert!(matches!(next_action(&model, key('x')), Action::CancelReset));
        assert!(matches!(
            next_action(&model, Event::Key(Key::Enter)),
            Action::CancelReset
        ));
        assert!(matches!(
            next_action(&model, Event::Key(Key::CtrlC)),
            Action::Quit(Stop::Interrupt)
        ));
    }

    #[test]
    fn the_list_moves_within_bounds_and_jumps() {
        let mut model = model();
        model.view = View::List { selected: 0 };
        assert!(matches!(
            next_action(&model, Event::Key(Key::Up)),
            Action::SetView(View::List { selected: 0 })
        ));
        assert!(matches!(
            next_action(&model, key('j')),
            Action::SetView(View::List { selected: 1 })
        ));
        model.view = View::List { selected: 2 };
        assert!(matches!(
            next_action(&model, Event::Key(Key::Down)),
            Action::SetView(View::List { selected: 2 })
        ));
        assert!(matches!(
            next_action(&model, Event::Key(Key::Enter)),
            Action::Jump(2)
        ));
        assert!(matches!(
            next_action(&model, Event::Key(Key::Esc)),
            Action::SetView(View::Exercise)
        ));
        assert!(matches!(
            next_action(&model, key('q')),
            Action::Quit(Stop::Quit)
        ));
        assert!(matches!(next_action(&model, key('r')), Action::Nothing));
    }

    #[test]
    fn check_all_progress_counts_only_for_the_running_one() {
        let mut model = model();
        running(&mut model, 4, Job::All, "d1");
        let progress = |id| Event::AllProgress {
            id,
            index: 1,
            result: Ok(report("x", Outcome::Passed)),
        };
        assert!(matches!(
            next_action(&model, progress(4)),
            Action::AllResult(1, _)
        ));
        assert!(matches!(next_action(&model, progress(3)), Action::Nothing));
        assert!(matches!(
            next_action(&model, Event::AllDone { id: 4 }),
            Action::AllFinished
        ));
        assert!(matches!(
            next_action(&model, Event::AllDone { id: 3 }),
            Action::Nothing
        ));
        model.view = View::All;
        assert!(matches!(
            next_action(&model, Event::Key(Key::Esc)),
            Action::SetView(View::Exercise)
        ));
    }

    #[test]
    fn ticks_redraw_only_while_checking() {
        let mut model = model();
        assert!(matches!(next_action(&model, Event::Tick), Action::Nothing));
        running(&mut model, 1, Job::Current, "d1");
        assert!(matches!(next_action(&model, Event::Tick), Action::Redraw));
    }

    #[test]
    fn signals_quit() {
        let model = model();
        assert!(matches!(
            next_action(&model, Event::Stop(Stop::Signal(15))),
            Action::Quit(Stop::Signal(15))
        ));
    }
}
