//! Restoring an exercise to its original text, byte for byte, from the
//! course's pristine copy, after keeping the learner's version as a backup.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};

use crate::exercise::{Exercise, Source};
use crate::state::{LOCAL_DIR, write_atomically};

#[derive(Debug, PartialEq, Eq)]
pub enum Reset {
    /// The file already was the original; nothing changed.
    AlreadyOriginal,
    /// Restored; the learner's version, if there was one, is kept there.
    Restored { backup: Option<PathBuf> },
}

pub fn reset(root: &Path, exercise: &Exercise) -> Result<Reset> {
    let original_path = exercise.path(root, Source::Pristine);
    let original = fs::read(&original_path).with_context(|| {
        format!(
            "cannot read the original of `{}` ({})",
            exercise.name,
            original_path.display()
        )
    })?;
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
