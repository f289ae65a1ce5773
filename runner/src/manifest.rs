//! `info.toml`: the ordered list of exercises and the course's messages.
//!
//! The file is parsed into raw serde structs (unknown fields refused), then
//! validated into the model, collecting every problem with its line and
//! column so that a teacher can fix them all in one go.

use std::collections::HashSet;
use std::fmt;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::exercise::Exercise;

pub const MANIFEST: &str = "info.toml";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    format_version: Spanned<u32>,
    welcome_message: Option<String>,
    final_message: Option<String>,
    #[serde(default)]
    exercises: Vec<RawExercise>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    name: Spanned<String>,
    dir: Spanned<String>,
    /// One hint (an older form: a ladder of one rung).
    hint: Option<Spanned<String>>,
    /// The hint ladder, one rung per string.
    hints: Option<Spanned<Vec<String>>>,
    timeout_secs: Option<Spanned<f64>>,
    output_limit_kib: Option<Spanned<u64>>,
    compile_timeout_secs: Option<Spanned<f64>>,
    memory_limit_mib: Option<Spanned<u64>>,
    thread_limit: Option<Spanned<u64>>,
    repeat: Option<Spanned<u64>>,
    allow_unsafe: Option<bool>,
    /// Compile against the loom build of the sync shim.
    model_checked: Option<bool>,
    /// Names the learner's file may not use, and why.
    forbidden: Option<Spanned<Vec<String>>>,
    forbidden_because: Option<Spanned<String>>,
    /// Former exercises whose lessons this one now holds (merged or renamed).
    replaces: Option<Spanned<Vec<String>>>,
}

/// The validated course.
#[derive(Debug, Clone)]
pub struct Course {
    pub root: PathBuf,
    pub welcome_message: String,
    pub final_message: String,
    pub exercises: Vec<Exercise>,
}

impl Course {
    pub fn find(&self, name: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.name == name)
    }

    /// The exercise called `name`, or an error listing what exists.
    pub fn get(&self, name: &str) -> anyhow::Result<&Exercise> {
        self.find(name).ok_or_else(|| {
            anyhow::anyhow!(
                "there is no exercise called `{name}` in {MANIFEST}\n\
                 Run `cargo runner list` to see every exercise."
            )
        })
    }
}

/// Every problem found in the manifest, each with its location.
#[derive(Debug)]
pub struct ManifestErrors {
    pub path: PathBuf,
    pub problems: Vec<Problem>,
}

#[derive(Debug)]
pub struct Problem {
    /// 1-based line and column, when the problem has a place in the file.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        writeln!(
            f,
            "{} has {count} problem{}:",
            self.path.display(),
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            match problem.at {
                Some((line, col)) => {
                    writeln!(f, "  {}:{line}:{col}: {}", MANIFEST, problem.message)?
                }
                None => writeln!(f, "  {}: {}", MANIFEST, problem.message)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ManifestErrors {}

/// What `load` insists on besides a valid file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// Every exercise, solution, hidden-test and pristine file must exist:
    /// the authoring repository (`dev check`, `verify --solutions`).
    All,
    /// As `All`, but solutions may be missing: a learner edition carries
    /// none in plain sight (`dev edition`), and learners need none.
    Learner,
    /// As `Learner`, but the learner's exercise files may be missing too
    /// (`reset` is how they come back).
    LearnerButExercises,
    /// As `All`, but the original copies may be missing (`dev update`
    /// creates them).
    NoOriginals,
    /// Only the hidden tests must exist (a revision's manifest, whose
    /// exercises are looked up elsewhere: `verify --pristine`).
    HiddenTestsOnly,
}

/// Finds the course root: the nearest folder at or above `start` holding
/// `info.toml`.
pub fn find_root(start: &Path) -> anyhow::Result<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(MANIFEST).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no {MANIFEST} in {} or any folder above it\n\
                 Run the runner from inside the course folder (the one with {MANIFEST}).",
                start.display()
            )
        })
}

/// Reads and validates `root/info.toml`.
pub fn load(root: &Path, files: Files) -> anyhow::Result<Course> {
    let path = root.join(MANIFEST);
    let authoring = matches!(files, Files::All | Files::NoOriginals);
    if authoring && !root.join("solutions").is_dir() {
        anyhow::bail!(
            "{} has no solutions/ folder: it is a learner edition, which carries no \
             answers in plain sight. This command needs the reference solutions: run it \
             in the course's authoring repository.",
            root.display()
        );
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    parse(root, &text, files).map_err(|problems| {
        ManifestErrors {
            path: path.clone(),
            problems,
        }
        .into()
    })
}

/// Parses and validates manifest text; `root` is where files are looked up.
pub fn parse(root: &Path, text: &str, files: Files) -> Result<Course, Vec<Problem>> {
    let at = |span: Range<usize>| Some(line_col(text, span.start));
    let raw: RawManifest = toml::from_str(text).map_err(|e| {
        vec![Problem {
            at: e.span().and_then(at),
            message: e.message().trim().to_string(),
        }]
    })?;

    let mut problems = Vec::new();
    let mut problem = |span: Range<usize>, message: String| {
        problems.push(Problem {
            at: at(span),
            message,
        })
    };
    if *raw.format_version.get_ref() != FORMAT_VERSION {
        problem(
            raw.format_version.span(),
            format!(
                "format_version {} is not supported: this runner reads version {FORMAT_VERSION}",
                raw.format_version.get_ref()
            ),
        );
    }
    if raw.exercises.is_empty() {
        problem(0..0, "the course has no [[exercises]]".into());
    }

    let mut names = HashSet::new();
    let mut exercises = Vec::with_capacity(raw.exercises.len());
    let mut replaced = Vec::new();
    for entry in raw.exercises {
        let name = entry.name.get_ref();
        if !is_identifier(name) {
            problem(
                entry.name.span(),
                format!("exercise name `{name}` must be non-empty and use only a-z, 0-9 and _"),
            );
        } else if !names.insert(name.clone()) {
            problem(
                entry.name.span(),
                format!("exercise name `{name}` is used twice"),
            );
        }
        let dir = entry.dir.get_ref();
        if !is_identifier(dir) {
            problem(
                entry.dir.span(),
                format!(
                    "dir `{dir}` of `{name}` must be one plain folder name (a-z, 0-9, _), \
                     inside the course"
                ),
            );
        }
        let hints: Vec<String> = match (&entry.hint, &entry.hints) {
            (Some(hint), None) => vec![hint.get_ref().trim().to_string()],
            (None, Some(hints)) => hints
                .get_ref()
                .iter()
                .map(|h| h.trim().to_string())
                .collect(),
            (Some(_), Some(hints)) => {
                problem(
                    hints.span(),
                    format!("`{name}` has both `hint` and `hints`: keep `hints`, the ladder"),
                );
                Vec::new()
            }
            (None, None) => {
                problem(
                    entry.name.span(),
                    format!("`{name}` has no `hints` (a list of hint rungs)"),
                );
                Vec::new()
            }
        };
        let span = entry
            .hints
            .as_ref()
            .map(Spanned::span)
            .or_else(|| entry.hint.as_ref().map(Spanned::span))
            .unwrap_or_else(|| entry.name.span());
        if hints.iter().any(String::is_empty) || (hints.is_empty() && entry.hints.is_some()) {
            problem(span, format!("a hint of `{name}` is empty"));
        }
        let mut exercise = Exercise::new(name, dir, "");
        exercise.hints = hints;
        let mut seconds = |field: Option<Spanned<f64>>, what: &str, max: f64| {
            let t = field?;
            let value = *t.get_ref();
            if value.is_finite() && value > 0.0 && value <= max {
                Some(Duration::from_secs_f64(value))
            } else {
                problem(
                    t.span(),
                    format!("{what} of `{name}` must be between 0 and {max} seconds"),
                );
                None
            }
        };
        if let Some(t) = seconds(entry.timeout_secs, "timeout_secs", 600.0) {
            exercise.timeout = t;
        }
        if let Some(t) = seconds(entry.compile_timeout_secs, "compile_timeout_secs", 600.0) {
            exercise.compile_timeout = t;
        }
        let mut within = |field: Option<Spanned<u64>>, what: &str, range: RangeInclusive<u64>| {
            let l = field?;
            if range.contains(l.get_ref()) {
                Some(*l.get_ref())
            } else {
                problem(
                    l.span(),
                    format!(
                        "{what} of `{name}` must be between {} and {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        };
        if let Some(kib) = within(entry.output_limit_kib, "output_limit_kib", 1..=65_536) {
            exercise.output_limit = usize::try_from(kib * 1024).unwrap_or(usize::MAX);
        }
        if let Some(mib) = within(entry.memory_limit_mib, "memory_limit_mib", 16..=65_536) {
            exercise.memory_limit = mib * 1024 * 1024;
        }
        if let Some(threads) = within(entry.thread_limit, "thread_limit", 1..=10_000) {
            exercise.task_limit = threads;
        }
        if let Some(runs) = within(entry.repeat, "repeat", 1..=100) {
            exercise.repeat = u32::try_from(runs).unwrap_or(1);
        }
        exercise.allow_unsafe = entry.allow_unsafe.unwrap_or(false);
        exercise.model_checked = entry.model_checked.unwrap_or(false);
        match (entry.forbidden, entry.forbidden_because) {
            (None, None) => {}
            (Some(names), Some(because)) => {
                let span = names.span();
                let names = names.into_inner();
                if let Some(bad) = names.iter().find(|n| !crate::forbidden::is_name(n)) {
                    problem(
                        span,
                        format!(
                            "`forbidden` of `{name}` lists `{bad}`: list plain names such as \
                             `Mutex` or `compare_exchange`"
                        ),
                    );
                }
                exercise.forbidden = crate::exercise::Forbidden {
                    names,
                    because: because.into_inner(),
                };
            }
            (Some(names), None) => problem(
                names.span(),
                format!(
                    "`forbidden` of `{name}` needs `forbidden_because`: the lesson that says why"
                ),
            ),
            (None, Some(because)) => problem(
                because.span(),
                format!("`forbidden_because` of `{name}` has no `forbidden` list"),
            ),
        }
        if is_identifier(name) && is_identifier(dir) {
            for (kind, path) in exercise.files(root) {
                let optional = match files {
                    Files::All => false,
                    Files::Learner => kind == "solution",
                    Files::LearnerButExercises => kind == "solution" || kind == "exercise",
                    Files::NoOriginals => kind == "pristine",
                    Files::HiddenTestsOnly => kind != "hidden-test",
                };
                if optional {
                    continue;
                }
                if !path.is_file() {
                    let relative = crate::exercise::course_relative(root, &path);
                    let fix = if kind == "exercise" {
                        format!(" (run `cargo runner reset {name}` to restore it)")
                    } else {
                        String::new()
                    };
                    problem(
                        entry.name.span(),
                        format!("the {kind} file of `{name}` is missing: {relative}{fix}"),
                    );
                }
            }
        }
        if let Some(former) = entry.replaces {
            let span = former.span();
            exercise.replaces = former.into_inner();
            replaced.push((name.clone(), span, exercise.replaces.clone()));
        }
        exercises.push(exercise);
    }
    // A former name goes to one exercise. It may be the name of another
    // exercise now (renumbered) only if that one says what it replaces:
    // otherwise the old progress under that name would count for it.
    let migrated: HashSet<&String> = replaced.iter().map(|(owner, ..)| owner).collect();
    let mut claimed = HashSet::new();
    for (owner, span, former) in &replaced {
        for old in former {
            if !is_identifier(old) {
                problem(
                    span.clone(),
                    format!("`replaces` of `{owner}` lists `{old}`, not an exercise name"),
                );
            } else if old != owner && names.contains(old) && !migrated.contains(old) {
                problem(
                    span.clone(),
                    format!(
                        "`replaces` of `{owner}` lists `{old}`, which is still an exercise: \
                         if `{old}` is now another exercise, give it `replaces` too"
                    ),
                );
            } else if !claimed.insert(old.clone()) {
                problem(
                    span.clone(),
                    format!("`{old}` is in `replaces` of more than one exercise"),
                );
            }
        }
    }

    if problems.is_empty() {
        Ok(Course {
            root: root.to_path_buf(),
            welcome_message: raw.welcome_message.unwrap_or_default().trim().to_string(),
            final_message: raw.final_message.unwrap_or_default().trim().to_string(),
            exercises,
        })
    } else {
        Err(problems)
    }
}

/// Names and folders are plain identifiers: no `..`, no separators, no
/// absolute paths, so nothing can point outside the course.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(Path::new("/nonexistent"), text, Files::All) {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .iter()
                .map(|p| match p.at {
                    Some((l, c)) => format!("{l}:{c}: {}", p.message),
                    None => p.message.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn model_checked_is_off_unless_asked_for() {
        let dir = tempfile::tempdir().expect("temp dir");
        let tests = dir.path().join("tests").join("d");
        std::fs::create_dir_all(&tests).expect("create tests/d");
        for name in ["a", "b"] {
            std::fs::write(tests.join(format!("{name}.rs")), "").expect("write a test");
        }
        let course = parse(
            dir.path(),
            "format_version = 1\n\
             [[exercises]]\nname = \"a\"\ndir = \"d\"\nhint = \"h\"\nmodel_checked = true\n\
             [[exercises]]\nname = \"b\"\ndir = \"d\"\nhint = \"h\"\n",
            Files::HiddenTestsOnly,
        )
        .map_err(|p| p.into_iter().map(|p| p.message).collect::<Vec<_>>())
        .expect("a valid manifest");
        assert!(course.exercises[0].model_checked);
        assert!(!course.exercises[1].model_checked);
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn unknown_fields_are_refused_with_their_place() {
        let found = problems(
            "format_version = 1\n[[exercises]]\nname = \"a\"\ndir = \"d\"\nhint = \"h\"\ntimeout = 3\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("6:1:"), "{found:?}");
        assert!(found[0].contains("unknown field `timeout`"), "{found:?}");
    }

    #[test]
    fn a_former_name_belongs_to_one_exercise_and_is_not_a_current_one() {
        let found = problems(
            "format_version = 1\n\
             [[exercises]]\nname = \"a\"\ndir = \"d\"\nhint = \"h\"\nreplaces = [\"a\", \"old\", \"c\", \"b\"]\n\
             [[exercises]]\nname = \"b\"\ndir = \"d\"\nhint = \"h\"\nreplaces = [\"old\", \"No!\"]\n\
             [[exercises]]\nname = \"c\"\ndir = \"d\"\nhint = \"h\"\n",
        )
        .join("\n");
        for expected in [
            "`replaces` of `a` lists `c`, which is still an exercise",
            "`old` is in `replaces` of more than one exercise",
            "`replaces` of `b` lists `No!`, not an exercise name",
        ] {
            assert!(
                found.contains(expected),
                "missing {expected:?} in:\n{found}"
            );
        }
        assert!(
            !found.contains("lists `a`"),
            "its own former name is fine:\n{found}"
        );
        assert!(
            !found.contains("lists `b`"),
            "`b` was renumbered, it says what it replaces:\n{found}"
        );
    }

    #[test]
    fn every_problem_is_collected() {
        let found = problems(
            "format_version = 2\n\
             [[exercises]]\nname = \"a\"\ndir = \"../up\"\nhint = \"h\"\n\
             [[exercises]]\nname = \"a\"\ndir = \"d\"\nhint = \"  \"\n\
             [[exercises]]\nname = \"Bad-Name\"\ndir = \"/abs\"\nhint = \"h\"\ntimeout_secs = -1.0\n",
        );
        let joined = found.join("\n");
        for expected in [
            "1:18: format_version 2",
            "4:7: dir `../up`",
            "7:8: exercise name `a` is used twice",
            "9:8: a hint of `a` is empty",
            "11:8: exercise name `Bad-Name`",
            "12:7: dir `/abs`",
            "14:16: timeout_secs",
        ] {
            assert!(
                joined.contains(expected),
                "missing {expected:?} in:\n{joined}"
            );
        }
    }

    #[test]
    fn missing_files_are_named() {
        let found = problems(
            "format_version = 1\n[[exercises]]\nname = \"a\"\ndir = \"d\"\nhint = \"h\"\n",
        );
        let joined = found.join("\n");
        for file in [
            "exercises/d/a.rs",
            "solutions/d/a.rs",
            "tests/d/a.rs",
            ".course/pristine/d/a.rs",
        ] {
            assert!(joined.contains(file), "missing {file} in:\n{joined}");
        }
        assert!(joined.contains("cargo runner reset a"), "{joined}");
    }
}
