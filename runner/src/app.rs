//! Dispatches a parsed command line to the code that carries it out, and
//! turns the result into an exit code (0 success, 1 not passing, 2 error).

use std::process::ExitCode;

use anyhow::Result;

use crate::check;
use crate::cli::{Cli, Command, DevCommand, WatchArgs};
use crate::dev;
use crate::edition;
use crate::exercise::Source;
use crate::harness::Harness;
use crate::manifest::{self, Course, Files};
use crate::platform::{self, Confinement};
use crate::process::{self, Cancel};
use crate::reset;
use crate::scaffold;
use crate::sealed::{self, Reference};
use crate::state::Store;
use crate::ui;
use crate::verify;
use crate::watch;

pub fn run(cli: Cli) -> Result<ExitCode> {
    // Every command stops its children on Ctrl-C, SIGTERM and SIGHUP.
    process::stop_children_on_termination()?;
    let cwd = std::env::current_dir()?;
    let root = manifest::find_root(&cwd)?;
    let load = |files| manifest::load(&root, files);
    let store = Store::new(&root);
    match cli.command {
        None => watch::run(load(Files::Learner)?, &store, &WatchArgs::default()),
        Some(Command::Watch(args)) => watch::run(load(Files::Learner)?, &store, &args),
        Some(Command::Run { name, main: false }) => run_one(&load(Files::Learner)?, &store, name),
        Some(Command::Run { name, main: true }) => run_main(&load(Files::Learner)?, &store, name),
        // Loads the manifest itself (the course's, or a git revision's with
        // --pristine) and reports even a broken one in the chosen format.
        Some(Command::Verify(args)) => verify::command(&root, &args),
        Some(Command::Hint { name, all }) => {
            let course = load(Files::Learner)?;
            let (state, warnings) = store.load(&course)?;
            warnings.iter().for_each(|w| ui::warn(w));
            let name = name.unwrap_or_else(|| state.current(&course).to_string());
            let exercise = course.get(&name)?;
            let total = exercise.hints.len();
            let (opened, _) = store.update(&course, |s| s.open_hints(&name, total, all))?;
            print!("{}", ui::hints_text(exercise, opened));
            if opened < total {
                println!(
                    "\n{} more: `cargo runner hint {name}` opens the next, `--all` every one.",
                    total - opened
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List) => {
            let course = load(Files::Learner)?;
            let (state, warnings) = store.load(&course)?;
            warnings.iter().for_each(|w| ui::warn(w));
            print!("{}", ui::list_text(&course, &state));
            Ok(ExitCode::SUCCESS)
        }
        // Reset is how missing exercise files come back.
        Some(Command::Reset { name, all, yes }) => reset::command(
            &load(Files::LearnerButExercises)?,
            &store,
            name.as_deref(),
            all,
            yes,
        ),
        Some(Command::Dev(DevCommand::Check {
            repeat,
            jobs,
            explain,
            names,
        })) => {
            let course = load(Files::All)?;
            let harness = prepare(&course)?;
            Ok(exit(dev::check(
                &course, &harness, repeat, jobs, &names, explain,
            )?))
        }
        // These two create the original copies.
        Some(Command::Dev(DevCommand::Update { names, yes })) => {
            dev::update(&load(Files::NoOriginals)?, &names, yes)
        }
        Some(Command::Dev(DevCommand::Edition { out, solutions })) => {
            // Sealing needs the solutions; an edition without them can be
            // made from anywhere, another edition included.
            let course = load(match solutions {
                edition::Solutions::Sealed => Files::All,
                edition::Solutions::None => Files::Learner,
            })?;
            let written = edition::build(&course, &out, solutions)?;
            print!("{}", ui::edition_text(&out, &written));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Dev(DevCommand::New { name, dir, after })) => {
            scaffold::new(&load(Files::NoOriginals)?, &name, &dir, after.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn exit(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The compiler settings, building the shared crates on first use. Says
/// once when this machine cannot confine the tests.
pub fn prepare(course: &Course) -> Result<Harness> {
    prepare_in(course, &course.root.join("target").join("runner"))
}

/// `prepare`, building in `dir`.
pub fn prepare_in(course: &Course, dir: &std::path::Path) -> Result<Harness> {
    if let Confinement::LimitsOnly(reason) = platform::confinement() {
        ui::info(&format!(
            "notice: tests run with time, memory and thread limits but without file \
             confinement ({reason}); see \"How your code is run\" in the README"
        ));
    }
    Harness::prepare_in(&course.root, dir, ui::color_enabled(), |crates| {
        ui::info(&format!(
            "Compiling the crates exercises may use ({crates}); this happens once."
        ))
    })
}

/// `runner run --main`: the exercise's demo, not its tests; progress is
/// not touched. The exit code is the program's verdict: 0 when `main`
/// returned normally.
fn run_main(course: &Course, store: &Store, name: Option<String>) -> Result<ExitCode> {
    let (state, warnings) = store.load(course)?;
    warnings.iter().for_each(|w| ui::warn(w));
    let name = name.unwrap_or_else(|| state.current(course).to_string());
    let exercise = course.get(&name)?;
    let harness = prepare(course)?;
    let program = crate::program::run(&harness, exercise, &Cancel::new())?;
    print!("{}", ui::program_text(exercise, &program));
    Ok(match program {
        crate::program::Program::Ran {
            end: crate::program::End::Exited(0),
            ..
        } => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

fn run_one(course: &Course, store: &Store, name: Option<String>) -> Result<ExitCode> {
    let (state, warnings) = store.load(course)?;
    warnings.iter().for_each(|w| ui::warn(w));
    let name = name.unwrap_or_else(|| state.current(course).to_string());
    let exercise = course.get(&name)?;
    let harness = prepare(course)?;
    let report = check::check(&harness, exercise, Source::Exercise, &Cancel::new())?;
    print!("{}", ui::report_text(&report, exercise, &course.root));
    if !report.outcome.passed() {
        return Ok(ExitCode::from(1));
    }
    let (next, state) = store.update(course, |s| s.complete(course, &exercise.name))?;
    // A solution that cannot be shown must not spoil the pass.
    match sealed::reveal(course, exercise) {
        Ok(Reference::Absent) => {}
        Ok(reference) => print!("{}", ui::solution_text(course, &reference)),
        Err(e) => ui::warn(&format!("{e:#}")),
    }
    if state.done.len() == course.exercises.len() {
        println!("\nEvery exercise is done!\n\n{}", course.final_message);
    } else if let Some(next) = next.filter(|n| *n != exercise.name) {
        println!("\nNext up: {next} (cargo runner run {next})");
    }
    Ok(ExitCode::SUCCESS)
}
