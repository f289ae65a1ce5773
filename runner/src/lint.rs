//! The static checks of `dev check`, on the course's files rather than on
//! test runs: every exercise has a `// TODO`, solutions are rustfmt-clean
//! and clippy-clean, and the `[[bin]]` list of `exercises/Cargo.toml` is in
//! step with `info.toml`.
//!
//! rustfmt and clippy are run directly (`rustfmt --check`, `clippy-driver`
//! on the solution file), not through cargo, so no build lock is taken and
//! each solution is linted on its own. Where a tool is not installed its
//! check is skipped with a note, not failed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::exercise::{Exercise, Source};
use crate::harness::{EDITION, Harness};
use crate::manifest::Course;
use crate::process::{self, Cancel, Finish, Limits};

const LINT_LIMITS: Limits = Limits {
    timeout: Duration::from_secs(120),
    output_cap: 64 * 1024,
};

/// The marker every exercise carries where the learner must edit.
const TODO: &str = "// TODO";

/// The linters found on this machine.
#[derive(Debug, Clone)]
pub struct Tools {
    pub rustfmt: Option<PathBuf>,
    pub clippy: Option<PathBuf>,
}

impl Tools {
    /// Looks for `rustfmt` and `clippy-driver` (or `$RUSTFMT`,
    /// `$CLIPPY_DRIVER`).
    pub fn detect() -> Self {
        let find = |variable: &str, default: &str| {
            let tool =
                std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
            Command::new(&tool)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
                .then_some(tool)
        };
        Tools {
            rustfmt: find("RUSTFMT", "rustfmt"),
            clippy: find("CLIPPY_DRIVER", "clippy-driver"),
        }
    }

    /// Notes on the checks that were skipped.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.rustfmt.is_none() {
            notes.push(
                "rustfmt was not found: solutions were not checked for formatting \
                 (`rustup component add rustfmt`)"
                    .to_string(),
            );
        }
        if self.clippy.is_none() {
            notes.push(
                "clippy-driver was not found: solutions were not linted \
                 (`rustup component add clippy`)"
                    .to_string(),
            );
        }
        notes
    }
}

/// Rungs a hint ladder needs at least: the cause, then the cure.
const MIN_HINT_RUNGS: usize = 2;

/// Hint ladders too short to be a ladder: a single hint is the whole
/// answer at once.
pub fn hint_problems(course: &Course) -> Vec<String> {
    course
        .exercises
        .iter()
        .filter(|e| e.hints.len() < MIN_HINT_RUNGS)
        .map(|e| {
            format!(
                "{}: its hint ladder has {} rung(s), {MIN_HINT_RUNGS} at least: the cause \
                 first, the cure last (`hints = [...]` in info.toml)",
                e.name,
                e.hints.len()
            )
        })
        .collect()
}

/// Exercises without a `// TODO` marker.
pub fn todo_problems(course: &Course) -> Vec<String> {
    course
        .exercises
        .iter()
        .filter(|e| {
            std::fs::read_to_string(e.path(&course.root, Source::Exercise))
                .is_ok_and(|code| !code.contains(TODO))
        })
        .map(|e| {
            format!(
                "{}: {} has no `{TODO}` marker: put one at every place the learner must edit",
                e.name,
                e.display_path()
            )
        })
        .collect()
}

/// Solutions that `rustfmt --check` would change (one rustfmt run).
pub fn rustfmt_problems(course: &Course, rustfmt: &Path) -> Result<Vec<String>> {
    let files: Vec<String> = course
        .exercises
        .iter()
        .map(|e| format!("solutions/{}/{}.rs", e.dir, e.name))
        .collect();
    let mut command = Command::new(rustfmt);
    command
        .current_dir(&course.root)
        .args(["--check", "--files-with-diff", "--edition", EDITION])
        .args(&files);
    let ran = process::run(command, LINT_LIMITS, &Cancel::new())
        .with_context(|| format!("cannot run `{}`", rustfmt.display()))?;
    let text = ran.output.text();
    let mut problems = Vec::new();
    for exercise in &course.exercises {
        let file = format!("solutions/{}/{}.rs", exercise.dir, exercise.name);
        // rustfmt names the files as absolute paths.
        if text.lines().any(|l| Path::new(l.trim()).ends_with(&file)) {
            problems.push(format!(
                "{}: {file} is not rustfmt-clean: run `rustfmt --edition {EDITION} {file}`",
                exercise.name
            ));
        }
    }
    let failed = !matches!(ran.finish, Finish::Exited(status) if status.success());
    if problems.is_empty() && failed {
        // rustfmt failed without naming a file: a syntax error, say.
        problems.push(format!(
            "rustfmt could not check the solutions:\n{}",
            text.trim_end()
        ));
    }
    Ok(problems)
}

/// Lints one solution with clippy; `Some(output)` when clippy has
/// something to say.
pub fn clippy_problem(
    harness: &Harness,
    exercise: &Exercise,
    clippy: &Path,
) -> Result<Option<String>> {
    let out_dir = tempfile::tempdir().context("cannot create a folder for clippy's output")?;
    let file = format!("solutions/{}/{}.rs", exercise.dir, exercise.name);
    let mut command = Command::new(clippy);
    command
        .current_dir(harness.root())
        .args([
            "--edition",
            EDITION,
            "--crate-type",
            "bin",
            "--crate-name",
            "solution",
        ])
        .args(["--emit=metadata", "--color", "never", "-A", "dead_code"])
        .arg("-o")
        .arg(out_dir.path().join("solution.rmeta"))
        .args(harness.extern_args())
        .arg(&file);
    let ran = process::run(command, LINT_LIMITS, &Cancel::new())
        .with_context(|| format!("cannot run `{}`", clippy.display()))?;
    let text = ran.output.text();
    let clean = matches!(ran.finish, Finish::Exited(status) if status.success())
        && !text.contains("warning");
    Ok((!clean).then(|| {
        format!(
            "{}: clippy is not happy with {file}:\n{}",
            exercise.name,
            text.trim_end()
        )
    }))
}

/// Whether `exercises/Cargo.toml` lists every exercise, in course order,
/// and nothing else, as `[[bin]]` targets (what `dev update` writes).
pub fn bin_problems(course: &Course) -> Vec<String> {
    let path = course.root.join("exercises").join("Cargo.toml");
    let fix = "run `cargo runner dev update`";
    let table: toml::Table = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| toml::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(table) => table,
        Err(e) => return vec![format!("exercises/Cargo.toml cannot be read: {e}")],
    };
    let listed: Vec<(String, String)> = table
        .get("bin")
        .and_then(toml::Value::as_array)
        .map(|bins| {
            bins.iter()
                .map(|bin| {
                    let field = |key: &str| {
                        bin.get(key)
                            .and_then(toml::Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    (field("name"), field("path"))
                })
                .collect()
        })
        .unwrap_or_default();
    let expected: Vec<(String, String)> = course
        .exercises
        .iter()
        .map(|e| (e.name.clone(), format!("{}/{}.rs", e.dir, e.name)))
        .collect();
    if listed == expected {
        return Vec::new();
    }
    let missing: Vec<&str> = expected
        .iter()
        .filter(|e| !listed.contains(e))
        .map(|(name, _)| name.as_str())
        .collect();
    let extra: Vec<String> = listed
        .iter()
        .filter(|l| !expected.contains(l))
        .map(|(name, path)| format!("{name} ({path})"))
        .collect();
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!("missing {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        why.push(format!("not in info.toml: {}", extra.join(", ")));
    }
    if why.is_empty() {
        why.push("not in course order".to_string());
    }
    vec![format!(
        "exercises/Cargo.toml: the [[bin]] list is out of step with info.toml ({}): {fix}",
        why.join("; ")
    )]
}
