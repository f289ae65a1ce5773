//! `dev edition`: the learner edition of a course, a folder to publish as
//! the learners' repository (or a GitHub Classroom template). It holds what
//! a learner needs (exercises as they start, hidden tests, info.toml, the
//! runner, the grading workflow, the docs the README links to) and no
//! answers in plain sight: no `solutions/`, no known-wrong solutions, no
//! course self-check.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::durable;
use crate::exercise::{PRISTINE_DIR, Source};
use crate::manifest::{self, Course, Files, MANIFEST};
use crate::sealed;

/// What the edition carries of the reference solutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Solutions {
    /// Sealed in one file, each written to `solutions/` when its exercise
    /// passes (readable by a determined learner: base64, not encryption).
    Sealed,
    /// None at all.
    None,
}

/// Top-level files and folders a learner edition takes from the course, as
/// they are (the exercises come from their originals instead). Anything
/// else (solutions, the course's own CI and its workflow) stays behind.
const TAKEN: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    MANIFEST,
    "README.md",
    "LICENSE",
    ".gitignore",
    ".cargo",
    "tests",
    PRISTINE_DIR,
    "runner",
    "docs",
    "CONTRIBUTING.md",
    ".github/workflows/verify.yml",
];

/// Inside the taken folders, what stays behind: build output, and the
/// runner's course self-check (it needs the solutions).
fn left_behind(relative: &Path) -> bool {
    relative.components().any(|c| c.as_os_str() == "target")
        || relative == Path::new("runner/tests/course.rs")
}

/// What was written, for the summary.
pub struct Edition {
    pub files: usize,
    pub sealed: bool,
}

/// Builds the learner edition of `course` in `out`, a new or empty folder
/// outside the course.
pub fn build(course: &Course, out: &Path, solutions: Solutions) -> Result<Edition> {
    let root = &course.root;
    check_destination(root, out)?;
    let mut files = 0;
    for top in TAKEN {
        let from = root.join(top);
        if from.exists() {
            files += copy_tree(root, &from, out)?;
        }
    }
    // The exercises as learners start them: the originals, whatever the
    // author's working copies hold; and the folder's other files (lessons,
    // the Cargo.toml that lists every exercise).
    let exercises = root.join("exercises");
    for exercise in &course.exercises {
        let target = out.join(exercise.display_path());
        copy_file(&exercise.path(root, Source::Pristine), &target)?;
        files += 1;
    }
    files += copy_tree_where(root, &exercises, out, |path| {
        path.extension().is_none_or(|e| e != "rs")
    })?;
    let sealed = solutions == Solutions::Sealed;
    if sealed {
        write(&out.join(sealed::SEALED), sealed::seal(course)?.as_bytes())?;
        files += 1;
    }
    // The learner's commands must work in the edition as it is.
    manifest::load(out, Files::Learner)
        .context("the edition was written, but its course does not load")?;
    Ok(Edition { files, sealed })
}

fn check_destination(root: &Path, out: &Path) -> Result<()> {
    let existed = out.exists();
    if existed {
        let empty = fs::read_dir(out)
            .with_context(|| format!("cannot read {}", out.display()))?
            .next()
            .is_none();
        if !empty {
            bail!(
                "{} is not empty: give a new or empty folder for the edition",
                out.display()
            );
        }
    }
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (root, out_real) = (fs::canonicalize(root)?, fs::canonicalize(out)?);
    if out_real.starts_with(&root) {
        if !existed {
            let _ = fs::remove_dir(out);
        }
        bail!(
            "{} is inside the course: give a folder outside it for the edition",
            out.display()
        );
    }
    Ok(())
}

/// Copies `from` (a file or folder under `root`) to the same place under
/// `out`; returns how many files it wrote.
fn copy_tree(root: &Path, from: &Path, out: &Path) -> Result<usize> {
    copy_tree_where(root, from, out, |_| true)
}

fn copy_tree_where(
    root: &Path,
    from: &Path,
    out: &Path,
    wanted: impl Fn(&Path) -> bool + Copy,
) -> Result<usize> {
    let relative = from.strip_prefix(root).unwrap_or(from);
    if left_behind(relative) {
        return Ok(0);
    }
    let kind = fs::symlink_metadata(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .file_type();
    if kind.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(from)
            .with_context(|| format!("cannot read {}", from.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("cannot read {}", from.display()))?;
        entries.sort();
        let mut files = 0;
        for entry in entries {
            files += copy_tree_where(root, &entry, out, wanted)?;
        }
        Ok(files)
    } else if kind.is_file() && wanted(from) {
        copy_file(from, &out.join(relative))?;
        Ok(1)
    } else {
        // Links and special files are not part of a course.
        Ok(0)
    }
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    let bytes = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    write(to, &bytes)
}

fn write(to: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    durable::write_atomically(to, bytes)
}
