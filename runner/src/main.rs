//! `runner`: the grader of the Rust concurrency course. See `runner --help`.

mod app;
mod check;
mod cli;
mod dev;
mod durable;
mod edition;
mod exercise;
mod forbidden;
mod harness;
mod hidden;
mod lint;
mod manifest;
mod platform;
mod pristine;
mod probe;
mod process;
mod program;
mod report;
mod reset;
mod scaffold;
mod sealed;
mod state;
mod toolchain;
mod ui;
mod verify;
mod watch;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    ui::init(cli.color);
    platform::init();
    // A reader that went away (`runner verify | head -1`) ends the command
    // quietly: printing panics on a closed stdout, and that panic is caught.
    ui::quiet_on_closed_stdout();
    let ran = std::panic::catch_unwind(|| app::run(cli));
    let code = match ran {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            ui::error(&error);
            ExitCode::from(2)
        }
        Err(payload) if ui::is_closed_stdout(&*payload) => ExitCode::SUCCESS,
        Err(payload) => std::panic::resume_unwind(payload),
    };
    // A command stopped by a signal ends as the signal would have ended it.
    match process::interrupted() {
        Some(signal) => ExitCode::from(128u8.saturating_add(signal as u8)),
        None => code,
    }
}
