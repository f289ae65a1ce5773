//! The real `runner` binary against the tiny fixture course in
//! `tests/fixtures/course`, each test on its own temporary copy.

mod common;

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use common::Course;

#[test]
fn passing_exercise_passes_and_is_recorded() {
    let course = Course::new();
    let run = course.run(&["run", "passing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stdout().contains("passing passed"), "{}", run.all());
    assert!(
        run.stdout().contains("Next up: compile_error"),
        "{}",
        run.all()
    );
    let list = course.run(&["list"]);
    assert!(
        list.stdout().contains("passing        basics  done"),
        "{}",
        list.all()
    );
    assert!(list.stdout().contains("> "), "{}", list.all());
}

#[test]
fn compile_error_points_at_the_learners_file() {
    let course = Course::new();
    let run = course.run(&["run", "compile_error"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    assert!(out.contains("does not compile"), "{out}");
    assert!(
        out.contains("--> exercises/basics/compile_error.rs:2:20"),
        "{out}"
    );
    assert!(
        !out.contains("\u{1b}["),
        "no colour when not a terminal: {out}"
    );
    let coloured = course.run(&["--color", "always", "run", "compile_error"]);
    assert!(coloured.stdout().contains("\u{1b}["), "{}", coloured.all());
    // In a terminal the location is a link (OSC 8) to the file, its text
    // whole, so terminals and editors can open it.
    let file = course.path("exercises/basics/compile_error.rs");
    let link = format!(
        "\u{1b}]8;;file://{}\u{1b}\\exercises/basics/compile_error.rs:2:20\u{1b}]8;;\u{1b}\\",
        file.display()
    );
    assert!(
        coloured.stdout().contains(&link),
        "{link:?} in:\n{:?}",
        coloured.stdout()
    );
    assert!(!out.contains("\u{1b}]8"), "no link without colour: {out}");
    // The learner's file is never touched by a build.
    assert_eq!(
        fs::read(course.path("exercises/basics/compile_error.rs")).expect("read"),
        fs::read(course.path(".course/pristine/basics/compile_error.rs")).expect("read")
    );
}

#[test]
fn failing_test_shows_its_message_and_output() {
    let course = Course::new();
    let run = course.run(&["run", "failing"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    assert!(out.contains("1 of 2 hidden tests failed"), "{out}");
    assert!(out.contains("✗ adds\n"), "{out}");
    assert!(
        !out.contains("adds_zero"),
        "passing tests stay quiet: {out}"
    );
    assert!(out.contains("add(2, 3) should be 5"), "{out}");
    assert!(
        out.contains("adding 2 and 3"),
        "the learner's own output: {out}"
    );
    assert!(out.contains("tests/basics/failing.rs:"), "{out}");
    assert!(
        !out.contains("test result:"),
        "libtest noise is removed: {out}"
    );
    assert!(out.contains("cargo runner hint failing"), "{out}");
}

/// Processes whose command line carries `token` (Linux: read from /proc;
/// elsewhere the process tests of `hostile.rs` do not run either).
#[cfg(target_os = "linux")]
fn marked_processes(token: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("/proc").flatten() {
        if let Ok(cmdline) = fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(token) && !cmdline.contains("runner") {
                found.push(format!(
                    "{}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

#[test]
fn deadlock_times_out_and_leaves_no_process_behind() {
    let course = Course::new();
    let started = Instant::now();
    let run = course.run(&["run", "deadlock"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    assert!(out.contains("deadlock timed out"), "{out}");
    assert!(
        out.contains("⏱ sums"),
        "names the test that timed out: {out}"
    );
    assert!(out.contains("deadlocked"), "suggests the cause: {out}");
    assert!(out.contains("Sender"), "suggests the cause: {out}");
    assert!(
        out.contains("⏱ sums_nothing"),
        "the tests run at once, so every hang is named: {out}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    #[cfg(target_os = "linux")]
    {
        let left = marked_processes(&course.token());
        assert!(left.is_empty(), "processes outlived the check: {left:?}");
    }
}

#[test]
fn endless_output_is_cut_with_a_notice() {
    let course = Course::new();
    let run = course.run(&["run", "endless"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    assert!(out.contains("timed out"), "{out}");
    assert!(out.contains("output limit was reached"), "{out}");
    assert!(
        out.len() < 32 * 1024,
        "output is bounded: {} bytes",
        out.len()
    );
}

#[test]
fn crash_is_its_own_outcome() {
    let course = Course::new();
    let run = course.run(&["run", "crash"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stdout().contains("crash crashed"), "{}", run.all());
    assert!(run.stdout().contains("SIGABRT"), "{}", run.all());
}

#[test]
fn verify_stops_at_the_first_failure_unless_asked_to_go_on() {
    let course = Course::new();
    let run = course.run(&["verify"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    assert!(out.contains("✓ passing"), "{out}");
    assert!(out.contains("✗ compile_error"), "{out}");
    assert!(
        !out.contains("failing"),
        "stopped at the first failure: {out}"
    );
    assert!(out.contains("1/6 exercises passed"), "{out}");

    let all = course.run(&["verify", "--keep-going"]);
    assert_eq!(all.code(), 1);
    assert!(
        all.stdout().contains("1/6 exercises passed"),
        "{}",
        all.all()
    );
    assert!(all.stdout().contains("✗ crash"), "{}", all.all());

    let solutions = course.run(&["verify", "--solutions"]);
    assert_eq!(solutions.code(), 0, "{}", solutions.all());
    assert!(
        solutions.stdout().contains("6/6 solutions passed"),
        "{}",
        solutions.all()
    );
}

#[test]
fn bad_manifest_lists_every_problem_with_its_place() {
    let course = Course::new();
    let text = fs::read_to_string(course.path("info.toml")).expect("read");
    let text = text
        .replacen("name = \"failing\"", "name = \"passing\"", 1)
        .replacen("dir = \"basics\"", "dir = \"../outside\"", 1);
    fs::write(course.path("info.toml"), text).expect("write");
    let run = course.run(&["list"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    let err = run.stderr();
    assert!(err.contains("info.toml:8:7: dir `../outside`"), "{err}");
    assert!(
        err.contains("info.toml:17:8: exercise name `passing` is used twice"),
        "{err}"
    );

    fs::write(
        course.path("info.toml"),
        "format_version = 1\n[[exercises]]\nnam = \"x\"\n",
    )
    .expect("write");
    let run = course.run(&["list"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("info.toml:3:1: unknown field `nam`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn missing_files_are_reported_by_name() {
    let course = Course::new();
    fs::remove_file(course.path("tests/basics/failing.rs")).expect("remove");
    fs::remove_file(course.path("solutions/basics/crash.rs")).expect("remove");
    // Learners' commands need no solutions (a learner edition has none).
    let run = course.run(&["verify"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(!run.stderr().contains("crash"), "{}", run.all());
    let run = course.run(&["verify", "--solutions"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    let err = run.stderr();
    assert!(
        err.contains("hidden-test file of `failing` is missing: tests/basics/failing.rs"),
        "{err}"
    );
    assert!(
        err.contains("solution file of `crash` is missing: solutions/basics/crash.rs"),
        "{err}"
    );
}

#[test]
fn reset_restores_the_original_and_keeps_a_backup() {
    let course = Course::new();
    let file = course.path("exercises/basics/failing.rs");
    let original = fs::read(&file).expect("read");
    let solved = fs::read(course.path("solutions/basics/failing.rs")).expect("read");
    fs::write(&file, &solved).expect("edit");
    assert_eq!(course.run(&["run", "failing"]).code(), 0);

    let run = course.run(&["reset", "failing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(
        fs::read(&file).expect("read"),
        original,
        "restored byte for byte"
    );
    let line = run
        .stdout()
        .lines()
        .find_map(|l| {
            l.strip_prefix("Your version is saved as ")
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no backup named in: {}", run.all()));
    assert_eq!(fs::read(course.path(&line)).expect("backup"), solved);
    // The learner picks up at the reset exercise, not past it.
    assert!(
        run.stdout()
            .contains("failing is now the current exercise."),
        "{}",
        run.all()
    );
    let list = course.run(&["list"]);
    let line = list
        .stdout()
        .lines()
        .find(|l| l.contains(" failing "))
        .unwrap_or_else(|| panic!("failing is listed: {}", list.all()))
        .to_string();
    assert!(
        line.starts_with('>') && line.contains("failing        basics  pending"),
        "{}",
        list.all()
    );

    // A deleted exercise comes back too.
    fs::remove_file(&file).expect("remove");
    let missing = course.run(&["run", "failing"]);
    assert_eq!(missing.code(), 2);
    assert!(
        missing.stderr().contains("cargo runner reset failing"),
        "{}",
        missing.all()
    );
    assert_eq!(course.run(&["reset", "failing"]).code(), 0);
    assert_eq!(fs::read(&file).expect("read"), original);
}

#[test]
fn corrupt_state_means_a_fresh_start_with_a_warning() {
    let course = Course::new();
    fs::create_dir_all(course.path(".runner")).expect("dir");
    fs::write(course.path(".runner/state.toml"), "done = [[[").expect("write");
    let run = course.run(&["list"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stderr().contains("starting fresh"), "{}", run.all());
    assert!(
        run.stdout().contains("0/6 done; current: passing"),
        "{}",
        run.all()
    );
    assert!(course.path(".runner/state.toml.corrupt").is_file());
}

#[test]
fn hint_and_unknown_names() {
    let course = Course::new();
    // One rung per call, kept in the progress; `--all` opens the rest.
    let run = course.run(&["--color", "never", "hint", "failing"]);
    assert_eq!(run.code(), 0);
    let out = run.stdout();
    assert!(out.contains("Hint 1 of 2 for failing:"), "{out}");
    assert!(out.contains("Return the sum"), "{out}");
    assert!(!out.contains("The answer"), "the cure waits: {out}");
    assert!(out.contains("1 more: `cargo runner hint failing`"), "{out}");
    let state = course.read(".runner/state.toml");
    assert!(state.contains("failing = 1"), "{state}");
    let run = course.run(&["--color", "never", "hint", "failing"]);
    let out = run.stdout();
    assert!(out.contains("Hint 2 of 2 for failing:"), "{out}");
    assert!(out.contains("The answer: return the sum"), "{out}");
    assert!(!out.contains("more:"), "{out}");
    let run = course.run(&["--color", "never", "hint", "--all", "passing"]);
    assert!(
        run.stdout().contains("Hint 2 of 2 for passing:"),
        "{}",
        run.all()
    );
    let run = course.run(&["hint", "nope"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("no exercise called `nope`"),
        "{}",
        run.all()
    );
}

#[test]
fn outside_a_course_says_where_to_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("list")
        .current_dir(dir.path())
        .output()
        .expect("runner starts");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no info.toml"));
}

#[test]
fn an_exercise_with_repeat_is_recorded_only_when_every_run_passes() {
    let course = Course::only(&["passing", "failing"]);
    // Right or wrong by a coin toss in each test process.
    course.write(
        "exercises/basics/passing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    use std::hash::{BuildHasher, RandomState};\n    \
         if RandomState::new().hash_one(0u8) % 2 == 0 { a + b + 1 } else { a + b }\n}\n\nfn main() {}\n",
    );
    let info = course.read("info.toml").replace(
        "name = \"passing\"\ndir = \"basics\"",
        "name = \"passing\"\ndir = \"basics\"\nrepeat = 30",
    );
    course.write("info.toml", &info);
    // 30 runs must all pass: a coin does that once in 2^30 tries.
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let list = course.run(&["list"]);
    assert!(
        list.stdout()
            .lines()
            .any(|l| l.contains(" passing ") && l.trim_end().ends_with("pending")),
        "{}",
        list.all()
    );
    // A steady solution passes all its runs.
    course.write(
        "exercises/basics/passing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\nfn main() {}\n",
    );
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
}

#[test]
fn a_compile_fail_probe_passes_only_when_the_code_is_refused_with_its_error() {
    let course = Course::only(&["passing"]);
    let tests = format!(
        "{}\n/// Token must not be Sync: it is a Cell.\n#[compile_fail(E0277)]\nfn token_is_not_sync() {{\n    \
         fn shared<T: Sync>() {{}}\n    shared::<exercise::Token>();\n}}\n",
        course.read("tests/basics/passing.rs")
    );
    course.write("tests/basics/passing.rs", &tests);
    let learner = |token: &str| {
        format!(
            "pub struct Token({token});\n\npub fn add(a: u32, b: u32) -> u32 {{\n    a + b\n}}\n\nfn main() {{}}\n"
        )
    };
    course.write(
        "exercises/basics/passing.rs",
        &learner("std::cell::Cell<u8>"),
    );
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 0, "a !Sync token passes: {}", run.all());

    // The same probe against a Sync type: it compiles, so it fails, with
    // its doc comment as the message.
    course.write("exercises/basics/passing.rs", &learner("u8"));
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stdout().contains("token_is_not_sync"), "{}", run.all());
    assert!(
        run.stdout().contains("must not compile") && run.stdout().contains("it is a Cell"),
        "{}",
        run.all()
    );

    // Refused for another reason (the type is gone): not a pass either,
    // and the compiler's own error is shown at the test file's line.
    course.write(
        "exercises/basics/passing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\nfn main() {}\n",
    );
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stdout().contains("E0277"), "{}", run.all());
    assert!(
        run.stdout().contains("E0412") || run.stdout().contains("E0425"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout().contains("tests/basics/passing.rs:"),
        "{}",
        run.all()
    );
}

#[test]
fn run_main_shows_the_programs_output_under_the_limits() {
    let course = Course::only(&["passing", "deadlock"]);
    course.write(
        "exercises/basics/passing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\nfn main() {\n    println!(\"2 + 3 = {}\", add(2, 3));\n}\n",
    );
    let run = course.run(&["--color", "never", "run", "passing", "--main"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stdout().contains("2 + 3 = 5"), "{}", run.all());
    assert!(run.stdout().contains("main returned"), "{}", run.all());
    // The demo is not the check: progress is untouched.
    let list = course.run(&["list"]);
    assert!(list.stdout().contains("0/2 done"), "{}", list.all());

    // A main that never ends is stopped at the exercise's time limit.
    course.write(
        "exercises/basics/passing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\nfn main() {\n    println!(\"waiting\");\n    loop {\n        std::thread::park();\n    }\n}\n",
    );
    let info = course.read("info.toml").replace(
        "name = \"passing\"\ndir = \"basics\"",
        "name = \"passing\"\ndir = \"basics\"\ntimeout_secs = 1",
    );
    course.write("info.toml", &info);
    let run = course.run(&["--color", "never", "run", "passing", "--main"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stdout().contains("waiting"), "{}", run.all());
    assert!(run.stdout().contains("time limit"), "{}", run.all());
}
