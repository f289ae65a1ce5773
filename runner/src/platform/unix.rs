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
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::thread;

use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::{Pid, setsid};

use super::{Confine, Confinement, Exit, Sandbox};

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
/// dies. A test process gets its sandbox too, and `channel` as its fd 3.
pub fn spawn(
    command: &mut Command,
    confine: &Confine,
    channel: Option<&Channel>,
) -> io::Result<Child> {
    isolate(command);
    match confine {
        Confine::Nothing => {}
        Confine::Compiler { memory } => limit_memory(command, *memory),
        Confine::Test(sandbox) => self::confine(command, sandbox),
    }
    if let Some(channel) = channel {
        channel.hand_over(command);
    }
    command.spawn()
}

/// A private, two-way line between the runner and a test's driver: a
/// socket the test gets as fd 3. Unlike a pipe, a socket cannot be opened
/// again through `/proc/self/fd` (or `/dev/fd`), so code under test can
/// neither read what the driver writes nor write in its place.
#[derive(Debug)]
pub struct Channel {
    runner: UnixStream,
    child: OwnedFd,
}

/// The descriptor a test's driver finds the channel on.
const CHANNEL_FD: i32 = 3;

impl Channel {
    /// A new channel (`None` where the platform has none).
    pub fn open() -> io::Result<Option<Channel>> {
        let (runner, child) = UnixStream::pair()?;
        Ok(Some(Channel {
            runner,
            child: child.into(),
        }))
    }

    /// The runner's end, once the child has its own.
    pub fn runner_end(self) -> UnixStream {
        self.runner
    }

    fn hand_over(&self, command: &mut Command) {
        let fd = self.child.as_raw_fd();
        command.env("RUNNER_CHANNEL_FD", CHANNEL_FD.to_string());
        // SAFETY: dup2 is an async-signal-safe system call on a descriptor
        // that lives until the child has started.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(fd, CHANNEL_FD) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

fn limit_memory(command: &mut Command, memory: u64) {
    // SAFETY: setrlimit is an async-signal-safe system call.
    unsafe {
        command.pre_exec(move || {
            setrlimit(Resource::RLIMIT_DATA, memory, memory).map_err(io::Error::from)
        });
    }
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
    let filter = seccomp::filter();
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
            seccomp::install(&filter)?;
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
    // Each round kills one generation; a chain re-parents the next to us.
    for _round in 0..4096 {
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
        "/usr",
        "/lib",
        "/lib64",
        "/lib32",
        "/bin",
        "/sbin",
        "/etc",
        "/opt",
        "/nix",
        // Of /dev only these: not the terminals a learner types into.
        "/dev/null",
        "/dev/zero",
        "/dev/random",
        "/dev/urandom",
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
        // Files take file rights only.
        let (dirs, files): (Vec<&str>, Vec<&str>) =
            readable.into_iter().partition(|p| Path::new(p).is_dir());
        let created = Ruleset::default()
            .handle_access(handled())
            .and_then(|r| r.handle_access(AccessNet::from_all(ABI_WANTED)))
            .and_then(|r| r.scope(Scope::from_all(ABI_WANTED)))
            .and_then(|r| r.create())
            .and_then(|r| r.add_rules(path_beneath_rules(dirs, read)))
            .and_then(|r| r.add_rules(path_beneath_rules(files, AccessFs::ReadFile)))
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

/// A seccomp filter for test processes: no new processes (threads only),
/// no `chmod`/`chown` (Landlock does not cover them), and sockets of the
/// local (unix) kind only (Landlock covers TCP, not UDP).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod seccomp {
    use std::io;

    use libc::{sock_filter, sock_fprog};

    #[cfg(target_arch = "x86_64")]
    const ARCH: u32 = 0xC000_003E; // AUDIT_ARCH_X86_64
    #[cfg(target_arch = "aarch64")]
    const ARCH: u32 = 0xC000_00B7; // AUDIT_ARCH_AARCH64

    const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const JSET_K: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const ALLOW: u32 = 0x7fff_0000; // SECCOMP_RET_ALLOW
    const ERRNO: u32 = 0x0005_0000; // SECCOMP_RET_ERRNO
    const NR: u32 = 0;
    const ARCH_AT: u32 = 4;
    const ARG0: u32 = 16; // low half of args[0] (little-endian)
    const FCHMODAT2: i64 = 452;

    fn op(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
        sock_filter { code, jt, jf, k }
    }

    /// Calls refused outright, with the error they return.
    fn refused() -> Vec<(i64, i32)> {
        let mut calls = vec![
            // glibc falls back to `clone` for threads, checked below.
            (libc::SYS_clone3, libc::ENOSYS),
            (libc::SYS_fchmod, libc::EPERM),
            (libc::SYS_fchmodat, libc::EPERM),
            (FCHMODAT2, libc::EPERM),
            (libc::SYS_fchown, libc::EPERM),
            (libc::SYS_fchownat, libc::EPERM),
        ];
        #[cfg(target_arch = "x86_64")]
        calls.extend([
            (libc::SYS_fork, libc::EPERM),
            (libc::SYS_vfork, libc::EPERM),
            (libc::SYS_chmod, libc::EPERM),
            (libc::SYS_chown, libc::EPERM),
            (libc::SYS_lchown, libc::EPERM),
        ]);
        calls
    }

    pub fn filter() -> Vec<sock_filter> {
        let mut program = vec![
            op(LD_W_ABS, 0, 0, ARCH_AT),
            op(JEQ_K, 1, 0, ARCH),
            op(RET_K, 0, 0, ALLOW),
            op(LD_W_ABS, 0, 0, NR),
        ];
        for (call, errno) in refused() {
            program.push(op(JEQ_K, 0, 1, call as u32));
            program.push(op(RET_K, 0, 0, ERRNO | errno as u32));
        }
        // clone: threads only.
        program.extend([
            op(JEQ_K, 0, 4, libc::SYS_clone as u32),
            op(LD_W_ABS, 0, 0, ARG0),
            op(JSET_K, 0, 1, libc::CLONE_THREAD as u32),
            op(RET_K, 0, 0, ALLOW),
            op(RET_K, 0, 0, ERRNO | libc::EPERM as u32),
        ]);
        // socket: unix sockets only.
        program.extend([
            op(JEQ_K, 0, 4, libc::SYS_socket as u32),
            op(LD_W_ABS, 0, 0, ARG0),
            op(JEQ_K, 1, 0, libc::AF_UNIX as u32),
            op(RET_K, 0, 0, ERRNO | libc::EAFNOSUPPORT as u32),
            op(RET_K, 0, 0, ALLOW),
        ]);
        program.push(op(RET_K, 0, 0, ALLOW));
        program
    }

    /// Runs between fork and exec: system calls only.
    pub fn install(filter: &[sock_filter]) -> io::Result<()> {
        let program = sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr().cast_mut(),
        };
        // SAFETY: plain prctl calls; the program outlives them.
        let done = unsafe {
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
                && libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &raw const program,
                ) == 0
        };
        if done {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod seccomp {
    use std::io;

    pub fn filter() -> Vec<()> {
        Vec::new()
    }

    pub fn install(_filter: &[()]) -> io::Result<()> {
        Ok(())
    }
}
