//! One exercise and where its four files live.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Folder (under the course root) of the original exercise files, which
/// `reset` restores from. The learner edits `exercises/`; this stays as
/// shipped.
pub const PRISTINE_DIR: &str = ".course/pristine";

/// `path` relative to the course `root`, as the course names files (in
/// info.toml, git and every message): folders joined with `/` on every
/// system. A path outside the course is shown as it is.
pub fn course_relative(root: &Path, path: &Path) -> String {
    slashed(path.strip_prefix(root).unwrap_or(path))
}

/// A relative path with `/` between its parts (Windows also writes `\`).
pub fn slashed(path: &Path) -> String {
    if path.has_root() {
        return path.display().to_string();
    }
    path.components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    pub name: String,
    /// Topic folder, the same under exercises/, solutions/ and tests/.
    pub dir: String,
    /// The hint ladder: the symptom's cause first, the cure last; shown one
    /// rung at a time.
    pub hints: Vec<String>,
    /// Time limit of each hidden test.
    pub timeout: Duration,
    /// Output kept per process, in bytes.
    pub output_limit: usize,
    /// Time limit of each compiler run.
    pub compile_timeout: Duration,
    /// Memory each test process may use, in bytes.
    pub memory_limit: u64,
    /// Threads each test process may run at once.
    pub task_limit: u64,
    /// How many runs in a row must pass before `run` and watch mode record
    /// a pass (for exercises whose wrong solutions could pass by luck).
    pub repeat: u32,
    /// Whether the learner's file may use `unsafe` (a lesson on
    /// `unsafe impl Send` needs it); forbidden otherwise.
    pub allow_unsafe: bool,
    /// Whether the exercise and its hidden tests are compiled against the
    /// loom build of the sync shim (`course_sync`), so that the tests'
    /// `course_sync::model` explores every interleaving and weak-memory
    /// outcome.
    pub model_checked: bool,
    /// Names the learner's file may not use (beyond the course-wide ones),
    /// and why: for wrong solutions that only the source shows.
    pub forbidden: Forbidden,
    /// Former exercises (merged into this one, or its old name) whose
    /// progress carries over to it.
    pub replaces: Vec<String>,
}

/// Names an exercise's file may not use, and the lesson that says why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forbidden {
    pub names: Vec<String>,
    pub because: String,
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
    /// A known-wrong solution, by its index in `Exercise::wrong_solutions`
    /// (a course self-check: it must fail, every time).
    Wrong(usize),
}

impl Source {
    /// The build folder's name for this source.
    pub fn label(self) -> String {
        match self {
            Source::Exercise => "exercise".into(),
            Source::Solution => "solution".into(),
            Source::Pristine => "pristine".into(),
            Source::Wrong(i) => format!("wrong-{i}"),
        }
    }
}

/// Where an exercise's known-wrong solutions live, under `solutions/<dir>/`.
pub const WRONG_DIR: &str = "wrong";

/// Per-test time limit when an exercise sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Output kept per test (or compiler run) when an exercise sets none.
pub const DEFAULT_OUTPUT_LIMIT: usize = 64 * 1024;
/// Time limit of a compiler run when an exercise sets none: far above what
/// a check needs on a slow laptop, far below a learner giving up.
pub const DEFAULT_COMPILE_TIMEOUT: Duration = Duration::from_secs(45);
/// Memory of a test process when an exercise sets none.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;
/// Threads of a test process when an exercise sets none.
pub const DEFAULT_TASK_LIMIT: u64 = 512;

impl Exercise {
    /// An exercise with every limit at its default.
    pub fn new(name: &str, dir: &str, hint: &str) -> Exercise {
        Exercise {
            name: name.to_string(),
            dir: dir.to_string(),
            hints: vec![hint.to_string()],
            timeout: DEFAULT_TIMEOUT,
            output_limit: DEFAULT_OUTPUT_LIMIT,
            compile_timeout: DEFAULT_COMPILE_TIMEOUT,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            task_limit: DEFAULT_TASK_LIMIT,
            repeat: 1,
            allow_unsafe: false,
            model_checked: false,
            forbidden: Forbidden::default(),
            replaces: Vec::new(),
        }
    }

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
            Source::Wrong(i) => self
                .wrong_solutions(root)
                .into_iter()
                .nth(i)
                .unwrap_or_else(|| self.wrong_dir(root).join(format!("missing-{i}.rs"))),
        }
    }

    /// `solutions/<dir>/wrong/<name>/`: wrong solutions that the hidden
    /// tests must reject, one file each, opening with `// WRONG: <why>`.
    pub fn wrong_dir(&self, root: &Path) -> PathBuf {
        root.join("solutions")
            .join(&self.dir)
            .join(WRONG_DIR)
            .join(&self.name)
    }

    /// The known-wrong solutions, sorted by file name.
    pub fn wrong_solutions(&self, root: &Path) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(self.wrong_dir(root))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
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
