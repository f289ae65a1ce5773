//! Helpers shared by the runner's integration tests: a temporary copy of
//! the fixture course (`tests/fixtures/course`) and the real binary run in it.

#![allow(dead_code)] // Each test file uses a different part of this.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Course {
    dir: tempfile::TempDir,
}

impl Course {
    /// The whole fixture course.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/course");
        copy_dir(&fixture, dir.path());
        Course { dir }
    }

    /// The fixture course with only these exercises (in fixture order).
    pub fn only(names: &[&str]) -> Self {
        let course = Course::new();
        let text = course.read("info.toml");
        let mut chunks = text.split("[[exercises]]");
        let mut kept = chunks.next().expect("a header").to_string();
        for chunk in chunks {
            let name = chunk
                .lines()
                .find_map(|l| l.strip_prefix("name = "))
                .expect("every entry has a name")
                .trim_matches('"');
            if names.contains(&name) {
                kept.push_str("[[exercises]]");
                kept.push_str(chunk);
            } else {
                for top in ["exercises", "solutions", "tests", ".course/pristine"] {
                    fs::remove_file(course.path(&format!("{top}/basics/{name}.rs")))
                        .expect("remove an unused fixture file");
                }
            }
        }
        course.write("info.toml", &kept);
        course
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).expect("read a course file")
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
        fs::write(path, text).expect("write a course file");
    }

    /// Marks the processes the fixture's learner code starts (see
    /// `exercises/basics/deadlock.rs`), to find any left behind.
    pub fn token(&self) -> String {
        format!("fixture-token-{}", self.root().display())
    }

    /// The runner in this course, with a clean environment for its output.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_runner"));
        command
            .args(args)
            .current_dir(self.root())
            .env_remove("NO_COLOR")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env("FIXTURE_TOKEN", self.token());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().expect("runner starts"))
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().expect("runner exited normally")
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn all(&self) -> String {
        format!("{}\n--- stderr ---\n{}", self.stdout(), self.stderr())
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}
