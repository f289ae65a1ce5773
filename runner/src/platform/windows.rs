//! Windows. Every child is put in a Job Object of its own, created with
//! kill-on-close: terminating the job kills the whole process tree, and if
//! the runner dies, Windows closes its handles and kills the tree too. A
//! test's job also limits its memory, allows it no child process at all,
//! and can pin it to one CPU. There is no file confinement for tests.

// Job Objects and console handlers are only reachable through the Win32
// API; every call below is a plain system call on handles we own.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::fs::{File, Permissions};
use std::io;
use std::os::windows::io::AsRawHandle;
use std::os::windows::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Mutex, MutexGuard};

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::System::Console::{
    CTRL_BREAK_EVENT, CTRL_C_EVENT, CTRL_CLOSE_EVENT, SetConsoleCtrlHandler,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_ACTIVE_PROCESS,
    JOB_OBJECT_LIMIT_AFFINITY, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, JOB_OBJECT_LIMIT_PROCESS_MEMORY,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
    SetInformationJobObject, TerminateJobObject,
};
use windows_sys::Win32::System::Threading::CREATE_NEW_PROCESS_GROUP;

use super::{Confine, Confinement, Exit};

/// Exit code of a process the runner terminated.
const KILLED: u32 = 0xDEAD;

/// A Job Object handle, closed (killing what is left in it) on drop.
struct Job(HANDLE);

// SAFETY: a job handle may be used and closed from any thread.
unsafe impl Send for Job {}

impl Job {
    fn new(confine: &Confine) -> io::Result<Job> {
        // SAFETY: no name and no security attributes: a private job.
        let handle = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
        if handle.is_null() {
            return Err(io::Error::last_os_error());
        }
        let job = Job(handle);
        // SAFETY: a zeroed limit structure is valid ("no limits").
        let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { std::mem::zeroed() };
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if let Confine::Compiler { memory } = confine {
            limits.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY;
            limits.ProcessMemoryLimit = usize::try_from(*memory).unwrap_or(usize::MAX);
        }
        if let Confine::Test(sandbox) = confine {
            limits.BasicLimitInformation.LimitFlags |=
                JOB_OBJECT_LIMIT_PROCESS_MEMORY | JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
            limits.ProcessMemoryLimit = usize::try_from(sandbox.memory).unwrap_or(usize::MAX);
            // The test process itself and nothing else: no child processes.
            limits.BasicLimitInformation.ActiveProcessLimit = 1;
            if sandbox.one_cpu {
                limits.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_AFFINITY;
                limits.BasicLimitInformation.Affinity = 1;
            }
        }
        // SAFETY: the structure matches the information class and lives
        // through the call.
        let set = unsafe {
            SetInformationJobObject(
                job.0,
                JobObjectExtendedLimitInformation,
                (&raw const limits).cast(),
                size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
            )
        };
        if set == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(job)
    }

    fn terminate(&self) {
        // SAFETY: a job handle we own.
        unsafe { TerminateJobObject(self.0, KILLED) };
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: closed once; kill-on-close ends what is left.
        unsafe { CloseHandle(self.0) };
    }
}

/// Jobs of the children that are running, by process id.
static JOBS: Mutex<Option<HashMap<u32, Job>>> = Mutex::new(None);

fn jobs() -> MutexGuard<'static, Option<HashMap<u32, Job>>> {
    JOBS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Called once at start-up.
pub fn init() {}

/// Starts `command` in a new process group and a Job Object of its own
/// (with the `sandbox`'s limits for a test). A process the child starts
/// before it is assigned to the job is outside it: Windows gives no way to
/// start a child inside a job without suspending it, which std cannot.
pub fn spawn(
    command: &mut Command,
    confine: &Confine,
    _channel: Option<&Channel>,
) -> io::Result<Child> {
    let job = Job::new(confine)?;
    command.creation_flags(CREATE_NEW_PROCESS_GROUP);
    let child = command.spawn()?;
    // SAFETY: both handles are valid: the child was just started.
    let assigned = unsafe { AssignProcessToJobObject(job.0, child.as_raw_handle() as HANDLE) };
    if assigned == 0 {
        let error = io::Error::last_os_error();
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        return Err(error);
    }
    jobs()
        .get_or_insert_with(HashMap::new)
        .insert(child.id(), job);
    Ok(child)
}

/// Windows has no channel a test could not reach: its driver reports on
/// stderr, marked with a secret it reads from stdin.
#[derive(Debug)]
pub struct Channel(std::convert::Infallible);

impl Channel {
    pub fn open() -> io::Result<Option<Channel>> {
        Ok(None)
    }

    pub fn runner_end(self) -> File {
        match self.0 {}
    }
}

/// Kills every process in the job of child `id`.
pub fn kill_tree(id: u32) {
    if let Some(job) = jobs().as_ref().and_then(|jobs| jobs.get(&id)) {
        job.terminate();
    }
}

/// The child `id` ended: closing its job kills whatever it left behind.
pub fn release(id: u32) {
    let job = jobs().as_mut().and_then(|jobs| jobs.remove(&id));
    drop(job);
}

/// Nothing escapes a job, so there is nothing to sweep.
pub fn sweep_orphans(_ours: &dyn Fn(u32) -> bool) {}

/// Permissions of a new shared file: Windows has only "read-only", and a
/// temporary file is not.
pub fn shared_file_permissions(file: &File) -> io::Result<Permissions> {
    Ok(file.metadata()?.permissions())
}

/// What this machine enforces of a sandbox.
pub fn confinement() -> Confinement {
    Confinement::LimitsOnly(
        "Windows has no file confinement for tests; time, memory and process limits hold".into(),
    )
}

/// A job can pin its processes to the first CPU.
pub fn can_pin() -> bool {
    true
}

/// How a process ended: an NTSTATUS error code is a crash.
pub fn describe_exit(status: ExitStatus) -> Exit {
    let Some(code) = status.code() else {
        return Exit::Killed("the test process ended abnormally".into());
    };
    let text = match code as u32 {
        0xC000_00FD => {
            "the test process overflowed its stack (STATUS_STACK_OVERFLOW), most \
                        often endless recursion"
        }
        0xC000_0005 => "the test process crashed with an access violation",
        0xC000_0409 => {
            "the test process aborted (a stack overflow, a failed memory \
                        allocation, or `std::process::abort`)"
        }
        0xC000_0017 | 0xC000_012D => "the test process ran out of memory (over the memory limit?)",
        KILLED => "the test process was killed by the runner",
        _ => return Exit::Code(code),
    };
    Exit::Killed(text.to_string())
}

type Handler = Box<dyn Fn(i32) + Send + Sync>;

static HANDLERS: Mutex<Vec<Handler>> = Mutex::new(Vec::new());

/// Calls `handler` on Ctrl-C and Ctrl-Break (as SIGINT, 2) and when the
/// console closes (as SIGHUP, 1).
pub fn on_termination(handler: impl Fn(i32) + Send + Sync + 'static) -> io::Result<()> {
    let mut handlers = HANDLERS.lock().unwrap_or_else(|e| e.into_inner());
    if handlers.is_empty() {
        // SAFETY: a valid handler function with the documented signature.
        if unsafe { SetConsoleCtrlHandler(Some(console_event), 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
    }
    handlers.push(Box::new(handler));
    Ok(())
}

unsafe extern "system" fn console_event(event: u32) -> windows_sys::core::BOOL {
    let signal = match event {
        CTRL_C_EVENT | CTRL_BREAK_EVENT => 2,
        CTRL_CLOSE_EVENT => 1,
        _ => 15,
    };
    for handler in HANDLERS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        handler(signal);
    }
    1
}
