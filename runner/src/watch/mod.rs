//! Watch mode (`runner`, `runner watch`): the learner edits the current
//! exercise, saves, and sees the verdict of its hidden tests at once.
//!
//! This module owns the event loop and what it does. One thread (the
//! caller's) runs the loop; it receives every `Event` on one channel from:
//! - the file watcher, through the debounce thread (`files`, `debounce`);
//! - the key reader and the signal thread (`terminal`);
//! - the checker thread, which runs one check at a time (`start_checker`).
//!
//! `model::next_action` decides what an event means; `Session::perform`
//! does it. A save while a check runs cancels that check (its processes are
//! killed) and checks the newest content; the previous result stays on
//! screen meanwhile. A result is shown only if the file on disk still has
//! the content it was computed for. A pass is recorded in the progress file
//! at once. `screen` draws; `terminal` gives the terminal back however the
//! runner ends. Idle, every thread is blocked: no timer runs.
//!
//! One watch per course: `.runner/watch.lock` is held (flock) while
//! watching, and a second `runner` on the same course is refused.

mod debounce;
mod files;
mod model;
mod screen;
mod terminal;

use std::fs;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::app;
use crate::check;
use crate::cli::WatchArgs;
use crate::durable;
use crate::exercise::{Exercise, Source};
use crate::harness::{self, Harness};
use crate::manifest::{self, Course, Files, MANIFEST};
use crate::process::Cancel;
use crate::reset::{self, Reset};
use crate::sealed;
use crate::state::{LOCAL_DIR, State, Store};

use model::{Action, AllRun, Event, Job, Latest, Model, Notice, Running, Stop, View, Watching};

const LOCK_FILE: &str = "watch.lock";
/// How often the "checking" indicator moves while a check runs.
const TICK: Duration = Duration::from_millis(100);

/// The check in progress, for the panic hook and the signal thread to stop.
static RUNNING: Mutex<Option<Cancel>> = Mutex::new(None);

/// Kills the processes of the running check, if any.
pub(crate) fn cancel_running_check() {
    let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(cancel) = running {
        cancel.cancel();
    }
}

/// Records the check in progress (`None`: it ended).
fn track_running_check(cancel: Option<Cancel>) {
    *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) = cancel;
}

/// Runs watch mode until the learner quits.
pub fn run(course: Course, store: &Store, args: &WatchArgs) -> Result<ExitCode> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!(
            "watch mode needs a terminal: it shows the current exercise and reads keys.\n\
             Run it in a terminal, or check without one with `cargo runner verify` \
             (every exercise) or `cargo runner run` (the current one)."
        );
    }
    let _lock = lock(&course)?;
    let harness = Arc::new(app::prepare(&course)?.quiet());
    let (state, warnings) = store.load(&course)?;

    let (events_tx, events) = mpsc::channel();
    let (_watcher, watching) = if args.manual {
        (None, Watching::Manual)
    } else {
        let (handle, watching) = files::watch(&course.root, args.poll, &events_tx)?;
        (Some(handle), watching)
    };
    let (jobs, checker_gone) = start_checker(Arc::clone(&harness), events_tx.clone())?;
    terminal::forward_signals(events_tx.clone()).context("cannot handle signals")?;

    let mut model = Model::new(course, state, watching);
    if !warnings.is_empty() {
        model.notice = Some(Notice::warning(warnings.join("\n")));
    }
    let terminal = terminal::Terminal::enter().context("cannot set up the terminal")?;
    terminal::forward_keys(events_tx).context("cannot read keys")?;
    let mut session = Session {
        model,
        store: store.clone(),
        jobs,
        next_id: 0,
        screen: screen::Screen::new(),
    };
    let stop = session.run(&events);
    cancel_running_check();
    // Let the cancelled check end, so that no process it was starting
    // outlives the runner.
    drop(session.jobs);
    let _ = checker_gone.recv_timeout(Duration::from_secs(2));
    drop(terminal);
    let total = session.model.course.exercises.len();
    let done = session.model.state.done.len().min(total);
    // The terminal may be gone (a closed window): not worth a panic.
    let _ = writeln!(
        std::io::stdout(),
        "{done}/{total} exercises done. Run `cargo runner` to go on."
    );
    Ok(match stop {
        Stop::Quit => ExitCode::SUCCESS,
        Stop::Interrupt => ExitCode::from(130),
        Stop::Signal(signal) => ExitCode::from(u8::try_from(128 + signal).unwrap_or(1)),
        Stop::TerminalLost => ExitCode::from(1),
    })
}

/// Holds `.runner/watch.lock`, or explains that another runner watches.
fn lock(course: &Course) -> Result<durable::Lock> {
    let path = course.root.join(LOCAL_DIR).join(LOCK_FILE);
    match durable::try_lock_exclusive(&path)? {
        Some(lock) => Ok(lock),
        None => bail!(
            "another `cargo runner` is already watching this course ({}).\n\
             Only one may watch at a time: use that one, or quit it (press q in it) and \
             start again. `cargo runner run` checks once without watching.",
            course.root.display()
        ),
    }
}

/// What the checker thread is asked to do.
#[derive(Debug)]
enum Work {
    One {
        id: u64,
        exercise: Exercise,
        cancel: Cancel,
    },
    All {
        id: u64,
        exercises: Vec<Exercise>,
        cancel: Cancel,
    },
    /// The exercise's `main`, under the same limits as its tests.
    Main {
        id: u64,
        exercise: Exercise,
        cancel: Cancel,
    },
}

/// Starts the thread that runs checks, one at a time. Only the newest
/// request in its queue is run: the older ones were cancelled. The thread
/// ends when the sender is dropped; the receiver returned with it tells
/// when (it disconnects).
fn start_checker(
    harness: Arc<Harness>,
    events: Sender<Event>,
) -> Result<(Sender<Work>, Receiver<()>)> {
    let (tx, rx) = mpsc::channel::<Work>();
    let (gone_tx, gone_rx) = mpsc::channel::<()>();
    thread::Builder::new()
        .name("checker".into())
        .spawn(move || {
            let _gone = gone_tx;
            while let Ok(mut work) = rx.recv() {
                while let Ok(newer) = rx.try_recv() {
                    work = newer;
                }
                if !run_work(&harness, work, &events) {
                    return;
                }
            }
        })
        .context("cannot start the checking thread")?;
    Ok((tx, gone_rx))
}

/// Runs one request; `false` when the event loop is gone.
fn run_work(harness: &Harness, work: Work, events: &Sender<Event>) -> bool {
    let check = |exercise: &Exercise, cancel: &Cancel| {
        check::check(harness, exercise, Source::Exercise, cancel).map_err(|e| format!("{e:#}"))
    };
    match work {
        Work::One {
            id,
            exercise,
            cancel,
        } => {
            let result = check(&exercise, &cancel);
            events.send(Event::CheckDone { id, result }).is_ok()
        }
        Work::All {
            id,
            exercises,
            cancel,
        } => {
            for (index, exercise) in exercises.iter().enumerate() {
                if cancel.is_cancelled() {
                    return true;
                }
                let result = check(exercise, &cancel);
                if events
                    .send(Event::AllProgress { id, index, result })
                    .is_err()
                {
                    return false;
                }
            }
            events.send(Event::AllDone { id }).is_ok()
        }
        Work::Main {
            id,
            exercise,
            cancel,
        } => {
            let text = match crate::program::run(harness, &exercise, &cancel) {
                Ok(program) => crate::ui::program_text(&exercise, &program),
                Err(error) => format!("cannot run main of {}: {error:#}", exercise.name),
            };
            events.send(Event::MainDone { id, text }).is_ok()
        }
    }
}

/// The event loop's side: the model and the means to act on it.
struct Session {
    model: Model,
    store: Store,
    jobs: Sender<Work>,
    next_id: u64,
    screen: screen::Screen,
}

impl Session {
    /// Handles events until one says stop.
    fn run(&mut self, events: &Receiver<Event>) -> Stop {
        self.start_check();
        self.draw();
        loop {
            let event = if self.model.running.is_some() {
                match events.recv_timeout(TICK) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => Event::Tick,
                    Err(RecvTimeoutError::Disconnected) => return Stop::TerminalLost,
                }
            } else {
                match events.recv() {
                    Ok(event) => event,
                    Err(_) => return Stop::TerminalLost,
                }
            };
            let mut redraw = false;
            let mut next = Some(event);
            // Everything that is already waiting, then one draw.
            while let Some(event) = next {
                if let Some(stop) = self.handle(event, &mut redraw) {
                    return stop;
                }
                next = events.try_recv().ok();
            }
            if redraw {
                self.draw();
            }
        }
    }

    fn handle(&mut self, event: Event, redraw: &mut bool) -> Option<Stop> {
        // Lets the tests prove that a panic gives the terminal back.
        #[cfg(debug_assertions)]
        if matches!(event, Event::Key(model::Key::Char('!')))
            && std::env::var_os("RUNNER_WATCH_TEST_PANIC").is_some()
        {
            panic!("a panic asked for by RUNNER_WATCH_TEST_PANIC");
        }
        if matches!(event, Event::FileChanged(_) | Event::CheckDone { .. }) {
            self.refresh_disk();
        }
        let action = model::next_action(&self.model, event);
        if !matches!(action, Action::Nothing) {
            *redraw = true;
        }
        self.perform(action)
    }

    fn draw(&mut self) {
        // A terminal that cannot be written to cannot be helped by an error
        // on it either; the next event draws again.
        let _ = self.screen.draw(&self.model);
    }

    /// Reads the current exercise's file to know what content it holds.
    fn refresh_disk(&mut self) {
        self.model.disk = fs::read(self.model.exercise_path())
            .ok()
            .map(|bytes| harness::digest(&[&bytes]));
    }

    fn perform(&mut self, action: Action) -> Option<Stop> {
        match action {
            Action::Nothing | Action::Redraw => {}
            Action::Quit(stop) => {
                self.cancel_running();
                return Some(stop);
            }
            Action::Check => {
                self.model.notice = None;
                self.start_check();
            }
            Action::Missing => {
                self.cancel_running();
            }
            Action::Show(latest) => {
                self.finish_running();
                self.model.latest = Some(latest);
            }
            Action::Passed(report) => {
                self.finish_running();
                self.model.latest = Some(Latest::Report(report));
                self.record_pass();
            }
            Action::Next => self.next(),
            Action::Jump(index) => self.go_to(index),
            Action::SetView(view) => {
                if view != View::ConfirmReset {
                    self.model.notice = None;
                }
                self.model.view = view;
            }
            // `h` opens the hint ladder one rung at a time, then hides it.
            Action::ToggleHint => {
                let exercise = self.model.exercise();
                let (name, total) = (exercise.name.clone(), exercise.hints.len());
                let opened = self.model.state.hints_opened(&name);
                if self.model.hint && opened >= total {
                    self.model.hint = false;
                } else {
                    // Shown again as it was when hidden; shown, the next.
                    if self.model.hint || opened == 0 {
                        self.update_state(|s| s.open_hints(&name, total, false));
                    }
                    self.model.hint = true;
                }
                self.model.view = View::Exercise;
            }
            Action::Reset => self.reset(),
            Action::CancelReset => {
                self.model.view = View::Exercise;
                self.model.notice = Some(Notice::info(format!(
                    "{} was not reset.",
                    self.model.exercise().display_path()
                )));
            }
            Action::CheckAll => self.start_check_all(),
            Action::RunMain => self.start_main(),
            Action::ShowProgram(text) => {
                self.finish_running();
                self.model.program = Some(text);
                self.model.view = View::Program;
            }
            Action::AllResult(index, latest) => self.record_all_result(index, latest),
            Action::AllFinished => {
                self.finish_running();
                if let Some(all) = &mut self.model.all {
                    all.finished = true;
                }
            }
            Action::Notice(notice) => self.model.notice = Some(notice),
            Action::ReloadManifest => self.reload_manifest(),
        }
        None
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Stops the running check (its processes are killed); a stopped check
    /// of every exercise says so.
    fn cancel_running(&mut self) {
        cancel_running_check();
        if let Some(running) = self.model.running.take()
            && running.job == Job::All
            && let Some(all) = &mut self.model.all
        {
            all.stopped = !all.finished;
        }
    }

    /// The running check ended by itself.
    fn finish_running(&mut self) {
        track_running_check(None);
        self.model.running = None;
    }

    /// Hands a check to the checker thread as the running one (the caller
    /// cancelled the previous one).
    fn send(&mut self, job: Job, work: impl FnOnce(u64, Cancel) -> Work) {
        let id = self.next_id();
        let cancel = Cancel::new();
        track_running_check(Some(cancel.clone()));
        self.model.running = Some(Running {
            id,
            job,
            digest: self.model.disk.clone(),
            started: Instant::now(),
        });
        if self.jobs.send(work(id, cancel)).is_err() {
            self.model.running = None;
            self.model.notice = Some(Notice::warning(
                "the checking thread stopped: quit with q and start `cargo runner` again.",
            ));
        }
    }

    /// Checks the current exercise's newest content.
    fn start_check(&mut self) {
        self.cancel_running();
        if matches!(self.model.view, View::All | View::Program) {
            self.model.view = View::Exercise;
        }
        self.refresh_disk();
        if self.model.disk.is_none() {
            // Shown on screen; the next save checks it.
            return;
        }
        let exercise = self.model.exercise().clone();
        self.send(Job::Current, |id, cancel| Work::One {
            id,
            exercise,
            cancel,
        });
    }

    /// Runs the current exercise's `main`; its output replaces the view
    /// until Esc (a save checks the exercise as always).
    fn start_main(&mut self) {
        self.cancel_running();
        self.model.notice = None;
        let exercise = self.model.exercise().clone();
        self.send(Job::Main, |id, cancel| Work::Main {
            id,
            exercise,
            cancel,
        });
    }

    fn start_check_all(&mut self) {
        self.cancel_running();
        let exercises = self.model.course.exercises.clone();
        self.model.all = Some(AllRun::new(exercises.len()));
        self.model.view = View::All;
        self.model.notice = None;
        self.send(Job::All, |id, cancel| Work::All {
            id,
            exercises,
            cancel,
        });
    }

    /// Updates the progress file, keeping the model's copy in step; a
    /// failure is shown, never fatal.
    fn update_state<T>(&mut self, change: impl FnOnce(&mut State) -> T) -> Option<T> {
        match self.store.update(&self.model.course, change) {
            Ok((result, state)) => {
                self.model.state = state;
                Some(result)
            }
            Err(error) => {
                self.model.notice = Some(Notice::warning(format!(
                    "cannot save your progress to {}: {error:#}\n\
                     Check that the folder is writable; the next pass tries again.",
                    self.store.path().display()
                )));
                None
            }
        }
    }

    /// The current exercise passed: done at once, and after the last one,
    /// a check of every exercise.
    fn record_pass(&mut self) {
        let course = self.model.course.clone();
        let name = self.model.exercise().name.clone();
        let total = course.exercises.len();
        let before = self.model.state.done.len();
        // A solution that cannot be shown must not spoil the pass.
        let exercise = self.model.exercise().clone();
        self.model.solution = match sealed::reveal(&course, &exercise) {
            Ok(reference) => reference.path().map(Path::to_path_buf),
            Err(error) => {
                self.model.notice = Some(Notice::warning(format!("{error:#}")));
                None
            }
        };
        if self.update_state(|s| s.complete(&course, &name)).is_none() {
            return;
        }
        let after = self.model.state.done.len();
        if before < total && after == total {
            self.start_check_all();
        }
    }

    fn next(&mut self) {
        let name = self.model.exercise().name.clone();
        let next = self
            .model
            .state
            .next_pending(&self.model.course, Some(&name))
            .and_then(|next| {
                self.model
                    .course
                    .exercises
                    .iter()
                    .position(|e| e.name == next)
            });
        match next {
            Some(index) if index != self.model.current => self.go_to(index),
            _ if self.model.all.is_some() => self.model.view = View::All,
            _ => self.start_check_all(),
        }
    }

    /// Makes exercise `index` the current one, here and in the progress.
    fn go_to(&mut self, index: usize) {
        let Some(exercise) = self.model.course.exercises.get(index) else {
            return;
        };
        let name = exercise.name.clone();
        self.cancel_running();
        self.model.current = index;
        self.model.latest = None;
        self.model.solution = None;
        self.model.hint = false;
        self.model.view = View::Exercise;
        self.model.notice = None;
        self.update_state(|s| s.current = Some(name));
        self.start_check();
    }

    fn reset(&mut self) {
        self.model.view = View::Exercise;
        let exercise = self.model.exercise().clone();
        let root = self.model.course.root.clone();
        match reset::reset(&root, &exercise) {
            Ok(Reset::AlreadyOriginal) => {
                self.model.notice = Some(Notice::info(format!(
                    "{} already is in its original state.",
                    exercise.display_path()
                )));
            }
            Ok(Reset::Restored { backup }) => {
                // The reset exercise is where the learner picks up again.
                let name = exercise.name.clone();
                self.update_state(|s| {
                    s.done.remove(&name);
                    s.current = Some(name.clone());
                });
                let mut text = format!(
                    "Restored {} to its original state.",
                    exercise.display_path()
                );
                if let Some(backup) = backup {
                    let shown = crate::exercise::course_relative(&root, &backup);
                    text.push_str(&format!(" Your version is saved as {shown}"));
                }
                self.start_check();
                self.model.notice = Some(Notice::good(text));
            }
            Err(error) => {
                self.model.notice = Some(Notice::warning(format!(
                    "cannot reset {}: {error:#}",
                    exercise.display_path()
                )));
            }
        }
    }

    fn record_all_result(&mut self, index: usize, latest: Latest) {
        let Some(exercise) = self.model.course.exercises.get(index) else {
            return;
        };
        let name = exercise.name.clone();
        if latest.passed() && !self.model.state.is_done(&name) {
            self.update_state(|s| s.done.insert(name));
        }
        // The current exercise's result on its own screen too, if it is
        // for what is on disk.
        if index == self.model.current
            && let Latest::Report(report) = &latest
            && self.model.disk.as_deref() == Some(report.digest.as_str())
        {
            self.model.latest = Some(latest.clone());
        }
        if let Some(all) = &mut self.model.all
            && let Some(slot) = all.results.get_mut(index)
        {
            *slot = Some(latest);
        }
    }

    fn reload_manifest(&mut self) {
        let root = self.model.course.root.clone();
        match manifest::load(&root, Files::Learner) {
            Ok(course) => {
                let name = self.model.exercise().name.clone();
                let (state, _) = self
                    .store
                    .load(&course)
                    .unwrap_or_else(|_| (self.model.state.clone(), Vec::new()));
                let current = course
                    .exercises
                    .iter()
                    .position(|e| e.name == name)
                    .or_else(|| {
                        let current = state.current(&course);
                        course.exercises.iter().position(|e| e.name == current)
                    })
                    .unwrap_or(0);
                let moved = course.exercises.get(current).map(|e| &e.name) != Some(&name);
                self.cancel_running();
                self.model.course = course;
                self.model.state = state;
                self.model.current = current;
                self.model.all = None;
                if moved {
                    self.model.latest = None;
                    self.model.solution = None;
                    self.model.view = View::Exercise;
                }
                if let View::List { selected } = self.model.view {
                    let last = self.model.course.exercises.len().saturating_sub(1);
                    self.model.view = View::List {
                        selected: selected.min(last),
                    };
                }
                self.start_check();
                self.model.notice = Some(Notice::info(format!("{MANIFEST} changed: reloaded.")));
            }
            Err(error) => {
                self.model.notice = Some(Notice::warning(format!(
                    "{error:#}\nThe runner goes on with the previous version of {MANIFEST} \
                     until it is fixed."
                )));
            }
        }
    }
}
