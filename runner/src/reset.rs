//! `runner reset`: restoring an exercise (or, with `--all`, every changed
//! one) to its original text, byte for byte, from the course's pristine
//! copy, after keeping the learner's version as a backup.

use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::durable::write_atomically;
use crate::exercise::{Exercise, Source};
use crate::manifest::Course;
use crate::state::{LOCAL_DIR, Store};

/// `runner reset NAME`, or `runner reset --all [--yes]`.
pub fn command(
    course: &Course,
    store: &Store,
    name: Option<&str>,
    all: bool,
    yes: bool,
) -> Result<ExitCode> {
    let exercises: Vec<&Exercise> = match name {
        Some(name) if !all => vec![course.get(name)?],
        _ => {
            let changed = changed(course)?;
            if changed.is_empty() {
                println!("Every exercise already is in its original state.");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} exercise{} differ{} from the original:",
                changed.len(),
                if changed.len() == 1 { "" } else { "s" },
                if changed.len() == 1 { "s" } else { "" }
            );
            for exercise in &changed {
                println!("  {}", exercise.display_path());
            }
            if !yes {
                let stdin = io::stdin();
                if !stdin.is_terminal() {
                    bail!(
                        "not resetting the exercises listed above without a confirmation, and \
                         there is no terminal to ask on\n\
                         Run `cargo runner reset --all --yes` to reset them."
                    );
                }
                let question = if changed.len() == 1 {
                    format!(
                        "Restore it to the original? Your version is kept in \
                         {LOCAL_DIR}/backups/. [y/N] "
                    )
                } else {
                    format!(
                        "Restore them to the originals? Your versions are kept in \
                         {LOCAL_DIR}/backups/. [y/N] "
                    )
                };
                if !confirm(&question, &mut stdin.lock(), &mut io::stdout())? {
                    println!("Nothing was reset.");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            changed
        }
    };
    let mut restored = Vec::new();
    for exercise in exercises {
        match reset(&course.root, exercise)? {
            Reset::AlreadyOriginal => println!(
                "{} already is in its original state.",
                exercise.display_path()
            ),
            Reset::Restored { backup } => {
                println!(
                    "Restored {} to its original state.",
                    exercise.display_path()
                );
                if let Some(backup) = backup {
                    let shown = crate::exercise::course_relative(&course.root, &backup);
                    println!("Your version is saved as {shown}");
                }
                restored.push(exercise.name.clone());
            }
        }
    }
    // The earliest exercise reset (in course order) is where the learner
    // picks up again: it becomes the current one.
    if let Some(first) = course.exercises.iter().find(|e| restored.contains(&e.name)) {
        store.update(course, |state| {
            for name in &restored {
                state.done.remove(name);
            }
            state.current = Some(first.name.clone());
        })?;
        println!("{} is now the current exercise.", first.name);
    }
    Ok(ExitCode::SUCCESS)
}

/// The exercises whose file differs from the original (or is missing).
fn changed(course: &Course) -> Result<Vec<&Exercise>> {
    let mut changed = Vec::new();
    for exercise in &course.exercises {
        let original = read_original(&course.root, exercise)?;
        let current = fs::read(exercise.path(&course.root, Source::Exercise)).ok();
        if current.as_deref() != Some(original.as_slice()) {
            changed.push(exercise);
        }
    }
    Ok(changed)
}

/// Asks a yes/no question; only `y` or `yes` is a yes.
pub fn confirm(question: &str, input: &mut impl BufRead, output: &mut impl Write) -> Result<bool> {
    write!(output, "{question}")?;
    output.flush()?;
    let mut answer = String::new();
    input
        .read_line(&mut answer)
        .context("cannot read the answer")?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Reset {
    /// The file already was the original; nothing changed.
    AlreadyOriginal,
    /// Restored; the learner's version, if there was one, is kept there.
    Restored { backup: Option<PathBuf> },
}

fn read_original(root: &Path, exercise: &Exercise) -> Result<Vec<u8>> {
    let path = exercise.path(root, Source::Pristine);
    fs::read(&path).with_context(|| {
        format!(
            "cannot read the original of `{}` ({})",
            exercise.name,
            path.display()
        )
    })
}

pub fn reset(root: &Path, exercise: &Exercise) -> Result<Reset> {
    let original = read_original(root, exercise)?;
    let path = exercise.path(root, Source::Exercise);
    let backup = match fs::read(&path) {
        Ok(current) if current == original => return Ok(Reset::AlreadyOriginal),
        Ok(current) => Some(backup(root, exercise, &current)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    write_atomically(&path, &original)?;
    Ok(Reset::Restored { backup })
}

/// Saves `content` under `.runner/backups/<dir>/<name>.<time>.rs`, never
/// overwriting an earlier backup.
fn backup(root: &Path, exercise: &Exercise, content: &[u8]) -> Result<PathBuf> {
    let dir = root.join(LOCAL_DIR).join("backups").join(&exercise.dir);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stamp = humantime::format_rfc3339_seconds(SystemTime::now())
        .to_string()
        .replace(':', "-");
    let mut path = dir.join(format!("{}.{stamp}.rs", exercise.name));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{}.{stamp}.{n}.rs", exercise.name));
    }
    write_atomically(&path, content)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_confirms() {
        for (answer, expected) in [
            ("y\n", true),
            ("YES\n", true),
            ("\n", false),
            ("n\n", false),
            ("", false),
            ("yep\n", false),
        ] {
            let mut shown = Vec::new();
            let got = confirm("Go? ", &mut answer.as_bytes(), &mut shown).expect("answer read");
            assert_eq!(got, expected, "answer {answer:?}");
            assert_eq!(shown, b"Go? ");
        }
    }
}
