//! `runner`: the grader of the Rust concurrency course. See `runner --help`.

mod app;
mod check;
mod cli;
mod dev;
mod durable;
mod exercise;
mod harness;
mod hidden;
mod lint;
mod manifest;
mod platform;
mod pristine;
mod process;
mod report;
mod reset;
mod scaffold;
mod state;
mod ui;
mod verify;
mod watch;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    ui::init(cli.color);
    platform::init();
    let code = app::run(cli).unwrap_or_else(|error| {
        ui::error(&error);
        ExitCode::from(2)
    });
    // A command stopped by a signal ends as the signal would have ended it.
    match process::interrupted() {
        Some(signal) => ExitCode::from(128u8.saturating_add(signal as u8)),
        None => code,
    }
}
