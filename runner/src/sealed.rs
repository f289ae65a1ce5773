//! The reference solutions a learner edition carries sealed: encoded in one
//! file (`.course/solutions.toml`) so that nobody reads one by accident, and
//! written out to `solutions/` one at a time, when its exercise passes (as
//! rustlings does).
//!
//! Sealed is not secret: the encoding is base64 and a determined learner can
//! decode it. A teacher who wants no answers in the repository at all builds
//! the edition with `--solutions none`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::durable;
use crate::exercise::{Exercise, Source};
use crate::manifest::Course;

/// Where a learner edition keeps its sealed solutions, from the course root.
pub const SEALED: &str = ".course/solutions.toml";

const HEADER: &str = "\
# The course's reference solutions, sealed (base64) so that nobody reads one
# by accident. `cargo runner` writes each to solutions/ when its exercise
# passes. Written by `cargo runner dev edition`; do not edit.
";

#[derive(Serialize, Deserialize)]
struct Pack {
    /// Exercise name → the solution file, base64.
    solutions: BTreeMap<String, String>,
}

/// Where the reference solution of a passed exercise is, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// In `solutions/` already (the authoring repository, or revealed before).
    Present(PathBuf),
    /// Just unsealed into `solutions/`.
    Revealed(PathBuf),
    /// The course carries no solution for this exercise.
    Absent,
}

impl Reference {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Reference::Present(path) | Reference::Revealed(path) => Some(path),
            Reference::Absent => None,
        }
    }
}

/// Seals every exercise's solution into the text of a pack file.
pub fn seal(course: &Course) -> Result<String> {
    let mut solutions = BTreeMap::new();
    for exercise in &course.exercises {
        let path = exercise.path(&course.root, Source::Solution);
        let text = std::fs::read(&path)
            .with_context(|| format!("cannot read the solution {}", path.display()))?;
        solutions.insert(exercise.name.clone(), STANDARD.encode(text));
    }
    let body = toml::to_string(&Pack { solutions }).context("cannot encode the solutions")?;
    Ok(format!("{HEADER}\n{body}"))
}

/// After `exercise` passed: its reference solution, unsealed into
/// `solutions/` when the course carries it sealed and it is not there yet.
pub fn reveal(course: &Course, exercise: &Exercise) -> Result<Reference> {
    let path = exercise.path(&course.root, Source::Solution);
    if path.is_file() {
        return Ok(Reference::Present(path));
    }
    let pack_path = course.root.join(SEALED);
    let text = match std::fs::read_to_string(&pack_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Reference::Absent),
        Err(e) => return Err(e).with_context(|| format!("cannot read {SEALED}")),
    };
    let pack: Pack = toml::from_str(&text)
        .with_context(|| format!("{SEALED} is damaged: the reference solutions cannot be shown"))?;
    let Some(encoded) = pack.solutions.get(&exercise.name) else {
        return Ok(Reference::Absent);
    };
    let solution = STANDARD.decode(encoded).with_context(|| {
        format!(
            "{SEALED} is damaged: the solution of `{}` cannot be decoded",
            exercise.name
        )
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    durable::write_atomically(&path, &solution)?;
    Ok(Reference::Revealed(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{self, Files};

    fn course(dir: &Path) -> Course {
        std::fs::write(
            dir.join("info.toml"),
            "format_version = 1\n\n[[exercises]]\nname = \"one\"\ndir = \"t\"\nhints = [\"a\", \"b\"]\n",
        )
        .expect("fixture");
        for top in ["exercises", "tests", ".course/pristine", "solutions"] {
            std::fs::create_dir_all(dir.join(top).join("t")).expect("fixture");
            std::fs::write(dir.join(top).join("t/one.rs"), format!("// {top}\n")).expect("fixture");
        }
        manifest::load(dir, Files::All).expect("fixture")
    }

    #[test]
    fn a_sealed_solution_is_unreadable_until_revealed_then_exact() {
        let dir = tempfile::tempdir().expect("fixture");
        let course = course(dir.path());
        let sealed = seal(&course).expect("seal");
        assert!(!sealed.contains("// solutions"), "{sealed}");
        std::fs::remove_dir_all(dir.path().join("solutions")).expect("fixture");
        std::fs::write(dir.path().join(SEALED), sealed).expect("fixture");

        let reference = reveal(&course, &course.exercises[0]).expect("reveal");
        let path = dir.path().join("solutions/t/one.rs");
        assert_eq!(reference, Reference::Revealed(path.clone()));
        assert_eq!(
            std::fs::read_to_string(&path).expect("fixture"),
            "// solutions\n"
        );
        let again = reveal(&course, &course.exercises[0]).expect("reveal");
        assert_eq!(again, Reference::Present(path));
    }

    #[test]
    fn without_a_pack_there_is_no_solution_and_a_damaged_pack_is_named() {
        let dir = tempfile::tempdir().expect("fixture");
        let course = course(dir.path());
        std::fs::remove_dir_all(dir.path().join("solutions")).expect("fixture");
        assert_eq!(
            reveal(&course, &course.exercises[0]).expect("reveal"),
            Reference::Absent
        );
        std::fs::write(dir.path().join(SEALED), "solutions = 3").expect("fixture");
        let error = reveal(&course, &course.exercises[0]).expect_err("a damaged pack is an error");
        assert!(format!("{error:#}").contains(SEALED), "{error:#}");
    }
}
