//! `runner verify --pristine REV`: tamper evidence for CI grading.
//!
//! A learner's repository holds the hidden tests and `info.toml`, so a
//! learner could weaken a test or raise a time limit. With `--pristine`,
//! the hidden tests (`tests/`) and `info.toml` are taken from git revision
//! `REV` (the course as published) into a temporary folder, the grading uses
//! them instead of the working tree's, and every hidden file that differs
//! is named.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::exercise::Source;
use crate::manifest::{self, Course, Files, MANIFEST};

/// How a hidden file of the working tree differs from the revision's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Changed,
    /// In the revision, not in the working tree.
    Missing,
    /// In the working tree, not in the revision.
    Added,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Changed => "changed",
            Change::Missing => "missing",
            Change::Added => "added",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Relative to the course root, e.g. `tests/basics/failing.rs`.
    pub file: String,
    pub change: Change,
}

impl Difference {
    /// One sentence for people.
    pub fn describe(&self, revision: &str) -> String {
        match self.change {
            Change::Changed => format!(
                "{} differs from {revision}: graded with the version from {revision}",
                self.file
            ),
            Change::Missing => format!(
                "{} is missing (it is in {revision}): graded with the version from {revision}",
                self.file
            ),
            Change::Added => format!("{} is not in {revision}: not used for grading", self.file),
        }
    }
}

/// What the report says about the revision graded against.
#[derive(Debug, Clone)]
pub struct Pristine {
    /// As given on the command line.
    pub revision: String,
    /// The commit it names.
    pub commit: String,
    pub differences: Vec<Difference>,
}

/// The hidden tests and manifest of a revision, extracted.
#[derive(Debug)]
pub struct Original {
    dir: tempfile::TempDir,
    manifest: String,
    pub pristine: Pristine,
}

impl Original {
    /// Takes `info.toml` and `tests/` of `revision` out of the git
    /// repository the course `root` is in, and compares them with the
    /// working tree.
    pub fn extract(root: &Path, revision: &str) -> Result<Self> {
        let commit = git(
            root,
            &["rev-parse", "--verify", "--quiet"],
            &format!("{revision}^{{commit}}"),
        )
        .ok()
        .map(|out| String::from_utf8_lossy(&out).trim().to_string())
        .filter(|c| !c.is_empty())
        .with_context(|| {
            format!(
                "`{revision}` is not a commit of the git repository at {}\n\
                     Give --pristine a revision of the original course (a tag, a branch \
                     such as `origin/main`, or a commit); fetch it first if it is remote.",
                root.display()
            )
        })?;
        let listed = git(
            root,
            &["ls-tree", "-r", "-z", "--name-only", &commit, "--"],
            "tests",
        )?;
        let files: Vec<String> = listed
            .split(|b| *b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect();
        let manifest = git(
            root,
            &["show", "--no-textconv"],
            &format!("{commit}:./{MANIFEST}"),
        )
        .with_context(|| format!("revision `{revision}` has no {MANIFEST} in the course folder"))?;
        let manifest = String::from_utf8(manifest)
            .with_context(|| format!("{MANIFEST} of revision `{revision}` is not UTF-8"))?;

        let dir = tempfile::Builder::new()
            .prefix("runner-pristine-")
            .tempdir()
            .context("cannot create a temporary folder for the original hidden tests")?;
        let mut differences = Vec::new();
        for file in &files {
            let bytes = git(
                root,
                &["show", "--no-textconv"],
                &format!("{commit}:./{file}"),
            )?;
            let target = dir.path().join(file);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            fs::write(&target, &bytes)
                .with_context(|| format!("cannot write {}", target.display()))?;
            match fs::read(root.join(file)) {
                Ok(current) if current == bytes => {}
                Ok(_) => differences.push(Difference {
                    file: file.clone(),
                    change: Change::Changed,
                }),
                Err(_) => differences.push(Difference {
                    file: file.clone(),
                    change: Change::Missing,
                }),
            }
        }
        for path in files_under(&root.join("tests")) {
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            // As git names it: `/` between folders everywhere.
            let relative = crate::exercise::slashed(relative);
            if !files.contains(&relative) {
                differences.push(Difference {
                    file: relative,
                    change: Change::Added,
                });
            }
        }
        match fs::read_to_string(root.join(MANIFEST)) {
            Ok(current) if current == manifest => {}
            Ok(_) => differences.push(Difference {
                file: MANIFEST.to_string(),
                change: Change::Changed,
            }),
            Err(_) => differences.push(Difference {
                file: MANIFEST.to_string(),
                change: Change::Missing,
            }),
        }
        differences.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(Original {
            dir,
            manifest,
            pristine: Pristine {
                revision: revision.to_string(),
                commit,
                differences,
            },
        })
    }

    /// The folder holding the revision's `tests/`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The course as the revision's manifest describes it (its exercises,
    /// order and limits), graded on the working tree's `source` files.
    pub fn course(&self, root: &Path, source: Source) -> Result<Course> {
        let revision = &self.pristine.revision;
        let mut course = manifest::parse(self.dir(), &self.manifest, Files::HiddenTestsOnly)
            .map_err(|problems| {
                let path = PathBuf::from(format!("{MANIFEST} of revision `{revision}`"));
                anyhow::Error::new(manifest::ManifestErrors { path, problems })
            })?;
        course.root = root.to_path_buf();
        let missing: Vec<String> = course
            .exercises
            .iter()
            .filter(|e| !e.path(root, source).is_file())
            .map(|e| {
                let path = e.path(root, source);
                let shown = crate::exercise::course_relative(root, &path);
                match source {
                    Source::Exercise => {
                        format!("{shown} (`cargo runner reset {}` restores it)", e.name)
                    }
                    _ => shown,
                }
            })
            .collect();
        if !missing.is_empty() {
            bail!(
                "{} listed in {MANIFEST} of revision `{revision}` {} missing:\n  {}",
                if missing.len() == 1 {
                    "a file"
                } else {
                    "files"
                },
                if missing.len() == 1 { "is" } else { "are" },
                missing.join("\n  ")
            );
        }
        Ok(course)
    }
}

/// Runs `git -C root ARGS LAST` and returns its stdout.
fn git(root: &Path, args: &[&str], last: &str) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .arg(last)
        .output()
        .context("cannot run `git`: is it installed? (--pristine reads the course from git)")?;
    if !output.status.success() {
        bail!(
            "`git {} {last}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// Every file below `dir`, at any depth.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}
