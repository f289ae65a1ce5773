//! `model_checked = true`: the fixture course gets the course's sync shim
//! (`runner/sync`, copied in) and an exercise graded under loom. A `Relaxed`
//! publish fails on every run, on any machine (here, x86 included, where
//! the CPU itself never shows the bug); the Release/Acquire one passes; and
//! an exercise that is not model-checked never builds loom.
//!
//! The first check builds loom in the temporary course (a cold cargo build,
//! tens of seconds): one test does all of it.

mod common;

use std::fs;
use std::path::Path;

use common::Course;

/// The exercise, with `ORDER_STORE` / `ORDER_LOAD` for the flag's orderings.
const PUBLISH: &str = "\
use course_sync::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub struct Mailbox {
    value: AtomicU64,
    ready: AtomicBool,
}

impl Mailbox {
    pub fn new() -> Mailbox {
        Mailbox { value: AtomicU64::new(0), ready: AtomicBool::new(false) }
    }

    pub fn publish(&self, value: u64) {
        self.value.store(value, Ordering::Relaxed);
        // TODO: publish the value with the flag.
        self.ready.store(true, Ordering::ORDER_STORE);
    }

    pub fn try_read(&self) -> Option<u64> {
        if self.ready.load(Ordering::ORDER_LOAD) {
            Some(self.value.load(Ordering::Relaxed))
        } else {
            None
        }
    }
}

fn main() {
    let mailbox = Mailbox::new();
    mailbox.publish(42);
    println!(\"read {:?}\", mailbox.try_read());
}
";

const TESTS: &str = "\
use exercise::Mailbox;

use course_sync::sync::Arc;
use course_sync::{model, thread};

#[test]
fn a_reader_never_sees_ready_without_the_value() {
    model(|| {
        let mailbox = Arc::new(Mailbox::new());
        let writer = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || mailbox.publish(42))
        };
        if let Some(seen) = mailbox.try_read() {
            assert_eq!(seen, 42, \"saw the flag but a stale value\");
        }
        writer.join().expect(\"publish panicked\");
    });
}
";

fn publish(store: &str, load: &str) -> String {
    PUBLISH
        .replace("ORDER_STORE", store)
        .replace("ORDER_LOAD", load)
}

/// The fixture course with `passing` and a model-checked `publish`, and the
/// sync shim as a workspace member, as in the real course.
fn course() -> Course {
    let course = Course::only(&["passing"]);
    let runner = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_dir(&runner.join("sync/src"), &course.path("runner/sync/src"));
    fs::copy(
        runner.join("sync/Cargo.toml"),
        course.path("runner/sync/Cargo.toml"),
    )
    .expect("copy the shim's manifest");
    // The real lock file: the same loom and the same versions of its
    // dependencies, already in cargo's cache after the runner's own build.
    fs::copy(runner.join("../Cargo.lock"), course.path("Cargo.lock")).expect("copy Cargo.lock");
    course.write(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"exercises\", \"runner/sync\"]\n\n\
         [workspace.package]\nedition = \"2024\"\nrust-version = \"1.89\"\n\
         license = \"MIT\"\npublish = false\n\n\
         [workspace.dependencies]\ncourse_sync = { path = \"runner/sync\" }\nloom = \"0.7\"\n\n\
         [workspace.lints.rust]\nunsafe_code = \"deny\"\n",
    );
    let manifest = course.read("exercises/Cargo.toml").replace(
        "[dependencies]\n",
        "[dependencies]\ncourse_sync.workspace = true\n",
    ) + "\n[[bin]]\nname = \"passing\"\npath = \"basics/passing.rs\"\n\
           \n[[bin]]\nname = \"publish\"\npath = \"ordering/publish.rs\"\n";
    course.write("exercises/Cargo.toml", &manifest);
    let info = course.read("info.toml")
        + "\n[[exercises]]\nname = \"publish\"\ndir = \"ordering\"\nmodel_checked = true\n\
           hints = [\"Relaxed orders nothing else.\", \"Release, then Acquire.\"]\n";
    course.write("info.toml", &info);
    let relaxed = publish("Relaxed", "Relaxed");
    course.write("exercises/ordering/publish.rs", &relaxed);
    course.write(".course/pristine/ordering/publish.rs", &relaxed);
    course.write(
        "solutions/ordering/publish.rs",
        &publish("Release", "Acquire"),
    );
    course.write("tests/ordering/publish.rs", TESTS);
    course
}

#[test]
fn a_relaxed_publish_fails_under_the_model_checker_and_release_acquire_passes() {
    let course = course();
    let loom_record = course.path("target/runner/deps-loom.json");

    // Not model-checked: no loom anywhere.
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        !loom_record.exists() && !course.path("target/runner/cargo-loom").exists(),
        "an exercise that is not model-checked built loom:\n{}",
        run.all()
    );

    // The same Relaxed code fails every time: loom tries every outcome.
    for _ in 0..2 {
        let run = course.run(&["--color", "never", "run", "publish"]);
        assert_eq!(run.code(), 1, "{}", run.all());
        assert!(
            run.stdout().contains("saw the flag but a stale value"),
            "{}",
            run.all()
        );
    }
    assert!(loom_record.is_file(), "the loom build is recorded");

    // Release on the store alone is not enough: the load must acquire.
    course.write(
        "exercises/ordering/publish.rs",
        &publish("Release", "Relaxed"),
    );
    let run = course.run(&["--color", "never", "run", "publish"]);
    assert_eq!(run.code(), 1, "{}", run.all());

    course.write(
        "exercises/ordering/publish.rs",
        &publish("Release", "Acquire"),
    );
    let run = course.run(&["--color", "never", "run", "publish"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stdout().contains("publish passed"), "{}", run.all());

    // The demo runs against std's types (loom's work only inside a model).
    let run = course.run(&["--color", "never", "run", "publish", "--main"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stdout().contains("read Some(42)"), "{}", run.all());

    // Grading in CI: the reference solutions pass.
    let run = course.run(&["--color", "never", "verify", "--solutions"]);
    assert_eq!(run.code(), 0, "{}", run.all());
}

#[test]
fn a_model_checked_exercise_without_the_shim_says_what_to_add() {
    let course = Course::only(&["passing"]);
    let info = course.read("info.toml").replace(
        "name = \"passing\"\n",
        "name = \"passing\"\nmodel_checked = true\n",
    );
    course.write("info.toml", &info);
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    let all = run.all();
    assert!(all.contains("`passing` is model-checked"), "{all}");
    assert!(all.contains("course_sync.workspace = true"), "{all}");
}
