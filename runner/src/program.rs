//! Running an exercise's own `main`: the demo its text asks learners to run
//! ("run this file and count the lines"). It is built like the tests and
//! confined like them: the same sandbox, memory, thread and time limits,
//! and its whole process tree killed at the end.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::exercise::{Exercise, Source};
use crate::harness::{Compiled, Harness};
use crate::platform::{self, Confine, Exit, Sandbox};
use crate::process::{self, Cancel, Finish, Input, Limits};

/// How a run of `main` went.
#[derive(Debug)]
pub enum Program {
    /// It does not compile: the compiler's output.
    DoesNotCompile(String),
    /// It ran; what it printed, and how it ended.
    Ran {
        output: String,
        end: End,
        elapsed: Duration,
    },
    Cancelled,
}

/// How the program ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Exited(i32),
    /// Killed by the system or itself: the cause.
    Killed(String),
    /// Stopped at the exercise's time limit.
    TimedOut(Duration),
}

/// Builds and runs `main` of `exercise` (the learner's file).
pub fn run(harness: &Harness, exercise: &Exercise, cancel: &Cancel) -> Result<Program> {
    let binary = match harness.compile_main(exercise, Source::Exercise, cancel)? {
        Compiled::Binary { path, .. } => path,
        Compiled::Failed { output, .. } | Compiled::TimedOut { output } => {
            return Ok(Program::DoesNotCompile(output));
        }
        Compiled::Cancelled => return Ok(Program::Cancelled),
    };
    let scratch = tempfile::Builder::new()
        .prefix("runner-main-")
        .tempdir()
        .context("cannot create a temporary folder for the program")?;
    let mut command = Command::new(&binary);
    command
        .current_dir(scratch.path())
        .env("TMPDIR", scratch.path());
    let input = Input {
        confine: Confine::Test(Sandbox {
            memory: exercise.memory_limit,
            tasks: exercise.task_limit,
            one_cpu: false,
            scratch: scratch.path().to_path_buf(),
            program: binary.clone(),
        }),
        ..Input::default()
    };
    let limits = Limits {
        timeout: exercise.timeout,
        output_cap: exercise.output_limit,
    };
    let ran =
        process::run_with(command, input, limits, cancel).context("cannot run the program")?;
    let end = match ran.finish {
        Finish::Exited(status) => match platform::describe_exit(status) {
            Exit::Code(code) => End::Exited(code),
            Exit::Killed(how) => End::Killed(how),
        },
        Finish::TimedOut => End::TimedOut(exercise.timeout),
        Finish::Cancelled => return Ok(Program::Cancelled),
    };
    Ok(Program::Ran {
        output: ran.output.text(),
        end,
        elapsed: ran.elapsed,
    })
}
