#![cfg(unix)]
//! Watch mode end to end: the real binary in a real pseudo-terminal, on a
//! tiny course made for each test, with the screen read as a terminal shows
//! it (vt100). Waits are generous (a loaded machine compiles slowly) but
//! end as soon as the screen shows what is awaited; nothing sleeps long.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use nix::pty::{Winsize, openpty};
use nix::sys::signal::{Signal, kill};
use nix::sys::termios::{LocalFlags, tcgetattr};
use nix::unistd::Pid;

/// Longest wait for something to appear on screen.
const PATIENCE: Duration = Duration::from_secs(90);
const ROWS: u16 = 40;
const COLS: u16 = 120;

const BROKEN: &str = "pub fn answer() -> u32 {\n    0\n}\n\nfn main() {}\n";
const FIXED: &str = "pub fn answer() -> u32 {\n    42\n}\n\nfn main() {}\n";
const TESTS: &str = "use exercise::answer;\n\n#[test]\nfn answers_42() {\n    assert_eq!(answer(), 42, \"answer() is wrong\");\n}\n";

/// `answer` returning `value` after `millis` milliseconds.
fn slow(value: u32, millis: u64) -> String {
    format!(
        "pub fn answer() -> u32 {{\n    std::thread::sleep(std::time::Duration::from_millis({millis}));\n    {value}\n}}\n\nfn main() {{}}\n"
    )
}

/// A two-exercise course in a temporary folder.
struct Course {
    dir: tempfile::TempDir,
}

impl Course {
    fn new() -> Self {
        let course = Course {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        course.write(
            "info.toml",
            "format_version = 1\n\
             welcome_message = \"Welcome to the watch test course.\"\n\
             final_message = \"Watch course complete.\"\n\n\
             [[exercises]]\nname = \"first\"\ndir = \"basics\"\nhints = [\"Return the answer.\", \"It is 42.\"]\n\
             timeout_secs = 60\n\n\
             [[exercises]]\nname = \"second\"\ndir = \"basics\"\nhints = [\"Also 42.\", \"Return 42.\"]\n",
        );
        course.write(
            "exercises/Cargo.toml",
            "[package]\nname = \"exercises\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\n",
        );
        for name in ["first", "second"] {
            let file = format!("basics/{name}.rs");
            course.write(&format!("exercises/{file}"), BROKEN);
            course.write(&format!(".course/pristine/{file}"), BROKEN);
            course.write(&format!("solutions/{file}"), FIXED);
            course.write(&format!("tests/{file}"), TESTS);
        }
        course
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
        fs::write(&path, text).expect("write file");
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).unwrap_or_default()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_runner"));
        command
            .args(args)
            .current_dir(self.root())
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color");
        command
    }
}

/// The runner in a pseudo-terminal.
struct Watch {
    child: Child,
    keys: File,
    /// The terminal side the runner uses, kept to read its modes.
    tty: OwnedFd,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Everything the runner wrote.
    output: Arc<Mutex<Vec<u8>>>,
}

impl Watch {
    fn start(course: &Course, args: &[&str]) -> Watch {
        Watch::start_with(course, args, &[])
    }

    fn start_with(course: &Course, args: &[&str], env: &[(&str, &str)]) -> Watch {
        let size = Winsize {
            ws_row: ROWS,
            ws_col: COLS,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(&size, None).expect("a pseudo-terminal");
        let tty = pty.slave;
        let mut command = course.command(args);
        // A session of its own with the pseudo-terminal as its controlling
        // terminal, as in a real terminal window.
        if Path::new("/usr/bin/setsid").exists() {
            let inner = command;
            command = Command::new("/usr/bin/setsid");
            command
                .arg("--ctty")
                .arg(inner.get_program())
                .args(inner.get_args())
                .current_dir(course.root())
                .env_remove("NO_COLOR")
                .env("TERM", "xterm-256color");
        }
        let child = command
            .envs(env.iter().copied())
            .stdin(Stdio::from(tty.try_clone().expect("clone tty")))
            .stdout(Stdio::from(tty.try_clone().expect("clone tty")))
            .stderr(Stdio::from(tty.try_clone().expect("clone tty")))
            .spawn()
            .expect("the runner starts");
        let master = File::from(pty.master);
        let keys = master.try_clone().expect("clone master");
        let parser = vt100::Parser::new(
            NonZeroU16::new(ROWS).expect("rows"),
            NonZeroU16::new(COLS).expect("columns"),
            0,
        );
        let screen = Arc::new(Mutex::new(parser));
        let output = Arc::new(Mutex::new(Vec::new()));
        let (screen_in, output_in) = (Arc::clone(&screen), Arc::clone(&output));
        thread::spawn(move || read_terminal(master, &screen_in, &output_in));
        Watch {
            child,
            keys,
            tty,
            screen,
            output,
        }
    }

    fn screen(&self) -> String {
        self.screen.lock().expect("screen").screen().contents()
    }

    /// Waits until the screen satisfies `done`; returns the screen.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "waited {PATIENCE:?} for {what}; the screen shows:\n{screen}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until a check finished and the screen shows `text`.
    fn wait_verdict(&self, text: &str) -> String {
        self.wait_for(&format!("the verdict {text:?}"), |s| {
            s.contains(text) && !s.contains("checking")
        })
    }

    fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).expect("type");
        self.keys.flush().expect("flush");
    }

    /// How much the runner wrote so far.
    fn written(&self) -> usize {
        self.output.lock().expect("output").len()
    }

    /// What the runner wrote after `from`, without escape sequences.
    fn text_since(&self, from: usize) -> String {
        strip_escapes(&self.output.lock().expect("output")[from..])
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the runner did not exit; the screen shows:\n{}",
                self.screen()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the exit, then checks that the terminal is as it was:
    /// main screen, cursor shown, line editing and echo back on.
    fn assert_restored(&mut self) -> ExitStatus {
        let status = self.wait_exit();
        let (alternate, hidden) = {
            // The last bytes may still be on their way from the terminal.
            let started = Instant::now();
            loop {
                let parser = self.screen.lock().expect("screen");
                let state = (
                    parser.screen().alternate_screen(),
                    parser.screen().hide_cursor(),
                );
                if state == (false, false) || started.elapsed() > Duration::from_secs(5) {
                    break state;
                }
                drop(parser);
                thread::sleep(Duration::from_millis(10));
            }
        };
        assert!(!alternate, "still on the alternate screen");
        assert!(!hidden, "the cursor is still hidden");
        let modes = tcgetattr(&self.tty).expect("terminal modes");
        assert!(
            modes
                .local_flags
                .contains(LocalFlags::ICANON | LocalFlags::ECHO),
            "the terminal is still in raw mode: {:?}",
            modes.local_flags
        );
        status
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_terminal(mut master: File, screen: &Mutex<vt100::Parser>, output: &Mutex<Vec<u8>>) {
    let mut buffer = [0u8; 8192];
    // Ends with an error (EIO) once the runner and the test closed the
    // terminal, or with the test.
    while let Ok(n) = master.read(&mut buffer) {
        if n == 0 {
            break;
        }
        if let Ok(mut output) = output.lock() {
            output.extend_from_slice(&buffer[..n]);
        }
        if let Ok(mut screen) = screen.lock() {
            screen.process(&buffer[..n]);
        }
    }
}

/// Processes running a program from inside `root` (the compiled tests).
fn processes_under(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| fs::read_link(entry.path().join("exe")).ok())
        .filter(|exe| exe.starts_with(root))
        .collect()
}

fn strip_escapes(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

const FAILED: &str = "✗ first 1 of 1 hidden tests failed";
const PASSED: &str = "✓ first passed";

#[test]
fn a_fix_is_checked_on_save_recorded_at_once_and_n_moves_on() {
    let course = Course::new();
    let mut watch = Watch::start(&course, &[]);
    let screen = watch.wait_verdict(FAILED);
    assert!(screen.contains("exercises/basics/first.rs"), "{screen}");
    assert!(screen.contains("answer() is wrong"), "{screen}");
    assert!(screen.contains("0/2 exercises done"), "{screen}");
    assert!(
        screen.contains("Welcome to the watch test course."),
        "{screen}"
    );
    assert!(screen.contains("q quit"), "{screen}");

    course.write("exercises/basics/first.rs", FIXED);
    let screen = watch.wait_verdict(PASSED);
    assert!(screen.contains("solutions/basics/first.rs"), "{screen}");
    assert!(
        screen.contains("n for the next exercise (second)"),
        "{screen}"
    );
    let progress = course.read(".runner/state.toml");
    assert!(progress.contains("done = [\"first\"]"), "{progress}");

    // The hint ladder opens one rung per `h`, says what is left, then hides.
    watch.press("h");
    let screen = watch.wait_for("the first hint", |s| s.contains("Return the answer."));
    assert!(!screen.contains("It is 42."), "{screen}");
    assert!(screen.contains("1 more hint: press h."), "{screen}");
    watch.press("h");
    let screen = watch.wait_for("the second hint", |s| s.contains("It is 42."));
    assert!(screen.contains("That was the last hint"), "{screen}");
    watch.press("h");
    watch.wait_for("the hints hidden", |s| !s.contains("It is 42."));
    watch.press("n");
    let screen = watch.wait_verdict("✗ second 1 of 1 hidden tests failed");
    assert!(screen.contains("second (2/2)"), "{screen}");
    assert!(screen.contains("1/2 exercises done"), "{screen}");
    assert!(!screen.contains("Return the answer."), "{screen}");

    watch.press("q");
    let status = watch.assert_restored();
    assert_eq!(status.code(), Some(0));
    let text = watch.text_since(0);
    assert!(
        text.contains("1/2 exercises done. Run `cargo runner` to go on."),
        "no goodbye in:\n{text}"
    );
}

#[test]
fn rename_and_delete_then_create_saves_are_noticed() {
    let course = Course::new();
    let mut watch = Watch::start(&course, &[]);
    watch.wait_verdict(FAILED);

    // As many editors save: write a temporary file, rename it over.
    let temp = course.path("exercises/basics/.first.rs.tmp");
    fs::write(&temp, FIXED).expect("write temp");
    fs::rename(&temp, course.path("exercises/basics/first.rs")).expect("rename");
    watch.wait_verdict(PASSED);

    // Others delete the file and create it again.
    fs::remove_file(course.path("exercises/basics/first.rs")).expect("delete");
    course.write("exercises/basics/first.rs", &slow(5, 0));
    let screen = watch.wait_verdict(FAILED);
    assert!(screen.contains("left: 5"), "{screen}");

    watch.press("q");
    assert_eq!(watch.assert_restored().code(), Some(0));
}

#[test]
fn saves_during_a_slow_check_show_the_last_save() {
    let course = Course::new();
    let mut watch = Watch::start(&course, &[]);
    watch.wait_verdict(FAILED);

    // A check that takes long: its test sleeps 40 s (the limit is 60 s).
    course.write("exercises/basics/first.rs", &slow(1, 40_000));
    watch.wait_for("the slow check", |s| s.contains("checking"));
    thread::sleep(Duration::from_millis(300));
    let from = watch.written();
    let saved = Instant::now();
    course.write("exercises/basics/first.rs", &slow(2, 300));
    thread::sleep(Duration::from_millis(60));
    course.write("exercises/basics/first.rs", &slow(3, 300));
    let screen = watch.wait_verdict("left: 3");
    assert!(screen.contains(FAILED), "{screen}");
    assert!(
        saved.elapsed() < Duration::from_secs(30),
        "the slow check was not cancelled: the verdict took {:?}",
        saved.elapsed()
    );
    let shown = watch.text_since(from);
    for older in ["left: 1", "left: 2"] {
        assert!(
            !shown.contains(older),
            "a verdict of an older save ({older}) was shown:\n{shown}"
        );
    }
    // The previous verdict stayed on screen while checking.
    assert!(shown.contains("checking"), "{shown}");

    watch.press("q");
    assert_eq!(watch.assert_restored().code(), Some(0));
}

#[test]
fn reset_asks_first_and_keeps_a_backup() {
    let course = Course::new();
    let mut watch = Watch::start(&course, &[]);
    watch.wait_verdict(FAILED);
    course.write("exercises/basics/first.rs", FIXED);
    watch.wait_verdict(PASSED);

    // Any key but y keeps the file.
    watch.press("x");
    watch.wait_for("the question", |s| s.contains("to its original text?"));
    watch.press("n");
    watch.wait_for("the answer", |s| s.contains("was not reset"));
    assert_eq!(course.read("exercises/basics/first.rs"), FIXED);

    watch.press("x");
    watch.wait_for("the question", |s| s.contains("to its original text?"));
    watch.press("y");
    let screen = watch.wait_verdict(FAILED);
    assert!(
        screen.contains("Restored exercises/basics/first.rs"),
        "{screen}"
    );
    assert!(screen.contains(".runner/backups/basics/first."), "{screen}");
    assert_eq!(course.read("exercises/basics/first.rs"), BROKEN);
    let backups: Vec<_> = fs::read_dir(course.path(".runner/backups/basics"))
        .expect("backups")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(fs::read_to_string(&backups[0]).expect("backup"), FIXED);
    let progress = course.read(".runner/state.toml");
    assert!(progress.contains("done = []"), "still done: {progress}");
    assert!(
        progress.contains("current = \"first\""),
        "the reset exercise is current: {progress}"
    );

    watch.press("q");
    assert_eq!(watch.assert_restored().code(), Some(0));
}

#[test]
fn m_runs_main_and_shows_what_it_printed() {
    let course = Course::new();
    course.write(
        "exercises/basics/first.rs",
        "pub fn answer() -> u32 {\n    0\n}\n\nfn main() {\n    println!(\"the demo says {}\", answer() + 7);\n}\n",
    );
    let mut watch = Watch::start(&course, &[]);
    watch.wait_verdict(FAILED);
    watch.press("m");
    let screen = watch.wait_for("main's output", |s| s.contains("the demo says 7"));
    assert!(screen.contains("main returned"), "{screen}");
    assert!(screen.contains("Esc back"), "{screen}");
    watch.press("\u{1b}");
    watch.wait_for("the exercise again", |s| !s.contains("the demo says 7"));
    watch.press("q");
    assert_eq!(watch.assert_restored().code(), Some(0));
}

#[test]
fn the_last_pass_checks_everything_and_shows_the_final_message() {
    let course = Course::new();
    course.write("exercises/basics/first.rs", FIXED);
    let mut watch = Watch::start(&course, &[]);
    watch.wait_verdict(PASSED);
    watch.press("n");
    watch.wait_verdict("✗ second 1 of 1 hidden tests failed");
    course.write("exercises/basics/second.rs", FIXED);
    let screen = watch.wait_for("the final message", |s| {
        s.contains("Watch course complete.") && !s.contains("checking")
    });
    assert!(screen.contains("2/2 exercises pass."), "{screen}");
    assert!(screen.contains("✓ first passed"), "{screen}");
    assert!(screen.contains("✓ second passed"), "{screen}");
    watch.press("q");
    assert_eq!(watch.assert_restored().code(), Some(0));
}

#[test]
fn ctrl_c_while_checking_restores_the_terminal() {
    let course = Course::new();
    course.write("exercises/basics/first.rs", &slow(1, 20_000));
    let mut watch = Watch::start(&course, &[]);
    watch.wait_for("a check", |s| s.contains("checking"));
    let started = Instant::now();
    while processes_under(course.root()).is_empty() {
        assert!(
            started.elapsed() < PATIENCE,
            "the hidden test never started"
        );
        thread::sleep(Duration::from_millis(10));
    }
    watch.press("\x03");
    assert_eq!(watch.assert_restored().code(), Some(130));
    let left = processes_under(course.root());
    assert!(
        left.is_empty(),
        "the check's processes outlived the runner: {left:?}"
    );
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the panic is asked for through a hook of debug builds"
)]
fn a_panic_restores_the_terminal() {
    let course = Course::new();
    let mut watch = Watch::start_with(&course, &[], &[("RUNNER_WATCH_TEST_PANIC", "1")]);
    watch.wait_verdict(FAILED);
    watch.press("!");
    assert_eq!(watch.assert_restored().code(), Some(101));
    let text = watch.text_since(0);
    assert!(
        text.contains("asked for by RUNNER_WATCH_TEST_PANIC"),
        "{text}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let course = Course::new();
    let mut watch = Watch::start(&course, &[]);
    watch.wait_verdict(FAILED);
    let pid = Pid::from_raw(i32::try_from(watch.child.id()).expect("pid"));
    kill(pid, Signal::SIGTERM).expect("signal the runner");
    assert_eq!(watch.assert_restored().code(), Some(128 + 15));
}

#[test]
fn polling_notices_saves_and_says_so() {
    let course = Course::new();
    let mut watch = Watch::start(&course, &["watch", "--poll"]);
    let screen = watch.wait_verdict(FAILED);
    assert!(screen.contains("polling for saves"), "{screen}");
    course.write("exercises/basics/first.rs", FIXED);
    watch.wait_verdict(PASSED);
    watch.press("q");
    assert_eq!(watch.assert_restored().code(), Some(0));
}

#[test]
fn manual_mode_checks_on_r_only() {
    let course = Course::new();
    let mut watch = Watch::start(&course, &["watch", "--manual"]);
    let screen = watch.wait_verdict(FAILED);
    assert!(screen.contains("manual mode: press r to check"), "{screen}");
    course.write("exercises/basics/first.rs", FIXED);
    thread::sleep(Duration::from_millis(500));
    assert!(watch.screen().contains(FAILED), "checked without r");
    watch.press("r");
    watch.wait_verdict(PASSED);
    watch.press("q");
    assert_eq!(watch.assert_restored().code(), Some(0));
}

#[test]
fn a_second_watcher_on_the_same_course_is_refused() {
    let course = Course::new();
    let mut first = Watch::start(&course, &[]);
    first.wait_verdict(FAILED);
    let mut second = Watch::start(&course, &[]);
    let screen = second.wait_for("the refusal", |s| s.contains("already watching"));
    assert!(screen.contains("press q in it"), "{screen}");
    assert_eq!(second.wait_exit().code(), Some(2));
    first.press("q");
    assert_eq!(first.assert_restored().code(), Some(0));
}

#[test]
fn without_a_terminal_it_points_to_verify() {
    let course = Course::new();
    let output = course
        .command(&[])
        .stdin(Stdio::null())
        .output()
        .expect("the runner starts");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("watch mode needs a terminal"), "{stderr}");
    assert!(stderr.contains("cargo runner verify"), "{stderr}");
}
