//! `runner dev ...`: the course authors' tools. `dev check` proves the
//! course is sound before it ships: the files match the manifest, every
//! original exercise fails its hidden tests, and every solution passes them,
//! repeatedly and pinned to one CPU; the static checks (TODO markers,
//! rustfmt, clippy, the `[[bin]]` list) are in `lint`. Exercises are checked
//! in parallel: each check runs `rustc` directly, so no build lock
//! serializes them.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Result;

use crate::check::{self, Outcome, Pin, Until};
use crate::exercise::{Exercise, Source};
use crate::harness::{Harness, Stage};
use crate::lint::{self, Tools};
use crate::manifest::Course;
use crate::platform;
use crate::process::Cancel;
use crate::ui;

/// A solution's test slower than this is flagged: it makes the course slow
/// and usually means a long sleep. The one long wait the course guide
/// allows is a deliberate pause of about 1.5 s mid-stream (longer than a
/// learner's `recv_timeout(1 s)` used as "the stream has ended").
const SLOW_TEST: Duration = Duration::from_secs(2);

/// Checks the whole course; `Ok(true)` when nothing is wrong.
pub fn check(
    course: &Course,
    harness: &Harness,
    repeat: u32,
    jobs: Option<usize>,
    only: &[String],
    explain: bool,
) -> Result<bool> {
    for name in only {
        course.get(name)?;
    }
    let tools = Tools::detect();
    let mut problems = if only.is_empty() {
        file_problems(course)
    } else {
        Vec::new()
    };
    let selected: Vec<&Exercise> = course
        .exercises
        .iter()
        .filter(|e| only.is_empty() || only.contains(&e.name))
        .collect();
    problems.extend(lint::bin_problems(course));
    problems.extend(lint::todo_problems(course));
    problems.extend(lint::hint_problems(course));
    if let Some(rustfmt) = &tools.rustfmt {
        problems.extend(lint::rustfmt_problems(course, rustfmt)?);
    }
    let jobs = jobs
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .max(1);
    let pin = pinned();
    if pin.is_none() {
        ui::info("skipped: the runs pinned to one CPU (this system cannot pin a process to a CPU)");
    }
    let bar = ui::progress(selected.len());
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    let rejections = Mutex::new(Vec::new());
    let suspects = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(selected.len()) {
            scope.spawn(|| {
                while let Some(exercise) = selected.get(next.fetch_add(1, Ordering::Relaxed)) {
                    bar.set_message(exercise.name.clone());
                    let result = check_exercise(harness, exercise, repeat, pin, &tools, explain);
                    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                    match result {
                        Ok(mut checked) => {
                            found.append(&mut checked.problems);
                            rejections
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((exercise.name.clone(), checked.rejections));
                            if checked.looked_slow {
                                let mut suspects =
                                    suspects.lock().unwrap_or_else(|e| e.into_inner());
                                suspects.push(*exercise);
                            }
                        }
                        Err(e) => found.push(format!("{}: {e:#}", exercise.name)),
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    problems.extend(found.into_inner().unwrap_or_else(|e| e.into_inner()));
    let suspects = suspects.into_inner().unwrap_or_else(|e| e.into_inner());
    problems.extend(slow_problems(harness, &suspects)?);
    if explain {
        let mut rejections = rejections.into_inner().unwrap_or_else(|e| e.into_inner());
        let order = |name: &str| course.exercises.iter().position(|e| e.name == name);
        rejections.sort_by_key(|(name, _)| order(name));
        for (_, lines) in rejections {
            lines.iter().for_each(|line| println!("{line}"));
        }
    }
    for problem in &problems {
        println!("{problem}");
    }
    for note in tools.notes() {
        println!("note: {note}");
    }
    let total = selected.len();
    if problems.is_empty() {
        println!(
            "The course is sound: {total} exercises checked, solutions passed {repeat}× each."
        );
    } else {
        println!("{} problem(s) in {total} exercises", problems.len());
    }
    Ok(problems.is_empty())
}

fn check_exercise(
    harness: &Harness,
    exercise: &Exercise,
    repeat: u32,
    pinned: Option<Pin>,
    tools: &Tools,
    explain: bool,
) -> Result<Checked> {
    // A model-checked exercise's tests explore every interleaving, the same
    // ones in every run, on one OS thread: one run proves what twenty would,
    // and pinning changes nothing.
    let (repeat, pinned) = if exercise.model_checked {
        (1, None)
    } else {
        (repeat, pinned)
    };
    let cancel = Cancel::new();
    let mut problems = Vec::new();
    let mut looked_slow = false;
    if let Some(clippy) = tools.clippy.as_deref() {
        problems.extend(lint::clippy_problem(harness, exercise, clippy)?);
    }
    // The original must fail, and the same way every time: a pass "by luck"
    // would hand a learner a free exercise. (At most 20 runs: hanging
    // originals cost a timeout each.)
    let mut first = None;
    for _ in 0..repeat.min(20) {
        let original = check::check(harness, exercise, Source::Pristine, &cancel)?;
        let expected = *first.get_or_insert(original.outcome);
        if original.outcome.passed() {
            problems.push(format!(
                "{}: the original exercise passes its hidden tests",
                exercise.name
            ));
            break;
        }
        // A missing trait (E0277) can be the lesson (a type that must become
        // `Send`); a missing or different item never is.
        if let Some(Stage::HiddenTests {
            item,
            missing_trait: false,
        }) = &original.failed_stage
        {
            problems.push(format!(
                "{}: the hidden tests do not compile against the original exercise{}: its \
                 file must declare the API they use (the course guide: in a starting state \
                 that does not compile, the only error is the intended one)",
                exercise.name,
                item.as_ref()
                    .map_or(String::new(), |i| format!(" (they cannot use `{i}`)"))
            ));
            break;
        }
        if original.outcome != expected {
            problems.push(format!(
                "{}: the original exercise fails in different ways ({expected:?}, then {:?})",
                exercise.name, original.outcome
            ));
            break;
        }
    }
    let (wrong_problems, rejections) =
        wrong_solution_problems(harness, exercise, repeat, pinned, explain)?;
    problems.extend(wrong_problems);
    let runs = (0..repeat).map(|_| Pin::No).chain(pinned);
    for (i, pin) in runs.enumerate() {
        let report = check::check_with(
            harness,
            exercise,
            Source::Solution,
            pin,
            Until::AllRun,
            &cancel,
        )?;
        if report.outcome != Outcome::Passed {
            let when = match pin {
                Pin::OneCpu => "pinned to one CPU".to_string(),
                Pin::No if i > 0 => format!(
                    "run {} of {repeat}, after passing {i}: the solution or its tests are flaky",
                    i + 1
                ),
                Pin::No => format!("run 1 of {repeat}"),
            };
            problems.push(format!(
                "{}: the solution fails ({when}):\n{}",
                exercise.name,
                ui::report_text(&report, exercise, harness.root())
            ));
            break;
        }
        if report.tests.iter().any(|t| t.elapsed > SLOW_TEST) {
            // Measured again alone, after the parallel checks: a busy
            // machine makes any test slow, and must not fail the course.
            looked_slow = true;
        }
    }
    Ok(Checked {
        problems,
        rejections,
        looked_slow,
    })
}

/// What checking one exercise found.
#[derive(Debug, Default)]
struct Checked {
    problems: Vec<String>,
    /// What rejected each known-wrong solution in its first run.
    rejections: Vec<String>,
    /// A solution's test took longer than `SLOW_TEST` in the parallel run.
    looked_slow: bool,
}

/// Times the suspects' solutions one at a time, best of two runs, and
/// reports those still slow.
fn slow_problems(harness: &Harness, suspects: &[&Exercise]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for exercise in suspects {
        let mut best: Option<(String, Duration)> = None;
        for _ in 0..2 {
            let report = check::check(harness, exercise, Source::Solution, &Cancel::new())?;
            let slowest = report
                .tests
                .iter()
                .max_by_key(|t| t.elapsed)
                .map(|t| (t.name.clone(), t.elapsed));
            if let Some(run) = slowest
                && best.as_ref().is_none_or(|b| run.1 < b.1)
            {
                best = Some(run);
            }
        }
        if let Some((name, elapsed)) = best.filter(|(_, e)| *e > SLOW_TEST) {
            problems.push(format!(
                "{}: hidden test `{name}` took {} with the solution, measured alone; \
                 tests should take milliseconds (sleep a few ms, bound hangs with `within`; one \
                 deliberate pause of about 1.5 s is the most a test waits)",
                exercise.name,
                ui::seconds(elapsed)
            ));
        }
    }
    Ok(problems)
}

/// Known-wrong solutions an exercise should have, at least.
const WRONG_WANTED: usize = 6;

/// Every known-wrong solution must fail in every run, unpinned and pinned:
/// one lucky pass is a pass a learner keeps. A run stops at the first test
/// that rejects it (the rest would mostly wait for their time limits), but
/// for the first run with `explain`, which names every test that rejects it.
fn wrong_solution_problems(
    harness: &Harness,
    exercise: &Exercise,
    repeat: u32,
    pinned: Option<Pin>,
    explain: bool,
) -> Result<(Vec<String>, Vec<String>)> {
    let root = harness.root();
    let wrong = exercise.wrong_solutions(root);
    let mut problems = Vec::new();
    let mut rejections = Vec::new();
    if wrong.len() < WRONG_WANTED {
        // Said, not failed: a course grows its wrong solutions over time.
        ui::info(&format!(
            "note: {}: {} known-wrong solution(s) in {}, {WRONG_WANTED} wanted (see the course guide)",
            exercise.name,
            wrong.len(),
            shown(root, &exercise.wrong_dir(root)),
        ));
    }
    for (i, path) in wrong.iter().enumerate() {
        let text = fs::read_to_string(path).unwrap_or_default();
        let Some(why) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// WRONG: "))
        else {
            problems.push(format!(
                "{}: does not open with `// WRONG: <what is wrong>`",
                shown(root, path)
            ));
            continue;
        };
        let runs = (0..repeat.min(20)).map(|_| Pin::No).chain(pinned);
        for (run, pin) in runs.enumerate() {
            let until = if explain && run == 0 {
                Until::AllRun
            } else {
                Until::FirstFailure
            };
            // A token per run: stopping at the first failure cancels it.
            let cancel = Cancel::new();
            let report =
                check::check_with(harness, exercise, Source::Wrong(i), pin, until, &cancel)?;
            if run == 0 && explain {
                rejections.push(ui::rejection_line(&shown(root, path), why, &report));
            }
            if report.outcome.passed() {
                let when = match pin {
                    Pin::OneCpu => "pinned to one CPU".to_string(),
                    Pin::No => format!("run {}", run + 1),
                };
                problems.push(format!(
                    "{}: a known-wrong solution passes the hidden tests ({when}): {why}",
                    shown(root, path)
                ));
                break;
            }
            if report.outcome == Outcome::Cancelled {
                break;
            }
        }
    }
    Ok((problems, rejections))
}

fn shown(root: &Path, path: &Path) -> String {
    crate::exercise::course_relative(root, path)
}

/// One pinned run where the platform can pin a process to a CPU.
fn pinned() -> Option<Pin> {
    platform::can_pin().then_some(Pin::OneCpu)
}

/// Problems with the files themselves: the rust-analyzer target list and
/// the original copies out of step with info.toml, or files nobody lists.
fn file_problems(course: &Course) -> Vec<String> {
    let root = &course.root;
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for exercise in &course.exercises {
        for (_, path) in exercise.files(root) {
            listed.insert(path);
        }
        let (live, original) = (
            fs::read(exercise.path(root, Source::Exercise)).unwrap_or_default(),
            fs::read(exercise.path(root, Source::Pristine)).unwrap_or_default(),
        );
        if live != original {
            problems.push(format!(
                "{}: {} differs from its original copy in {}: run `cargo runner dev update` \
                 after changing an exercise",
                exercise.name,
                exercise.display_path(),
                crate::exercise::PRISTINE_DIR
            ));
        }
    }
    for top in [
        "exercises",
        "solutions",
        "tests",
        crate::exercise::PRISTINE_DIR,
    ] {
        for file in rust_files(&root.join(top)) {
            let support = file == root.join("tests").join("support.rs");
            let wrong = file
                .parent()
                .is_some_and(|dir| course.exercises.iter().any(|e| e.wrong_dir(root) == dir));
            if !support && !wrong && !listed.contains(&file) {
                let shown = shown(root, &file);
                problems.push(format!("{shown}: not listed in info.toml"));
            }
        }
    }
    problems
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    crate::pristine::files_under(dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect()
}

/// `runner dev update [NAME...] [--yes]`: after an author changed
/// exercises or info.toml, lists every exercise as a binary target of
/// `exercises/Cargo.toml` (for rust-analyzer, keeping the file's comments)
/// and records exercise files as their original copies (what `reset`
/// restores, what every learner starts from).
///
/// A new exercise's original is written at once. An original that exists
/// and differs from the working file is never replaced silently: an author
/// who solved an exercise while testing would hand every learner the
/// answer. Those are shown as diffs and replaced only when named, confirmed
/// on the terminal, or with `--yes`.
pub fn update(course: &Course, names: &[String], yes: bool) -> Result<ExitCode> {
    for name in names {
        course.get(name)?;
    }
    refresh_bins(course)?;
    let root = &course.root;
    let mut written = Vec::new();
    let mut changed = Vec::new();
    for exercise in &course.exercises {
        let path = exercise.path(root, Source::Exercise);
        let code = fs::read(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", exercise.display_path()))?;
        match fs::read(exercise.path(root, Source::Pristine)) {
            Ok(original) if original == code => {}
            Ok(original) if !names.contains(&exercise.name) => {
                changed.push((exercise, original, code));
            }
            _ => {
                crate::durable::write_atomically(&exercise.path(root, Source::Pristine), &code)?;
                written.push(exercise.name.as_str());
            }
        }
    }
    println!("Updated exercises/Cargo.toml.");
    if !written.is_empty() {
        println!("Recorded as the original: {}.", written.join(", "));
    }
    if changed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "\n{} exercise file{} differ{} from the original learners start from (and `reset` \
         restores):\n",
        changed.len(),
        if changed.len() == 1 { "" } else { "s" },
        if changed.len() == 1 { "s" } else { "" }
    );
    for (exercise, original, code) in &changed {
        let original = String::from_utf8_lossy(original);
        let code = String::from_utf8_lossy(code);
        let diff = similar::TextDiff::from_lines(original.as_ref(), code.as_ref());
        let shown = exercise.display_path();
        let text = diff
            .unified_diff()
            .context_radius(2)
            .header(&format!("original {shown}"), &shown)
            .to_string();
        print!("{}", ui::neutralize(&text, ui::Keep::Nothing));
    }
    let confirmed = if yes {
        true
    } else if io::stdin().is_terminal() {
        crate::reset::confirm(
            "\nMake these the originals? [y/N] ",
            &mut io::stdin().lock(),
            &mut io::stdout(),
        )?
    } else {
        false
    };
    if !confirmed {
        let list: Vec<&str> = changed.iter().map(|(e, _, _)| e.name.as_str()).collect();
        println!(
            "\nThe originals were kept. To make the working files the originals, name them: \
             `cargo runner dev update {}` (or add --yes).",
            list.join(" ")
        );
        return Ok(ExitCode::FAILURE);
    }
    for (exercise, _, code) in &changed {
        crate::durable::write_atomically(&exercise.path(root, Source::Pristine), code)?;
    }
    println!(
        "Recorded {} new original{}.",
        changed.len(),
        if changed.len() == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Records the original of one new exercise and refreshes the [[bin]] list
/// (for `dev new`); other originals are left alone.
pub fn record_new(course: &Course, name: &str) -> Result<()> {
    refresh_bins(course)?;
    let exercise = course.get(name)?;
    let code = fs::read(exercise.path(&course.root, Source::Exercise))?;
    crate::durable::write_atomically(&exercise.path(&course.root, Source::Pristine), &code)
}

/// Lists every exercise as a binary target of `exercises/Cargo.toml`,
/// editing it in place so its comments stay.
fn refresh_bins(course: &Course) -> Result<()> {
    let manifest = course.root.join("exercises").join("Cargo.toml");
    let text = fs::read_to_string(&manifest)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", manifest.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| anyhow::anyhow!("{} is not valid TOML: {e}", manifest.display()))?;
    let mut bins = toml_edit::ArrayOfTables::new();
    for exercise in &course.exercises {
        let mut bin = toml_edit::Table::new();
        bin["name"] = toml_edit::value(exercise.name.as_str());
        bin["path"] = toml_edit::value(format!("{}/{}.rs", exercise.dir, exercise.name));
        bins.push(bin);
    }
    doc["bin"] = toml_edit::Item::ArrayOfTables(bins);
    crate::durable::write_atomically(&manifest, doc.to_string().as_bytes())
}
