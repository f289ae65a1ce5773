// The runner's test driver, compiled into every test binary in place of
// libtest. It runs one hidden test per process and reports the verdict on a
// line that starts with a secret marker. On Unix, marker and record travel
// on a socket the runner hands over as fd 3 (code under test cannot reopen
// a socket through /proc/self/fd, and the sandbox denies /proc anyway);
// elsewhere the marker comes on stdin and the record goes to stderr. The
// driver reads the marker before any learner code runs. Exit codes alone
// prove nothing: `process::exit(0)` from learner code is a crash.
//
// The name of the test to run comes on the same private path, after the
// marker, and the test's thread is not named after it: code under test
// cannot tell which test calls it (not from the command line, nor from
// `thread::current().name()`), so it cannot behave only where it is
// watched.

use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// Where the first panic on the test's thread happened.
type Location = Arc<Mutex<Option<String>>>;

std::thread_local! {
    /// Set on the thread that runs the test (the panic hook looks here).
    static ON_TEST_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn main(tests: &[(&str, fn())]) -> std::process::ExitCode {
    let mut report = channel::Report::open();
    let marker = report.line();
    let name = report.line();
    confine::forbid_exec();

    let Some(&(_, test)) = tests.iter().find(|(n, _)| *n == name) else {
        eprintln!("no hidden test called `{name}`; the tests:");
        for (name, _) in tests {
            eprintln!("  {name}");
        }
        return std::process::ExitCode::from(2);
    };

    let location: Location = Arc::default();
    let seen = Arc::clone(&location);
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if ON_TEST_THREAD.get() {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            if seen.is_none() {
                *seen = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            }
        }
        previous(info);
    }));

    let started = std::time::Instant::now();
    let ran = std::thread::Builder::new()
        .name("test".into())
        .spawn(move || {
            ON_TEST_THREAD.set(true);
            panic::catch_unwind(AssertUnwindSafe(test)).map_err(|p| message(&*p))
        });
    let result = match ran {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err("the test thread could not be joined".into())),
        Err(e) => Err(format!("the test thread could not start: {e}")),
    };
    let millis = started.elapsed().as_millis();
    let record = match &result {
        Ok(()) => format!("{{\"status\":\"passed\",\"millis\":{millis}}}"),
        Err(text) => {
            let at = location.lock().unwrap_or_else(|e| e.into_inner()).clone();
            format!(
                "{{\"status\":\"failed\",\"millis\":{millis},\"message\":{},\"location\":{}}}",
                json_string(text),
                at.as_deref().map_or("null".to_string(), json_string)
            )
        }
    };
    let _ = std::io::stdout().lock().flush();
    report.send(&format!("\n{marker}{record}\n"));
    // Exit at once, without running anything of the code's (thread-local
    // destructors, a thread that is already exiting): threads it left
    // behind do not run on, and cannot choose the exit code.
    channel::exit_now(if result.is_ok() { 0 } else { 101 })
}

#[cfg(unix)]
mod channel {
    use std::io::{Read, Write};
    use std::os::fd::FromRawFd;
    use std::os::unix::net::UnixStream;

    /// Where the driver gets its marker and sends its record: the socket
    /// the runner handed over (a socket cannot be reopened through
    /// /proc/self/fd, so code under test cannot reach it), else stdin and
    /// stderr.
    pub enum Report {
        Channel(UnixStream),
        Stdio,
    }

    unsafe extern "C" {
        fn _exit(code: i32) -> !;
    }

    impl Report {
        pub fn open() -> Report {
            match std::env::var("RUNNER_CHANNEL_FD")
                .ok()
                .and_then(|f| f.parse().ok())
            {
                // SAFETY: the runner opened this descriptor for us.
                Some(fd) => Report::Channel(unsafe { UnixStream::from_raw_fd(fd) }),
                None => Report::Stdio,
            }
        }

        /// One line the runner sent (the marker, then the test's name),
        /// read byte by byte so that no copy of it stays in a buffer that
        /// code under test shares.
        pub fn line(&mut self) -> String {
            let mut marker = Vec::new();
            let mut byte = [0u8];
            loop {
                let read = match self {
                    Report::Channel(stream) => stream.read(&mut byte),
                    Report::Stdio => std::io::stdin().read(&mut byte),
                };
                match read {
                    Ok(1) if byte[0] != b'\n' => marker.push(byte[0]),
                    _ => break,
                }
            }
            String::from_utf8_lossy(&marker).into_owned()
        }

        /// One write, so that no other thread's output lands inside it.
        pub fn send(&mut self, line: &str) {
            let _ = match self {
                Report::Channel(stream) => stream.write_all(line.as_bytes()),
                Report::Stdio => std::io::stderr().lock().write_all(line.as_bytes()),
            };
        }
    }

    pub fn exit_now(code: i32) -> ! {
        // SAFETY: ends the process at once; nothing is left to flush.
        unsafe { _exit(code) }
    }
}

#[cfg(not(unix))]
mod channel {
    use std::io::Write;

    pub struct Report;

    impl Report {
        pub fn open() -> Report {
            Report
        }

        /// One line the runner sent (the marker, then the test's name).
        pub fn line(&mut self) -> String {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            line.trim_end_matches(['\n', '\r']).to_string()
        }

        pub fn send(&mut self, line: &str) {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    pub fn exit_now(code: i32) -> ! {
        std::process::exit(code)
    }
}

/// The panic's text, cut to fit the record in one atomic pipe write.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    let mut text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<a panic payload that is not a string>".to_string()
    };
    if text.len() > 600 {
        let mut end = 600;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" [...]");
    }
    text
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(target_os = "linux")]
mod confine {
    use std::ffi::{c_int, c_long, c_uint};

    unsafe extern "C" {
        fn syscall(number: c_long, ...) -> c_long;
        fn prctl(option: c_int, ...) -> c_int;
        fn close(fd: c_int) -> c_int;
    }

    const SYS_LANDLOCK_CREATE_RULESET: c_long = 444;
    const SYS_LANDLOCK_RESTRICT_SELF: c_long = 446;
    const LANDLOCK_ACCESS_FS_EXECUTE: u64 = 1;
    const PR_SET_PDEATHSIG: c_int = 1;
    const PR_SET_NO_NEW_PRIVS: c_int = 38;
    const SIGKILL: c_long = 9;

    #[repr(C)]
    struct RulesetAttr {
        handled_access_fs: u64,
    }

    /// From here on, this process and its threads cannot execute any
    /// program (a Landlock layer that handles `execute` and allows it
    /// nowhere), so the code under test never starts a process the runner
    /// would have to hunt down. A child of this binary dies with it.
    pub fn forbid_exec() {
        let attr = RulesetAttr {
            handled_access_fs: LANDLOCK_ACCESS_FS_EXECUTE,
        };
        // SAFETY: plain system calls with valid arguments.
        unsafe {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            let fd = syscall(
                SYS_LANDLOCK_CREATE_RULESET,
                &attr as *const RulesetAttr,
                std::mem::size_of::<RulesetAttr>(),
                0 as c_uint,
            );
            if fd < 0 {
                return;
            }
            prctl(
                PR_SET_NO_NEW_PRIVS,
                1 as c_long,
                0 as c_long,
                0 as c_long,
                0 as c_long,
            );
            syscall(SYS_LANDLOCK_RESTRICT_SELF, fd as c_int, 0 as c_uint);
            close(fd as c_int);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod confine {
    pub fn forbid_exec() {}
}
