//! Everything that differs between operating systems, behind one small
//! interface (as cargo-nextest does it): starting a child in a group of its
//! own (`spawn`, with a `Sandbox` for test processes), killing that whole
//! tree (`kill_tree`, `release`, `sweep_orphans`), telling how a process
//! ended (`describe_exit`), hearing termination signals (`on_termination`),
//! and file permissions. No other module names a platform.

use std::path::PathBuf;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

#[cfg(test)]
pub(crate) mod tests;

pub use imp::{
    Channel, can_pin, confinement, describe_exit, init, kill_tree, on_termination, release,
    shared_file_permissions, spawn, sweep_orphans,
};

/// How a child is confined beyond its own group.
#[derive(Debug, Clone)]
pub enum Confine {
    /// Nothing more (git, and the like).
    Nothing,
    /// The compiler: a memory limit (`include_bytes!("/dev/zero")` must not
    /// eat the machine).
    Compiler { memory: u64 },
    /// A test process.
    Test(Sandbox),
}

/// Memory the compiler may use.
pub const COMPILER_MEMORY: u64 = 4 * 1024 * 1024 * 1024;

/// What a test process may use. Applied before the test binary starts, so
/// it holds for every line of learner code. (Windows enforces no thread
/// limit and no file confinement.)
#[derive(Debug, Clone)]
#[cfg_attr(windows, allow(dead_code))]
pub struct Sandbox {
    /// Bytes of memory the process may map for data (heap, stacks).
    pub memory: u64,
    /// Threads and processes it may run at once (beyond the user's own).
    pub tasks: u64,
    /// Run on one CPU only, as on a one-core CI machine.
    pub one_cpu: bool,
    /// Its working folder: empty, private, and read-only where files are
    /// confined (a test has no reason to write files, and a disk is easy
    /// to fill).
    pub scratch: PathBuf,
    /// The test binary, which it may read (to be executed at all).
    pub program: PathBuf,
}

/// How much of the sandbox this machine enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub enum Confinement {
    /// Files, processes and signals are confined (Linux with Landlock).
    Full,
    /// Only the limits hold; the reason says what is missing.
    LimitsOnly(String),
}

/// How a child process ended, in words a learner can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// Killed by the system or itself; the text names the cause.
    Killed(String),
}
