//! Writing files so that nothing is lost: whole-file replacement that a
//! crash cannot leave half-done, and lock files that keep two runners from
//! interleaving their read-modify-writes.

use std::fs::{self, File, TryLockError};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::platform;

/// Replaces `path` with `bytes` all at once: readers see the old or the new
/// file, never a part of it, even if we crash half-way.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    // Temporary files are private; keep the permissions the file had.
    let permissions = match fs::metadata(path) {
        Ok(metadata) => Ok(metadata.permissions()),
        Err(_) => platform::shared_file_permissions(temp.as_file()),
    };
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().set_permissions(permissions?))
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Opens (creating it and its folder if needed) the lock file at `path`.
pub fn open_lock_file(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// An exclusive lock on a file, held until dropped.
#[derive(Debug)]
pub struct Lock(File);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Holds an exclusive lock on `path` until the result is dropped, waiting
/// for another holder to let go.
pub fn lock_exclusive(path: &Path) -> Result<Lock> {
    let file = open_lock_file(path)?;
    file.lock()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    Ok(Lock(file))
}

/// As `lock_exclusive`, but `Ok(None)` at once if another holds the lock.
pub fn try_lock_exclusive(path: &Path) -> Result<Option<Lock>> {
    let file = open_lock_file(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Lock(file))),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}
