//! Which `rustc` checks use, and its version (`rustc -vV`), which keys
//! every cached build.
//!
//! Asking `rustc -vV` costs a process (and, through rustup's proxy, two) on
//! every command: about half the CPU of a warm check. So the version is
//! kept beside the builds, keyed by the identity of the compiler binary
//! itself (path, size, modification time). That needs the real binary, not
//! rustup's proxy, whose file never changes when the toolchain does:
//!
//! 1. `RUSTC`, when set, is used as given;
//! 2. run by cargo (`cargo runner`), the `rustc` beside `CARGO` is the one
//!    of the same toolchain (rustup points `CARGO` into the toolchain);
//! 3. otherwise `rustc` from `PATH`, asked every time (never cached, since
//!    which toolchain a proxy picks can change without any file changing).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

const CACHE_FILE: &str = "rustc-version.json";

/// The compiler checks run, and what `rustc -vV` says about it.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub rustc: PathBuf,
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Cached {
    identity: String,
    version: String,
}

/// Finds the compiler and its version, from the cache in `dir` when the
/// compiler binary is the same file as when it was asked.
pub fn find(dir: &Path) -> Result<Toolchain> {
    let rustc = compiler();
    let identity = identity(&rustc);
    let cache = dir.join(CACHE_FILE);
    if let Some(identity) = &identity
        && let Some(cached) = fs::read(&cache)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Cached>(&bytes).ok())
            .filter(|c| &c.identity == identity)
    {
        return Ok(Toolchain {
            rustc,
            version: cached.version,
        });
    }
    let output = Command::new(&rustc).arg("-vV").output().with_context(|| {
        format!(
            "cannot run `{}`: is Rust installed (https://rustup.rs)?",
            rustc.display()
        )
    })?;
    if !output.status.success() {
        anyhow::bail!(
            "`{} -vV` failed: {}",
            rustc.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let version = String::from_utf8_lossy(&output.stdout).into_owned();
    if let Some(identity) = identity {
        let cached = Cached {
            identity,
            version: version.clone(),
        };
        // Best effort: without the cache the next command asks again.
        let _ = serde_json::to_vec(&cached)
            .map_err(anyhow::Error::from)
            .and_then(|json| crate::durable::write_atomically(&cache, &json));
    }
    Ok(Toolchain { rustc, version })
}

/// The compiler to run (see the module's comment for the order).
fn compiler() -> PathBuf {
    if let Some(rustc) = std::env::var_os("RUSTC").filter(|r| !r.is_empty()) {
        return PathBuf::from(rustc);
    }
    if let Some(cargo) = std::env::var_os("CARGO").map(PathBuf::from)
        && let Some(bin) = cargo.parent()
    {
        let beside = bin.join(format!("rustc{}", std::env::consts::EXE_SUFFIX));
        if beside.is_file() {
            return beside;
        }
    }
    PathBuf::from("rustc")
}

/// What tells one compiler binary from another, for an absolute path to a
/// real file; `None` for a name looked up on `PATH`.
fn identity(rustc: &Path) -> Option<String> {
    if !rustc.is_absolute() {
        return None;
    }
    let meta = fs::metadata(rustc).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(format!(
        "{}|{}|{}",
        rustc.display(),
        meta.len(),
        modified.as_nanos()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_compiler_file_has_another_identity() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = dir.path().join("rustc");
        fs::write(&fake, "one").expect("write");
        let first = identity(&fake).expect("an absolute file has an identity");
        fs::write(&fake, "two, longer").expect("write");
        assert_ne!(identity(&fake), Some(first));
        assert_eq!(
            identity(Path::new("rustc")),
            None,
            "PATH lookups are asked every time"
        );
    }
}
