//! The command line: what a learner, a teacher or CI can ask for.

use clap::{Parser, Subcommand};

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
    },
    /// Check every exercise in course order.
    Verify(VerifyArgs),
    /// Show the hint of an exercise (default: the current one).
    Hint { name: Option<String> },
    /// List every exercise with its topic and status.
    List,
    /// Restore an exercise's original text; your version is kept as a backup.
    Reset {
        /// The exercise's name, as in `runner list`.
        name: String,
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
    },
    /// After changing exercises or info.toml: refresh the exercise list of
    /// exercises/Cargo.toml and the original copies `reset` restores.
    Update,
}
