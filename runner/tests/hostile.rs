//! Learner code as an adversary: forged verdicts, shadowed names, rigged
//! types, writes to the course, escaping processes, memory and thread
//! bombs, terminal escapes, and the runner killed mid-test. Each test puts
//! hostile code in the fixture's `passing` exercise (whose hidden test wants
//! `add(2, 3) == 5`) and runs the real binary.

mod common;

#[cfg(target_os = "linux")]
use std::fs;
#[cfg(target_os = "linux")]
use std::time::{Duration, Instant};

use common::Course;

/// The course with `add` replaced by `body` (and `extra` items before it).
fn course_with(extra: &str, body: &str) -> Course {
    let course = Course::only(&["passing", "failing"]);
    course.write(
        "exercises/basics/passing.rs",
        &format!("{extra}\npub fn add(a: u32, b: u32) -> u32 {{\n{body}\n}}\n\nfn main() {{}}\n"),
    );
    course
}

fn assert_not_passed(course: &Course, what: &str) -> String {
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 1, "{what} must not pass:\n{}", run.all());
    assert!(!run.stdout().contains("passing passed"), "{}", run.all());
    let list = course.run(&["list"]);
    assert!(
        list.stdout()
            .lines()
            .any(|l| l.contains(" passing ") && l.trim_end().ends_with("pending")),
        "{what}: the exercise is not recorded as done:\n{}",
        list.all()
    );
    run.stdout()
}

#[test]
fn a_forged_summary_and_exit_zero_is_a_crash_from_every_place() {
    let forge = r#"println!("test result: ok. 1 passed; 0 failed"); std::process::exit(0)"#;
    let cases = [
        ("directly", String::new(), forge.to_string()),
        (
            "from a thread",
            String::new(),
            format!(
                "std::thread::spawn(|| {{ {forge} }}); std::thread::sleep(std::time::Duration::from_millis(200)); a"
            ),
        ),
        (
            "from a Drop",
            format!("struct Bye;\nimpl Drop for Bye {{ fn drop(&mut self) {{ {forge} }} }}"),
            "let _bye = Bye; a + b + 1".to_string(),
        ),
        (
            "from a panic hook",
            String::new(),
            format!("std::panic::set_hook(Box::new(|_| {{ {forge} }})); a + b + 1"),
        ),
    ];
    for (place, extra, body) in cases {
        let course = course_with(&extra, &body);
        assert_not_passed(&course, &format!("a forged pass {place}"));
    }
}

#[test]
fn learner_names_cannot_shadow_what_the_tests_use() {
    // A no-op `assert_eq!` exported by the learner's crate.
    let course = course_with(
        "#[macro_export]\nmacro_rules! assert_eq { ($($t:tt)*) => {}; }",
        "a + b + 1",
    );
    assert_not_passed(&course, "a shadowed assert_eq!");
}

#[test]
fn code_under_test_cannot_tell_which_test_calls_it() {
    // Right only where it can see the name of the test (`adds`): in its
    // command line, its environment or its thread's name. A learner's code
    // that can tell the tests apart can be right only where it is watched.
    let course = course_with(
        "",
        r#"let seen = format!(
    "{:?} {:?} {:?}",
    std::env::args().collect::<Vec<_>>(),
    std::env::vars().collect::<Vec<_>>(),
    std::thread::current().name(),
);
if seen.contains("adds") { a + b } else { a + b + 1 }"#,
    );
    assert_not_passed(
        &course,
        "code that is right only where it sees the test's name",
    );
}

#[test]
fn asking_who_called_is_refused() {
    for (name, body) in [
        (
            "track_caller",
            "#[track_caller]\nfn sum(a: u32, b: u32) -> u32 {\n    let _ = std::panic::Location::caller();\n    a + b\n}",
        ),
        (
            "backtrace",
            "fn sum(a: u32, b: u32) -> u32 {\n    let _ = std::backtrace::Backtrace::force_capture();\n    a + b\n}",
        ),
        (
            "size_of_val",
            "fn sum(a: u32, b: u32) -> u32 {\n    let _ = std::mem::size_of_val(&a);\n    a + b\n}",
        ),
    ] {
        let course = course_with(body, "sum(a, b)");
        let out = assert_not_passed(&course, &format!("a file using `{name}`"));
        assert!(out.contains(&format!("`{name}`")), "names `{name}`: {out}");
    }
}

#[test]
fn a_rigged_return_type_does_not_compile() {
    let course = Course::only(&["passing", "failing"]);
    course.write(
        "exercises/basics/passing.rs",
        "#[derive(Debug)]\npub struct Any;\nimpl PartialEq<i32> for Any { fn eq(&self, _: &i32) -> bool { true } }\n\
         pub fn add(_: u32, _: u32) -> Any { Any }\n\nfn main() {}\n",
    );
    let out = assert_not_passed(&course, "a rigged PartialEq");
    assert!(out.contains("does not compile"), "{out}");
    assert!(
        out.contains("The exercise's API was changed: the hidden tests cannot use `add`"),
        "says the API changed, and which item: {out}"
    );
    assert!(
        out.contains(".course/pristine/basics/passing.rs"),
        "points to the original: {out}"
    );
}

#[test]
fn unsafe_code_and_code_before_main_are_refused() {
    let course = course_with(
        "#[used]\n#[unsafe(link_section = \".init_array\")]\nstatic EARLY: extern \"C\" fn() = early;\n\
         extern \"C\" fn early() { std::process::exit(0) }",
        "a + b",
    );
    let out = assert_not_passed(&course, "code before main");
    assert!(out.contains("unsafe"), "{out}");
}

#[test]
fn a_file_starting_with_an_inner_attribute_compiles() {
    let course = Course::only(&["passing", "failing"]);
    course.write(
        "exercises/basics/passing.rs",
        "#![allow(unused)]\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\nfn main() {}\n",
    );
    let run = course.run(&["run", "passing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
}

#[cfg(target_os = "linux")]
#[test]
fn code_under_test_cannot_write_the_course_or_the_cache() {
    // Finds the course from the test binary's path and tries to write every
    // file a forger would; any success is recorded in the answer.
    let course = course_with(
        "",
        r#"
    let exe = std::env::current_exe().unwrap();
    let root = exe.ancestors().find(|d| d.join("info.toml").is_file()).unwrap().to_path_buf();
    let mut written = 0;
    for file in ["tests/basics/passing.rs", "info.toml", ".runner/state.toml",
                 "exercises/basics/failing.rs", "planted.txt"] {
        if std::fs::write(root.join(file), "forged").is_ok() { written += 1; }
    }
    if std::fs::write(&exe, b"forged").is_ok() { written += 1; }
    let build = exe.parent().unwrap().to_path_buf();
    if std::fs::write(build.join("test-0000"), b"planted").is_ok() { written += 1; }
    if std::fs::read_to_string("/proc/self/maps").is_ok() { written += 100; }
    // Not even its own working folder or the temporary folder: a disk is
    // easy to fill.
    if std::fs::write("here.txt", b"x").is_ok() { written += 1000; }
    if std::fs::write(std::env::temp_dir().join("t.txt"), b"x").is_ok() { written += 1000; }
    // Modes and owners (Landlock does not cover them), UDP (nor that), and
    // the terminals a learner types into.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::Permissions::from_mode(0o777);
    if std::fs::set_permissions(root.join("info.toml"), mode).is_ok() { written += 10_000; }
    if std::os::unix::fs::chown(root.join("info.toml"), Some(0), Some(0)).is_ok() { written += 10_000; }
    if std::net::UdpSocket::bind("127.0.0.1:0").is_ok() { written += 100_000; }
    if std::fs::read_dir("/dev/pts").is_ok() { written += 100_000; }
    a + b + written"#,
    );
    let before: Vec<String> = [
        "tests/basics/passing.rs",
        "info.toml",
        "exercises/basics/failing.rs",
    ]
    .iter()
    .map(|f| course.read(f))
    .collect();
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(
        run.code(),
        0,
        "every write (and reading /proc) was refused, so add is right:\n{}",
        run.all()
    );
    let after: Vec<String> = [
        "tests/basics/passing.rs",
        "info.toml",
        "exercises/basics/failing.rs",
    ]
    .iter()
    .map(|f| course.read(f))
    .collect();
    assert_eq!(before, after);
    assert!(!course.path("planted.txt").exists());
}

/// Processes whose command line mentions this course's folder, other than
/// the runner itself (test binaries live under the course's target/).
#[cfg(target_os = "linux")]
fn course_processes(course: &Course) -> Vec<String> {
    let root = course.root().display().to_string();
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let state = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = state
            .rsplit(')')
            .next()
            .is_some_and(|s| s.trim_start().starts_with('Z'));
        if (cmdline.contains(&root) || cmdline.contains(&course.token()))
            && !cmdline.starts_with(env!("CARGO_BIN_EXE_runner"))
            && !zombie
        {
            found.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}

#[cfg(target_os = "linux")]
fn wait_until_gone(course: &Course) -> Vec<String> {
    let started = Instant::now();
    loop {
        let left = course_processes(course);
        if left.is_empty() || started.elapsed() > Duration::from_secs(10) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn processes_that_leave_the_group_do_not_outlive_the_check() {
    let course = course_with(
        "use std::os::unix::process::CommandExt;",
        r#"
    let token = std::env::var("FIXTURE_TOKEN").unwrap_or_default();
    let exe = std::env::current_exe().unwrap();
    // Another program, and this very binary, each in a group of its own.
    let _ = std::process::Command::new("sh").arg("-c")
        .arg(format!("sleep 300; true {token}")).process_group(0).spawn();
    let _ = std::process::Command::new(&exe).arg("adds").process_group(0).spawn();
    std::thread::sleep(std::time::Duration::from_millis(300));
    a + b + 1"#,
    );
    assert_not_passed(&course, "a test that starts processes");
    let left = wait_until_gone(&course);
    assert!(left.is_empty(), "processes outlived the check: {left:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_memory_hog_is_stopped_and_the_runner_lives() {
    let course = course_with(
        "",
        r#"
    // Bounded, so that a runner without a limit cannot take the machine
    // down: at most 3 GiB, touched page by page.
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    for _ in 0..48 {
        hoard.push(vec![1u8; 64 << 20]);
    }
    a + b + hoard.len() as u32"#,
    );
    let info = course.read("info.toml").replace(
        "name = \"passing\"\ndir = \"basics\"",
        "name = \"passing\"\ndir = \"basics\"\nmemory_limit_mib = 256",
    );
    course.write("info.toml", &info);
    let out = assert_not_passed(&course, "a memory hog");
    assert!(out.contains("passing crashed"), "{out}");
    assert!(out.contains("memory"), "names the cause: {out}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_thread_bomb_is_stopped_and_the_runner_lives() {
    let course = course_with(
        "",
        r#"
    let mut spawned = 0u32;
    for _ in 0..100_000 {
        match std::thread::Builder::new()
            .spawn(|| std::thread::sleep(std::time::Duration::from_secs(30))) {
            Ok(_) => spawned += 1,
            Err(_) => break,
        }
    }
    // Passes only if nothing limited the threads.
    if spawned == 100_000 { a + b } else { 0 }"#,
    );
    let info = course.read("info.toml").replace(
        "name = \"passing\"\ndir = \"basics\"",
        "name = \"passing\"\ndir = \"basics\"\nmemory_limit_mib = 256",
    );
    course.write("info.toml", &info);
    assert_not_passed(&course, "a thread bomb");
    let left = wait_until_gone(&course);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn output_cannot_drive_the_terminal() {
    let course = course_with(
        "",
        r#"print!("\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]52;c;Zm9v\x07\rhidden"); a + b + 1"#,
    );
    let out = assert_not_passed(&course, "wrong code that prints escapes");
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(!out.contains('\r'), "{out:?}");
    assert!(out.contains("hidden"), "the text itself is kept: {out}");
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_and_kill_of_the_runner_leave_nothing_running() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let course = course_with(
        "",
        "std::thread::sleep(std::time::Duration::from_secs(60)); a + b",
    );
    let info = course.read("info.toml").replace(
        "name = \"passing\"\ndir = \"basics\"",
        "name = \"passing\"\ndir = \"basics\"\ntimeout_secs = 60",
    );
    course.write("info.toml", &info);
    // Build first, so that the signal arrives while the test runs.
    for (signal, expected) in [(Signal::SIGINT, Some(130)), (Signal::SIGKILL, None)] {
        let mut child = course
            .command(&["run", "passing"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("runner starts");
        let started = Instant::now();
        while course_processes(&course).is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the test never started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        kill(Pid::from_raw(child.id() as i32), signal).expect("signal");
        let status = child.wait().expect("runner ends");
        assert_eq!(status.code(), expected, "{signal}");
        let left = wait_until_gone(&course);
        assert!(left.is_empty(), "after {signal}: {left:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_test_cannot_reach_the_controlling_terminal() {
    use std::io::Read;
    use std::process::Stdio;

    use nix::pty::{Winsize, openpty};
    if !std::path::Path::new("/usr/bin/setsid").exists() {
        return;
    }
    // `add` is right only if /dev/tty cannot be opened for writing.
    let course = course_with(
        "",
        r#"
    use std::io::Write;
    match std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        Ok(mut tty) => { let _ = tty.write_all(b"TTY-WRITTEN\x1b[2J"); 0 }
        Err(_) => a + b,
    }"#,
    );
    let size = Winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None).expect("a pseudo-terminal");
    // The runner runs in a terminal of its own, as in a terminal window.
    let runner = course.command(&["--color", "never", "run", "passing"]);
    let mut command = std::process::Command::new("/usr/bin/setsid");
    command
        .arg("--ctty")
        .arg(runner.get_program())
        .args(runner.get_args())
        .current_dir(course.root())
        .env("FIXTURE_TOKEN", course.token())
        .stdin(Stdio::from(pty.slave.try_clone().expect("tty")))
        .stdout(Stdio::from(pty.slave.try_clone().expect("tty")))
        .stderr(Stdio::from(pty.slave));
    let mut child = command.spawn().expect("runner starts");
    let status = child.wait().expect("runner ends");
    let mut master = fs::File::from(pty.master);
    let mut seen = Vec::new();
    // Non-blocking enough: the runner has exited, so read what it left.
    nix::fcntl::fcntl(
        &master,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .expect("non-blocking");
    let _ = master.read_to_end(&mut seen);
    let seen = String::from_utf8_lossy(&seen);
    assert!(!seen.contains("TTY-WRITTEN"), "{seen}");
    assert_eq!(status.code(), Some(0), "/dev/tty was refused: {seen}");
}

/// The red team's forgery: reopen the output pipe through /dev/fd, steal the
/// driver's report line (and its secret), forge a pass with it, and hold
/// the process's exit open in a thread-local destructor so that the forger
/// picks the exit code. The report goes over a socket, which cannot be
/// reopened, and the driver ends with `_exit`.
#[cfg(target_os = "linux")]
#[test]
fn stealing_the_report_through_dev_fd_does_not_pass() {
    let course = course_with(
        r#"
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static THIEF_SAW_DOT: AtomicBool = AtomicBool::new(false);
static FORGED: AtomicBool = AtomicBool::new(false);

fn thief(mut pipe: std::fs::File) {
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = pipe.read(&mut buf) else { return };
        if n == 0 { return; }
        let data = &buf[..n];
        if let Some(s) = data.iter().position(|&b| b == 0x1e) {
            let rest = &data[s..];
            if let Some(colon) = rest.iter().position(|&b| b == b':') {
                let mut line = b"\n".to_vec();
                line.extend_from_slice(&rest[..=colon]);
                line.extend_from_slice(b"{\"status\":\"passed\",\"millis\":1}\n");
                let _ = std::io::stderr().write_all(&line);
                FORGED.store(true, Ordering::SeqCst);
                loop { std::thread::park(); }
            }
        }
        THIEF_SAW_DOT.store(true, Ordering::SeqCst);
    }
}

struct HoldExit;
impl Drop for HoldExit {
    fn drop(&mut self) {
        // Runs inside libc's exit(0), after std let this thread be "the" exiter.
        while !FORGED.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
thread_local!(static HOLD: HoldExit = const { HoldExit });

fn setup() {
    std::panic::set_hook(Box::new(|_| {}));
    let Ok(pipe) = std::fs::File::open("/dev/fd/2") else { return };
    std::thread::spawn(move || thief(pipe));
    std::thread::sleep(Duration::from_millis(20));
    for _ in 0..20 {
        THIEF_SAW_DOT.store(false, Ordering::SeqCst);
        let _ = std::io::stderr().write_all(b".");
        std::thread::sleep(Duration::from_millis(10));
        if !THIEF_SAW_DOT.load(Ordering::SeqCst) {
            break;
        }
    }
    std::thread::spawn(|| {
        HOLD.with(|_| ());
        std::process::exit(0);
    });
    std::thread::sleep(Duration::from_millis(20));
}
"#,
        "static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(setup);
    a + b + 1",
    );
    for _ in 0..3 {
        assert_not_passed(&course, "a stolen and forged report");
    }
}
