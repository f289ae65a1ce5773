//! The command line: what a learner, a teacher or CI can ask for.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::Format;
use crate::ui::ColorChoice;

const EXIT_CODES: &str = "\
Exit codes:
  0  success: the exercise passes, every exercise passes, or the command did its job
  1  an exercise does not pass (compile error, failed test, time-out, crash)
  2  the command could not run: bad arguments, an invalid info.toml, a missing file";

/// Grades the exercises of the Rust concurrency course.
///
/// Without a command, starts watch mode: edit the current exercise, save,
/// and see at once whether it passes its hidden tests.
#[derive(Debug, Parser)]
#[command(version, after_help = EXIT_CODES)]
pub struct Cli {
    /// When to colour the output (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Watch the current exercise and re-check it on every save (the default).
    Watch(WatchArgs),
    /// Check one exercise (default: the current one).
    Run {
        /// The exercise's name, as in `runner list`.
        name: Option<String>,
        /// Run the exercise's own `main` (its demo) instead of its tests,
        /// under the same limits, and show what it prints.
        #[arg(long)]
        main: bool,
    },
    /// Check every exercise in course order.
    Verify(VerifyArgs),
    /// Open the next hint of an exercise (default: the current one): each
    /// call shows one more rung, from the cause to the cure.
    Hint {
        name: Option<String>,
        /// Show every rung at once.
        #[arg(long)]
        all: bool,
    },
    /// List every exercise with its topic and status.
    List,
    /// Restore an exercise's original text (or every exercise's, with
    /// `--all`); your versions are kept as backups.
    Reset {
        /// The exercise's name, as in `runner list`.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        name: Option<String>,
        /// Restore every exercise that differs from its original.
        #[arg(long)]
        all: bool,
        /// Do not ask before restoring every exercise (needed with `--all`
        /// when not on a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Commands for the course's authors.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Debug, Default, clap::Args)]
pub struct WatchArgs {
    /// Poll for changes instead of using the system's file watcher.
    #[arg(long)]
    pub poll: bool,
    /// Do not watch files: check when you press `r`.
    #[arg(long, conflicts_with = "poll")]
    pub manual: bool,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Check every exercise instead of stopping at the first failure.
    #[arg(long)]
    pub keep_going: bool,
    /// Check the reference solutions instead of the exercises.
    #[arg(long)]
    pub solutions: bool,
    /// The report's format: lines for people, or a report for CI (JSON or
    /// JUnit XML). With a report on stdout, the lines for people go to stderr.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run each exercise's tests N times: one that passes only some of them
    /// is `flaky`, which counts as a failure.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Grade with the hidden tests and info.toml of git revision REV (the
    /// course as published), and name the hidden files that differ from it.
    #[arg(long, value_name = "REV")]
    pub pristine: Option<String>,
    /// Build everything in a new private folder instead of `target/runner`,
    /// trusting no cached build (the default in CI, where `CI` is set, and
    /// with `--pristine`).
    #[arg(long)]
    pub fresh: bool,
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Check the whole course: every solution passes (repeatedly), every
    /// original exercise fails, and the files match info.toml.
    Check {
        /// How many times each solution's tests must pass.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
        repeat: u32,
        /// How many exercises to check at once (default: the number of CPUs).
        #[arg(long)]
        jobs: Option<usize>,
        /// Also show, for each known-wrong solution, which hidden tests
        /// rejected it in its first run (to see that it fails for its own
        /// reason, not by accident).
        #[arg(long)]
        explain: bool,
        /// Check only these exercises (default: all, and the course's files).
        names: Vec<String>,
    },
    /// After changing exercises or info.toml: refresh the exercise list of
    /// exercises/Cargo.toml and record new exercises' originals (what
    /// learners start from and `reset` restores). A changed original is
    /// shown as a diff and replaced only when named, confirmed, or --yes.
    Update {
        /// Make these exercises' working files their originals.
        names: Vec<String>,
        /// Replace every changed original without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Add an exercise: its exercise, solution and hidden-test files from
    /// templates that follow the course guide, and its info.toml entry.
    New {
        /// The new exercise's name ([a-z0-9_]+, unique in the course).
        name: String,
        /// Its topic folder, e.g. `03_channels` (created when new).
        #[arg(long)]
        dir: String,
        /// Place it right after this exercise (default: at the end of its
        /// topic, or of the course for a new topic).
        #[arg(long, value_name = "NAME")]
        after: Option<String>,
    },
    /// Write the learner edition: the course as learners get it (exercises
    /// as they start, hidden tests, info.toml, the runner, the grading
    /// workflow) without the solutions, known-wrong solutions or authors'
    /// files. Publish the folder as the learners' repository.
    Edition {
        /// A new or empty folder outside the course.
        out: std::path::PathBuf,
        /// `sealed`: carry the reference solutions encoded in one file, each
        /// written to solutions/ when its exercise passes (as rustlings
        /// does; a determined learner can decode them). `none`: carry none.
        #[arg(long, value_enum, default_value_t = crate::edition::Solutions::Sealed)]
        solutions: crate::edition::Solutions,
    },
}
