//! The learner's progress (`.runner/state.toml`): the exercises done and the
//! current one.
//!
//! Every change is a read-modify-write under an exclusive file lock, written
//! to a temporary file and renamed over the old one, so a crash, a Ctrl-C or
//! a second runner never leaves a half-written or stale file. A missing or
//! unreadable file means a fresh start (the unreadable one is kept aside).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::durable::{Lock, lock_exclusive, write_atomically};
use crate::manifest::Course;

/// Folder of the learner's local data (progress, reset backups); ignored by
/// git.
pub const LOCAL_DIR: &str = ".runner";
const STATE_FILE: &str = "state.toml";
const LOCK_FILE: &str = "state.lock";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The exercise the learner works on.
    pub current: Option<String>,
    /// Exercises whose hidden tests passed.
    #[serde(default)]
    pub done: BTreeSet<String>,
    /// How many rungs of each exercise's hint ladder the learner opened.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hints: BTreeMap<String, usize>,
    /// The `replaces` entries of info.toml already applied to this progress
    /// (`NAME<-OLD+OLD`), so that each is applied once.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub carried: BTreeSet<String>,
}

impl State {
    /// Rungs of `name`'s hint ladder opened so far.
    pub fn hints_opened(&self, name: &str) -> usize {
        self.hints.get(name).copied().unwrap_or(0)
    }

    /// Opens the next rung of `name`'s ladder of `total` (if one is left),
    /// or every rung with `all`; returns how many are open.
    pub fn open_hints(&mut self, name: &str, total: usize, all: bool) -> usize {
        let opened = self.hints_opened(name);
        let now = if all { total } else { (opened + 1).min(total) }.max(opened);
        self.hints.insert(name.to_string(), now);
        now
    }

    pub fn is_done(&self, name: &str) -> bool {
        self.done.contains(name)
    }

    /// The current exercise's name; the first not done when none is set.
    pub fn current<'a>(&'a self, course: &'a Course) -> &'a str {
        self.current
            .as_deref()
            .or_else(|| self.next_pending(course, None))
            .unwrap_or_else(|| course.exercises.last().map_or("", |e| e.name.as_str()))
    }

    /// The first exercise not done, looking after `after` first, then from
    /// the start.
    pub fn next_pending<'a>(&self, course: &'a Course, after: Option<&str>) -> Option<&'a str> {
        let start = after
            .and_then(|name| course.exercises.iter().position(|e| e.name == name))
            .map_or(0, |i| i + 1);
        let (before, rest) = course.exercises.split_at(start.min(course.exercises.len()));
        rest.iter()
            .chain(before)
            .map(|e| e.name.as_str())
            .find(|name| !self.is_done(name))
    }

    /// Marks `name` done; when it was the current exercise, moves on to the
    /// next one not done. Returns the new current exercise.
    pub fn complete(&mut self, course: &Course, name: &str) -> Option<String> {
        let was_current = self.current(course) == name;
        self.done.insert(name.to_string());
        if was_current && let Some(next) = self.next_pending(course, Some(name)) {
            self.current = Some(next.to_string());
        }
        self.current.clone()
    }

    /// Carries progress over from former exercises (`replaces` in
    /// info.toml), each entry once: an exercise that replaces others is done
    /// when every one of them was, and the current exercise and opened hints
    /// follow. Every entry reads the progress as it was before any was
    /// applied, so that exercises can be renumbered (`threads4` becoming
    /// `threads3` while the old `threads3` is merged into `threads2`).
    /// Returns what changed, for the learner.
    fn carry_over(&mut self, course: &Course) -> Vec<String> {
        let before = self.clone();
        let mut carried = Vec::new();
        for exercise in &course.exercises {
            let key = format!("{}<-{}", exercise.name, exercise.replaces.join("+"));
            if exercise.replaces.is_empty() || !self.carried.insert(key) {
                continue;
            }
            let name = &exercise.name;
            let former = &exercise.replaces;
            let done = former.iter().all(|old| before.done.contains(old));
            let opened = former.iter().filter_map(|old| before.hints.get(old)).max();
            let current = before.current.as_ref().is_some_and(|c| former.contains(c));
            let changed = done != before.done.contains(name)
                || opened != before.hints.get(name)
                || (current && before.current.as_ref() != Some(name));
            if done {
                self.done.insert(name.clone());
            } else {
                self.done.remove(name);
            }
            match opened {
                Some(&opened) => self.hints.insert(name.clone(), opened),
                None => self.hints.remove(name),
            };
            if current {
                self.current = Some(name.clone());
            }
            for old in former.iter().filter(|old| course.find(old).is_none()) {
                self.done.remove(old);
                self.hints.remove(old);
            }
            if changed {
                let olds: Vec<String> = former.iter().map(|o| format!("`{o}`")).collect();
                carried.push(format!(
                    "`{name}` now holds the work of {}: your progress was carried over ({})",
                    olds.join(" and "),
                    if done {
                        "done"
                    } else {
                        "not done yet: it holds work you have not done"
                    }
                ));
            }
        }
        carried
    }

    /// Drops names the manifest no longer has.
    fn retain_known(&mut self, course: &Course) -> bool {
        let before = self.clone();
        self.done.retain(|name| course.find(name).is_some());
        self.hints.retain(|name, _| course.find(name).is_some());
        if self
            .current
            .as_deref()
            .is_some_and(|c| course.find(c).is_none())
        {
            self.current = None;
        }
        *self != before
    }
}

/// Where a course keeps its progress.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(root: &Path) -> Self {
        Store {
            dir: root.join(LOCAL_DIR),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Reads the progress. Warnings (a fresh start, a corrupt file set aside,
    /// exercises that left the manifest) come back for the caller to show.
    pub fn load(&self, course: &Course) -> Result<(State, Vec<String>)> {
        let _lock = self.lock()?;
        self.load_locked(course)
    }

    /// Applies `change` to the newest progress on disk and saves it.
    pub fn update<T>(
        &self,
        course: &Course,
        change: impl FnOnce(&mut State) -> T,
    ) -> Result<(T, State)> {
        let _lock = self.lock()?;
        let (mut state, _) = self.load_locked(course)?;
        let result = change(&mut state);
        self.save_locked(&state)?;
        Ok((result, state))
    }

    fn load_locked(&self, course: &Course) -> Result<(State, Vec<String>)> {
        let path = self.path();
        let mut warnings = Vec::new();
        let parsed = fs::read(&path).map(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| "it is not UTF-8 text".to_string())
                .and_then(|text| {
                    toml::from_str::<State>(&text).map_err(|e| e.message().trim().to_string())
                })
        });
        let mut state = match parsed {
            Ok(Ok(state)) => state,
            Ok(Err(why)) => {
                let aside = set_aside(&path);
                warnings.push(format!(
                    "the progress file {} could not be read ({why}); starting fresh. \
                     The old file was kept as {}",
                    relative(&course.root, &path),
                    aside.map_or("(it could not be moved)".into(), |a| relative(
                        &course.root,
                        &a
                    )),
                ));
                State::default()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => {
                warnings.push(format!(
                    "cannot read the progress file {} ({e}); starting fresh",
                    relative(&course.root, &path)
                ));
                State::default()
            }
        };
        let applied = state.carried.clone();
        warnings.extend(state.carry_over(course));
        if state.carried != applied {
            self.save_locked(&state)?;
        }
        if state.retain_known(course) {
            warnings.push(
                "exercises that are no longer in info.toml were dropped from the progress".into(),
            );
            self.save_locked(&state)?;
        }
        Ok((state, warnings))
    }

    fn save_locked(&self, state: &State) -> Result<()> {
        let text = format!(
            "# Your progress through the course, kept by the runner.\n{}",
            toml::to_string(state).context("cannot encode the progress")?
        );
        write_atomically(&self.path(), text.as_bytes())
    }

    fn lock(&self) -> Result<Lock> {
        lock_exclusive(&self.dir.join(LOCK_FILE))
    }
}

/// Moves an unreadable progress file out of the way under a name no earlier
/// one has (`state.toml.corrupt`, `state.toml.corrupt.1`, ...), so a second
/// corruption never overwrites the first.
fn set_aside(path: &Path) -> Option<std::path::PathBuf> {
    (0..1000).find_map(|n| {
        let aside = match n {
            0 => path.with_extension("toml.corrupt"),
            n => path.with_extension(format!("toml.corrupt.{n}")),
        };
        if aside.exists() {
            return None;
        }
        fs::rename(path, &aside).ok().map(|()| aside)
    })
}

fn relative(root: &Path, path: &Path) -> String {
    crate::exercise::course_relative(root, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::Exercise;

    fn course(root: &Path, names: &[&str]) -> Course {
        Course {
            root: root.to_path_buf(),
            welcome_message: String::new(),
            final_message: String::new(),
            exercises: names
                .iter()
                .map(|name| Exercise::new(name, "d", "h"))
                .collect(),
        }
    }

    /// An old course (`threads2`, `threads3`, `move1`, `move2`, `rest`)
    /// reshaped: `threads3` merged into `threads2`, `move1` and `move2`
    /// into `move`.
    fn reshaped(root: &Path) -> Course {
        let mut course = course(root, &["threads2", "move", "rest"]);
        course.exercises[0].replaces = vec!["threads2".into(), "threads3".into()];
        course.exercises[1].replaces = vec!["move1".into(), "move2".into()];
        course
    }

    fn old_state(store: &Store, text: &str) {
        fs::create_dir_all(store.path().parent().expect("a folder")).expect("mkdir");
        fs::write(store.path(), text).expect("write the old progress");
    }

    #[test]
    fn progress_carries_over_to_merged_and_renamed_exercises() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::new(dir.path());
        old_state(
            &store,
            "current = \"move2\"\ndone = [\"threads2\", \"threads3\", \"move1\"]\n\
             [hints]\nthreads3 = 2\nmove1 = 1\n",
        );
        let course = reshaped(dir.path());
        let (state, warnings) = store.load(&course).expect("load");
        assert!(
            state.is_done("threads2"),
            "both halves were done: {state:?}"
        );
        assert!(!state.is_done("move"), "move2 was not done: {state:?}");
        assert_eq!(state.current.as_deref(), Some("move"));
        assert_eq!(state.hints_opened("threads2"), 2);
        assert_eq!(state.hints_opened("move"), 1);
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("`threads2` now holds the work of `threads2` and `threads3`")),
            "{warnings:?}"
        );
        assert!(
            !warnings.iter().any(|w| w.contains("dropped")),
            "carried names are not reported as dropped: {warnings:?}"
        );
        // Saved, and carried only once: loading again changes nothing, and
        // the learner's next pass stays.
        let (again, warnings) = store.load(&course).expect("load again");
        assert_eq!(again, state);
        assert!(warnings.is_empty(), "{warnings:?}");
        store
            .update(&course, |s| s.complete(&course, "move"))
            .expect("update");
        let (later, _) = store.load(&course).expect("load later");
        assert!(later.is_done("move"), "{later:?}");
    }

    #[test]
    fn renumbered_exercises_keep_their_own_progress() {
        // threads3 merged into threads2, and threads4 renumbered threads3.
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::new(dir.path());
        old_state(
            &store,
            "current = \"threads4\"\ndone = [\"threads2\", \"threads3\"]\n",
        );
        let mut course = course(dir.path(), &["threads2", "threads3"]);
        course.exercises[0].replaces = vec!["threads2".into(), "threads3".into()];
        course.exercises[1].replaces = vec!["threads4".into()];
        let (state, _) = store.load(&course).expect("load");
        assert!(state.is_done("threads2"), "{state:?}");
        assert!(
            !state.is_done("threads3"),
            "the new threads3 is the old threads4, not done: {state:?}"
        );
        assert_eq!(state.current.as_deref(), Some("threads3"));
    }

    #[test]
    fn a_merge_is_not_done_when_one_of_its_exercises_was_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::new(dir.path());
        old_state(&store, "current = \"threads3\"\ndone = [\"threads2\"]\n");
        let (state, warnings) = store.load(&reshaped(dir.path())).expect("load");
        assert!(
            !state.is_done("threads2"),
            "threads3's work is not done: {state:?}"
        );
        assert_eq!(state.current.as_deref(), Some("threads2"));
        assert!(
            warnings.iter().any(|w| w.contains("not done yet")),
            "{warnings:?}"
        );
        // A learner who starts on the new course hears nothing of it.
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::new(dir.path());
        let (state, warnings) = store.load(&reshaped(dir.path())).expect("load");
        assert!(state.done.is_empty(), "{state:?}");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn completing_the_current_exercise_moves_to_the_next_pending() {
        let dir = tempfile::tempdir().expect("temp dir");
        let course = course(dir.path(), &["a", "b", "c"]);
        let store = Store::new(dir.path());
        store
            .update(&course, |s| s.done.insert("b".into()))
            .expect("update");
        let (current, _) = store
            .update(&course, |s| s.complete(&course, "a"))
            .expect("update");
        assert_eq!(current.as_deref(), Some("c"));
        let (state, warnings) = store.load(&course).expect("load");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            state.done,
            ["a", "b"].iter().map(|s| s.to_string()).collect()
        );
    }

    #[test]
    fn corrupt_file_is_set_aside_and_unknown_names_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let course = course(dir.path(), &["a"]);
        let store = Store::new(dir.path());
        fs::create_dir_all(dir.path().join(LOCAL_DIR)).expect("dir");
        fs::write(store.path(), "current = [").expect("write");
        let (state, warnings) = store.load(&course).expect("load");
        assert_eq!(state, State::default());
        assert!(warnings[0].contains("starting fresh"), "{warnings:?}");
        assert!(dir.path().join(".runner/state.toml.corrupt").is_file());

        // Not UTF-8, and a second corruption: set aside too, the first kept.
        fs::write(store.path(), b"done = [\xff\xfe]").expect("write");
        let (state, warnings) = store.load(&course).expect("load");
        assert_eq!(state, State::default());
        assert!(warnings[0].contains("not UTF-8"), "{warnings:?}");
        let first = fs::read_to_string(dir.path().join(".runner/state.toml.corrupt"));
        assert_eq!(first.expect("first kept"), "current = [");
        let second = fs::read(dir.path().join(".runner/state.toml.corrupt.1"));
        assert_eq!(second.expect("second kept"), b"done = [\xff\xfe]");

        fs::write(
            store.path(),
            "current = \"gone\"\ndone = [\"a\", \"gone\"]\n",
        )
        .expect("write");
        let (state, warnings) = store.load(&course).expect("load");
        assert_eq!(state.current, None);
        assert_eq!(state.done.len(), 1);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }
}
