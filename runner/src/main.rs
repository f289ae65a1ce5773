//! `runner`: the grader of the Rust concurrency course. See `runner --help`.

mod app;
mod check;
mod cli;
mod dev;
mod durable;
mod exercise;
mod harness;
mod lint;
mod manifest;
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
    app::run(cli).unwrap_or_else(|error| {
        ui::error(&error);
        ExitCode::from(2)
    })
}
