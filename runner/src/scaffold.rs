//! `runner dev new NAME --dir DIR [--after NAME]`: adds an exercise.
//!
//! Writes the exercise, its solution and its hidden tests from templates
//! (`runner/templates/`) that already follow `docs/COURSE_GUIDE.md` and
//! together form a working example (the original fails, the solution
//! passes), creates the topic's folder and README when the topic is new,
//! inserts the `[[exercises]]` entry into `info.toml` by editing the
//! document (its comments and formatting stay as they are), then does what
//! `dev update` does.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

use crate::dev;
use crate::durable::write_atomically;
use crate::exercise::{Exercise, Source};
use crate::manifest::{self, Course, Files, MANIFEST};

const EXERCISE: &str = include_str!("../templates/exercise.rs.tmpl");
const SOLUTION: &str = include_str!("../templates/solution.rs.tmpl");
const TEST: &str = include_str!("../templates/test.rs.tmpl");
const README: &str = include_str!("../templates/README.md.tmpl");

/// The hint ladder of the scaffold's example exercise: symptom and cause
/// with a link first, the answer only on the last rung.
const HINTS: [&str; 2] = [
    "\"the job ran on the caller's thread\": calling `job()` runs it right where
you are. A new thread runs a closure you hand to `thread::spawn`, see
https://doc.rust-lang.org/book/ch16-01-threads.html",
    "`thread::spawn(job)` returns a `JoinHandle<u64>`. `join()` waits for the
thread and gives back `Ok(value)`; `.expect(\"the job panicked\")` unwraps it.",
];

pub fn new(course: &Course, name: &str, dir: &str, after: Option<&str>) -> Result<()> {
    let root = &course.root;
    for (what, value) in [("name", name), ("--dir", dir)] {
        if !manifest::is_identifier(value) {
            bail!(
                "the exercise {what} `{value}` must be non-empty and use only a-z, 0-9 and _ \
                 (it is a file and folder name)"
            );
        }
    }
    if course.find(name).is_some() {
        bail!("{MANIFEST} already has an exercise called `{name}`: pick another name");
    }
    let new_topic = !course.exercises.iter().any(|e| e.dir == dir);
    let index = match after {
        Some(after) => {
            let position = course
                .exercises
                .iter()
                .position(|e| e.name == after)
                .with_context(|| {
                    format!("--after {after}: there is no exercise called `{after}` in {MANIFEST}")
                })?;
            position + 1
        }
        None => course
            .exercises
            .iter()
            .rposition(|e| e.dir == dir)
            .map_or(course.exercises.len(), |i| i + 1),
    };

    let exercise = Exercise::new(name, dir, HINTS[0]);
    let readme = root.join("exercises").join(dir).join("README.md");
    let mut files: Vec<(PathBuf, String)> = vec![
        (
            exercise.path(root, Source::Exercise),
            fill(EXERCISE, name, dir),
        ),
        (
            exercise.path(root, Source::Solution),
            fill(SOLUTION, name, dir),
        ),
        (exercise.test_path(root), fill(TEST, name, dir)),
    ];
    if new_topic && !readme.exists() {
        files.push((readme, fill(README, name, dir)));
    }
    for (path, _) in &files {
        if path.exists() {
            bail!(
                "{} already exists: remove it or pick another name",
                shown(root, path)
            );
        }
    }

    let manifest_path = root.join(MANIFEST);
    let text = fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let updated = insert_entry(&text, name, dir, index, new_topic)
        .with_context(|| format!("cannot add `{name}` to {}", manifest_path.display()))?;

    for (path, content) in &files {
        write_atomically(path, content.as_bytes())?;
    }
    write_atomically(&manifest_path, updated.as_bytes())?;
    let created: Vec<String> = files.iter().map(|(p, _)| shown(root, p)).collect();
    println!("Created {}.", created.join(", "));
    let place = match index.checked_sub(1).and_then(|i| course.exercises.get(i)) {
        Some(before) => format!("after `{}`", before.name),
        None => "first".to_string(),
    };
    println!("Listed `{name}` in {MANIFEST}, {place}.");

    let course = manifest::load(root, Files::NoOriginals)?;
    dev::record_new(&course, name)?;
    println!(
        "Next: rewrite the three files for your lesson (docs/COURSE_GUIDE.md), then run \
         `cargo runner dev update {name}` and `cargo runner dev check {name}`."
    );
    Ok(())
}

fn fill(template: &str, name: &str, dir: &str) -> String {
    template
        .replace("@NAME@", name)
        .replace("@DIR@", dir)
        .replace("@TITLE@", &title(dir))
}

/// `06_atomics` -> `Atomics`.
fn title(dir: &str) -> String {
    let words: Vec<&str> = dir
        .split('_')
        .filter(|w| !w.is_empty() && !w.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => dir.to_string(),
    }
}

fn shown(root: &Path, path: &Path) -> String {
    crate::exercise::course_relative(root, path)
}

/// Inserts an `[[exercises]]` entry as the `index`-th, editing the
/// document: every other line, comment and blank stays as it was.
fn insert_entry(
    text: &str,
    name: &str,
    dir: &str,
    index: usize,
    new_topic: bool,
) -> Result<String> {
    let mut doc: DocumentMut = text.parse().context("it is not valid TOML")?;
    let mut entry = Table::new();
    entry["name"] = toml_edit::value(name);
    entry["dir"] = toml_edit::value(dir);
    let mut hints = toml_edit::Array::new();
    for rung in HINTS {
        let rung: toml_edit::Value = format!("\"\"\"\n{rung}\"\"\"")
            .parse()
            .context("a hint of the template is not a TOML string")?;
        hints.push_formatted(rung.decorated("\n", ""));
    }
    hints.set_trailing("\n");
    hints.set_trailing_comma(true);
    entry["hints"] = toml_edit::value(hints);
    let prefix = if new_topic {
        format!("\n# --- {dir} ---\n")
    } else {
        "\n".to_string()
    };
    entry.decor_mut().set_prefix(prefix);

    let slot = doc
        .entry("exercises")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    let Item::ArrayOfTables(old) = std::mem::take(slot) else {
        bail!("`exercises` is not a list of [[exercises]] tables");
    };
    let mut tables: Vec<Table> = old.into_iter().collect();
    // A table made here has no position of its own: it is written right
    // after the one before it in the list.
    tables.insert(index.min(tables.len()), entry);
    let mut rebuilt = ArrayOfTables::new();
    for table in tables {
        rebuilt.push(table);
    }
    *slot = Item::ArrayOfTables(rebuilt);
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST_TEXT: &str = "# The schema.\nformat_version = 1\n\n\
        # --- a ---\n[[exercises]]\nname = \"a1\" # first\ndir = \"a\"\nhint = \"h\"\n\n\
        [[exercises]]\nname = \"a2\"\ndir = \"a\"\nhint = \"h\"\n\n\
        # --- b ---\n[[exercises]]\nname = \"b1\"\ndir = \"b\"\nhint = \"\"\"\nlong\"\"\"\n";

    fn names(text: &str) -> Vec<String> {
        let doc: DocumentMut = text.parse().expect("valid TOML");
        doc["exercises"]
            .as_array_of_tables()
            .expect("tables")
            .iter()
            .map(|t| t["name"].as_str().expect("a name").to_string())
            .collect()
    }

    #[test]
    fn entry_goes_where_asked_and_nothing_else_changes() {
        let out = insert_entry(MANIFEST_TEXT, "a3", "a", 2, false).expect("inserted");
        assert_eq!(names(&out), ["a1", "a2", "a3", "b1"]);
        let without: String = out.replacen(
            &format!(
                "\n[[exercises]]\nname = \"a3\"\ndir = \"a\"\nhints = [\n\"\"\"\n{}\"\"\",\n\"\"\"\n{}\"\"\",\n]\n",
                HINTS[0], HINTS[1]
            ),
            "",
            1,
        );
        assert_eq!(
            without, MANIFEST_TEXT,
            "only the new entry was added:\n{out}"
        );
        // The topic comment stays with the topic's first entry.
        let b = out.find("# --- b ---").expect("comment kept");
        assert!(out.find("name = \"a3\"").expect("added") < b, "{out}");
    }

    #[test]
    fn a_new_topic_gets_its_comment() {
        let out = insert_entry(MANIFEST_TEXT, "c1", "c", 3, true).expect("inserted");
        assert_eq!(names(&out), ["a1", "a2", "b1", "c1"]);
        assert!(
            out.contains("\n# --- c ---\n[[exercises]]\nname = \"c1\""),
            "{out}"
        );
        let first = insert_entry(MANIFEST_TEXT, "z", "z", 0, true).expect("inserted");
        assert_eq!(names(&first), ["z", "a1", "a2", "b1"]);
        assert!(
            first.starts_with("# The schema.\nformat_version = 1\n"),
            "{first}"
        );
    }

    #[test]
    fn titles_drop_the_number() {
        assert_eq!(title("06_atomics"), "Atomics");
        assert_eq!(title("basics"), "Basics");
        assert_eq!(title("10_scoped_threads"), "Scoped threads");
    }
}
