//! Linux and macOS. Children run in a session of their own (no controlling
//! terminal, one group to kill). On Linux a test process is also confined
//! with Landlock (reads only system folders and its own empty working
//! folder, writes nothing but `/dev/null`,
//! no network, no signals out), dies with the runner (`PR_SET_PDEATHSIG`),
//! and the runner adopts anything that escapes its group (a child subreaper)
//! so that `sweep_orphans` can kill it.

// `pre_exec` is unsafe: the closures below run between fork and exec, and
// only make system calls (no allocation, no locks).
#![allow(unsafe_code)]

use std::fs::{File, Permissions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::thread;

use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::{Pid, setsid};

use super::{Confinement, Exit, Sandbox};

/// Bytes a test may write to one file (where nothing confines its writes).
const FILE_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Called once at start-up.
pub fn init() {
    #[cfg(target_os = "linux")]
    {
        // Orphans of our children are re-parented to us, not to init, so
        // that `sweep_orphans` can find and kill them.
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
}

/// Starts `command` as the leader of a new session: it has no controlling
/// terminal, and its process group (id = its pid) holds everything it
/// starts unless that leaves on purpose. On Linux it dies if the runner
/// dies. A test process gets its `sandbox` too.
pub fn spawn(command: &mut Command, sandbox: Option<&Sandbox>) -> io::Result<Child> {
    isolate(command);
    if let Some(sandbox) = sandbox {
        confine(command, sandbox);
    }
    command.spawn()
}

/// The child `id` ended and was reaped (nothing to let go of here).
pub fn release(_id: u32) {}

/// Permissions of a new shared file (a temporary file is private).
pub fn shared_file_permissions(_file: &File) -> io::Result<Permissions> {
    Ok(Permissions::from_mode(0o644))
}

fn isolate(command: &mut Command) {
    // SAFETY: setsid and prctl are async-signal-safe system calls.
    unsafe {
        command.pre_exec(|| {
            setsid().map_err(io::Error::from)?;
            #[cfg(target_os = "linux")]
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(io::Error::from)?;
            Ok(())
        });
    }
}

fn confine(command: &mut Command, sandbox: &Sandbox) {
    let memory = sandbox.memory;
    let tasks = task_limit(sandbox.tasks);
    let cpu = if sandbox.one_cpu { first_cpu() } else { None };
    let ruleset = landlock::ruleset(sandbox);
    // SAFETY: only system calls on values prepared above.
    unsafe {
        command.pre_exec(move || {
            setrlimit(Resource::RLIMIT_DATA, memory, memory).map_err(io::Error::from)?;
            setrlimit(Resource::RLIMIT_CORE, 0, 0).map_err(io::Error::from)?;
            setrlimit(Resource::RLIMIT_FSIZE, FILE_SIZE_LIMIT, FILE_SIZE_LIMIT)
                .map_err(io::Error::from)?;
            // macOS has the limit but no way to leave the user's own
            // processes out of it (`task_limit` is `None` there).
            #[cfg(target_os = "linux")]
            if let Some(tasks) = tasks {
                setrlimit(Resource::RLIMIT_NPROC, tasks, tasks).map_err(io::Error::from)?;
            }
            #[cfg(not(target_os = "linux"))]
            let _ = tasks;
            if let Some(cpu) = cpu {
                cpu::pin(cpu)?;
            }
            if let Some(fd) = &ruleset {
                landlock::restrict(fd)?;
            }
            Ok(())
        });
    }
}

/// What this machine enforces of a sandbox.
pub fn confinement() -> Confinement {
    landlock::confinement()
}

/// Kills the process group `id` leads, with everything still in it.
pub fn kill_tree(id: u32) {
    if let Ok(id) = i32::try_from(id) {
        // ESRCH (the group is already gone) is the normal case.
        let _ = killpg(Pid::from_raw(id), Signal::SIGKILL);
    }
}

/// Kills and reaps every child of the runner that it did not start itself
/// (`ours` says which it did): processes that left a test's group and were
/// re-parented to us when their parent died. Our own plain helpers (git,
/// cargo) share our process group, which an escapee can never join.
pub fn sweep_orphans(ours: &dyn Fn(u32) -> bool) {
    #[cfg(target_os = "linux")]
    for _round in 0..16 {
        let own_group = nix::unistd::getpgrp();
        let strays: Vec<Pid> = children()
            .into_iter()
            .filter(|pid| !ours(*pid))
            .filter_map(|pid| i32::try_from(pid).ok().map(Pid::from_raw))
            .filter(|pid| nix::unistd::getpgid(Some(*pid)).is_ok_and(|g| g != own_group))
            .collect();
        if strays.is_empty() {
            return;
        }
        for pid in strays {
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = ours;
}

/// The runner's direct children, from every thread's `children` file.
#[cfg(target_os = "linux")]
fn children() -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return found;
    };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            found.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
    }
    found
}

/// How a process ended.
pub fn describe_exit(status: ExitStatus) -> Exit {
    if let Some(code) = status.code() {
        return Exit::Code(code);
    }
    let signal = status.signal().unwrap_or(0);
    let text = match Signal::try_from(signal) {
        Ok(Signal::SIGABRT) => "the test process aborted (SIGABRT): a stack overflow, a \
                                failed memory allocation (over the memory limit?), a panic \
                                while panicking, or `std::process::abort`"
            .to_string(),
        Ok(Signal::SIGSEGV) => "the test process crashed with a segmentation fault (SIGSEGV), \
                                most often a stack overflow from endless recursion"
            .to_string(),
        Ok(Signal::SIGKILL) => "the test process was killed (SIGKILL): over the memory limit, \
                                or killed from outside"
            .to_string(),
        Ok(Signal::SIGXFSZ) => {
            "the test process wrote a file over the size limit (SIGXFSZ)".to_string()
        }
        Ok(other) => format!("the test process was killed by {other}"),
        Err(_) => format!("the test process was killed by signal {signal}"),
    };
    Exit::Killed(text)
}

/// Calls `handler` with the signal number on SIGINT, SIGTERM and SIGHUP.
pub fn on_termination(handler: impl Fn(i32) + Send + Sync + 'static) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    thread::Builder::new()
        .name("termination".into())
        .spawn(move || {
            for signal in signals.forever() {
                handler(signal);
            }
        })?;
    Ok(())
}

/// The limit on this user's tasks that leaves the test `extra` more than
/// the user runs now. `None` for root, whom the limit does not bind.
fn task_limit(extra: u64) -> Option<u64> {
    if nix::unistd::geteuid().is_root() {
        return None;
    }
    #[cfg(target_os = "linux")]
    {
        static BASE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        Some(*BASE.get_or_init(user_tasks) + extra)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = extra;
        None
    }
}

/// Threads (tasks) this user runs now, from `/proc/*/status`.
#[cfg(target_os = "linux")]
fn user_tasks() -> u64 {
    let uid = nix::unistd::getuid().as_raw().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next().map(str::to_string))
        };
        if field("Uid:").as_deref() == Some(uid.as_str()) {
            total += field("Threads:").and_then(|t| t.parse().ok()).unwrap_or(1);
        }
    }
    total
}

fn first_cpu() -> Option<usize> {
    cpu::first()
}

/// Whether a sandbox can pin a test to one CPU here (not on macOS).
pub fn can_pin() -> bool {
    first_cpu().is_some()
}

#[cfg(target_os = "linux")]
mod cpu {
    use std::io;

    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    use nix::unistd::Pid;

    /// The first CPU this process may run on (not always CPU 0 in a
    /// container).
    pub fn first() -> Option<usize> {
        let set = sched_getaffinity(Pid::from_raw(0)).ok()?;
        (0..CpuSet::count()).find(|&cpu| set.is_set(cpu).unwrap_or(false))
    }

    pub fn pin(cpu: usize) -> io::Result<()> {
        let mut set = CpuSet::new();
        set.set(cpu).map_err(io::Error::from)?;
        sched_setaffinity(Pid::from_raw(0), &set).map_err(io::Error::from)
    }
}

#[cfg(not(target_os = "linux"))]
mod cpu {
    use std::io;

    /// macOS has no way to pin a process to a CPU.
    pub fn first() -> Option<usize> {
        None
    }

    pub fn pin(_cpu: usize) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(target_os = "linux")]
mod landlock {
    use std::io;
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::path::Path;
    use std::sync::OnceLock;

    use landlock::{
        ABI, Access, AccessFs, AccessNet, BitFlags, PathBeneath, PathFd, Ruleset, RulesetAttr,
        RulesetCreatedAttr, Scope, path_beneath_rules,
    };

    use crate::platform::{Confinement, Sandbox};

    /// The newest ABI whose rights we ask for; older kernels get what they
    /// support (best effort), and `confinement` says when that is nothing.
    const ABI_WANTED: ABI = ABI::V6;

    /// Folders a test may read: the system's libraries and settings. Not
    /// `/proc` (its `self/mem` would let code read and write the harness's
    /// memory), not the course, not home.
    const READABLE: &[&str] = &[
        "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/dev", "/opt", "/nix",
    ];

    /// Every file-system right but `Execute`: the test binary itself must
    /// still be executed after this layer applies; the harness adds a layer
    /// that forbids every later `exec`.
    fn handled() -> BitFlags<AccessFs> {
        AccessFs::from_all(ABI_WANTED) & !AccessFs::Execute
    }

    pub fn ruleset(sandbox: &Sandbox) -> Option<OwnedFd> {
        let read = AccessFs::from_read(ABI_WANTED) & !AccessFs::Execute;
        let readable: Vec<&str> = READABLE
            .iter()
            .copied()
            .filter(|p| Path::new(p).exists())
            .collect();
        let created = Ruleset::default()
            .handle_access(handled())
            .and_then(|r| r.handle_access(AccessNet::from_all(ABI_WANTED)))
            .and_then(|r| r.scope(Scope::from_all(ABI_WANTED)))
            .and_then(|r| r.create())
            .and_then(|r| r.add_rules(path_beneath_rules(readable, read)))
            .and_then(|r| r.add_rules(path_beneath_rules([&sandbox.scratch], read)))
            .and_then(|r| r.add_rules(path_beneath_rules([&sandbox.program], AccessFs::ReadFile)))
            .ok()?;
        // Writing to /dev/null is harmless and some code expects it.
        let created = match PathFd::new("/dev/null") {
            Ok(null) => created
                .add_rule(PathBeneath::new(null, AccessFs::WriteFile))
                .ok()?,
            Err(_) => created,
        };
        created.into()
    }

    /// Runs between fork and exec: system calls only.
    pub fn restrict(fd: &OwnedFd) -> io::Result<()> {
        nix::sys::prctl::set_no_new_privs().map_err(io::Error::from)?;
        // SAFETY: a plain system call on a ruleset descriptor we own.
        let done = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, fd.as_raw_fd(), 0) };
        if done == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    pub fn confinement() -> Confinement {
        static PROBED: OnceLock<Confinement> = OnceLock::new();
        PROBED
            .get_or_init(|| {
                let created = Ruleset::default()
                    .handle_access(handled())
                    .and_then(|r| r.create())
                    .ok()
                    .and_then(Option::<OwnedFd>::from);
                match created {
                    Some(_) => Confinement::Full,
                    _ => Confinement::LimitsOnly(
                        "this Linux kernel does not enforce Landlock (5.13 or newer with \
                         Landlock enabled is needed)"
                            .into(),
                    ),
                }
            })
            .clone()
    }
}

#[cfg(not(target_os = "linux"))]
mod landlock {
    use std::io;
    use std::os::fd::OwnedFd;

    use crate::platform::{Confinement, Sandbox};

    pub fn ruleset(sandbox: &Sandbox) -> Option<OwnedFd> {
        // Nothing confines files here: the folders go unused.
        let _ = (&sandbox.scratch, &sandbox.program);
        None
    }

    pub fn restrict(_fd: &OwnedFd) -> io::Result<()> {
        Ok(())
    }

    pub fn confinement() -> Confinement {
        Confinement::LimitsOnly(
            "this system has no Landlock; only Linux confines file access".into(),
        )
    }
}
