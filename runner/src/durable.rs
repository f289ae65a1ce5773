//! Writing files so that nothing is lost: whole-file replacement that a
//! crash cannot leave half-done, and lock files that keep two runners from
//! interleaving their read-modify-writes.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

/// Replaces `path` with `bytes` all at once: readers see the old or the new
/// file, never a part of it, even if we crash half-way.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    // Temporary files are private (0600); keep the mode the file had.
    let mode = fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
    temp.write_all(bytes)
        .and_then(|()| {
            temp.as_file()
                .set_permissions(fs::Permissions::from_mode(mode))
        })
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

/// Holds an exclusive lock on `path` until the result is dropped, waiting
/// for another holder to let go.
pub fn lock_exclusive(path: &Path) -> Result<Flock<File>> {
    Flock::lock(open_lock_file(path)?, FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("cannot lock {}: {e}", path.display()))
}
