//! One exercise and where its four files live.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Folder (under the course root) of the original exercise files, which
/// `reset` restores from. The learner edits `exercises/`; this stays as
/// shipped.
pub const PRISTINE_DIR: &str = ".course/pristine";

#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    pub name: String,
    /// Topic folder, the same under exercises/, solutions/ and tests/.
    pub dir: String,
    pub hint: String,
    /// Time limit of each hidden test.
    pub timeout: Duration,
    /// Output kept per process, in bytes.
    pub output_limit: usize,
}

/// Which version of an exercise a check compiles against the hidden tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The learner's file.
    Exercise,
    /// The reference solution.
    Solution,
    /// The exercise as shipped (a course self-check: it must fail).
    Pristine,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Exercise => "exercise",
            Source::Solution => "solution",
            Source::Pristine => "pristine",
        }
    }
}

impl Exercise {
    fn file(&self, root: &Path, top: &str) -> PathBuf {
        root.join(top)
            .join(&self.dir)
            .join(format!("{}.rs", self.name))
    }

    pub fn path(&self, root: &Path, source: Source) -> PathBuf {
        match source {
            Source::Exercise => self.file(root, "exercises"),
            Source::Solution => self.file(root, "solutions"),
            Source::Pristine => self.file(root, PRISTINE_DIR),
        }
    }

    pub fn test_path(&self, root: &Path) -> PathBuf {
        self.file(root, "tests")
    }

    /// The exercise file relative to the course root, as shown to learners
    /// (clickable from the course folder).
    pub fn display_path(&self) -> String {
        format!("exercises/{}/{}.rs", self.dir, self.name)
    }

    /// Every file the exercise needs, labelled for error messages.
    pub fn files(&self, root: &Path) -> [(&'static str, PathBuf); 4] {
        [
            ("exercise", self.path(root, Source::Exercise)),
            ("solution", self.path(root, Source::Solution)),
            ("hidden-test", self.test_path(root)),
            ("pristine", self.path(root, Source::Pristine)),
        ]
    }
}
