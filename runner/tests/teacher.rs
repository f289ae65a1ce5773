//! The teachers' and CI's commands against temporary copies of the fixture
//! course (`tests/fixtures/course`): `verify --format json|junit`, GitHub
//! annotations, `verify --repeat`, `verify --pristine`, `reset --all`,
//! `dev new` and `dev check`.
//!
//! Most tests keep only the exercises they need (`Course::only`): the
//! fixture's `deadlock` and `endless` cost a time-out each.

mod common;

use std::fs;
use std::process::Command;

use common::{Course, Run};

use serde_json::Value;

/// Teacher-only helpers on the shared fixture course.
trait TeacherCourse {
    fn git(&self, args: &[&str]);
    fn flaky_add(&self) -> String;
}

impl TeacherCourse for Course {
    fn git(&self, args: &[&str]) {
        let output = Command::new("git")
            .args([
                "-c",
                "user.name=Teacher",
                "-c",
                "user.email=teacher@example.com",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(self.root())
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Source of an `add` that is right or wrong by a coin toss in each
    /// process (a hidden test cannot keep state between runs: it may write
    /// nothing outside its own temporary folder).
    fn flaky_add(&self) -> String {
        "pub fn add(a: u32, b: u32) -> u32 {\n    \
         // TODO: nothing; this one flips a coin.\n    \
         use std::hash::{BuildHasher, RandomState};\n    \
         let heads = RandomState::new().hash_one(0u8) % 2 == 0;\n    \
         if heads { a + b + 1 } else { a + b }\n\
         }\n\nfn main() {}\n"
            .to_string()
    }
}

trait JsonRun {
    fn json(&self) -> Value;
}

impl JsonRun for Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.all()))
    }
}

const EXERCISE_STATUSES: &[&str] = &[
    "pass",
    "fail",
    "compile_error",
    "timeout",
    "crash",
    "flaky",
    "not_run",
];
const TEST_STATUSES: &[&str] = &["pass", "fail", "timeout", "crash", "not_run"];

/// Checks a JSON report against the shape documented in the README.
fn assert_documented_shape(report: &Value) {
    let text = serde_json::to_string_pretty(report).expect("printable");
    assert_eq!(report["version"], 1, "{text}");
    assert!(report["runner_version"].is_string(), "{text}");
    assert!(
        ["pass", "fail", "error"].contains(&report["status"].as_str().expect("status")),
        "{text}"
    );
    assert!(
        ["exercises", "solutions"].contains(&report["source"].as_str().expect("source")),
        "{text}"
    );
    for key in ["repeat", "score", "max_score", "passed", "total"] {
        assert!(report[key].is_u64(), "{key} in {text}");
    }
    assert!(report["duration_secs"].is_f64(), "{text}");
    assert!(
        report["pristine"].is_null() || report["pristine"].is_object(),
        "{text}"
    );
    let exercises = report["exercises"].as_array().expect("exercises");
    assert_eq!(exercises.len() as u64, report["total"], "{text}");
    let mut passed = 0;
    for exercise in exercises {
        for key in ["name", "dir", "file"] {
            assert!(exercise[key].is_string(), "{key} in {exercise}");
        }
        let status = exercise["status"].as_str().expect("status");
        assert!(EXERCISE_STATUSES.contains(&status), "{exercise}");
        passed += u64::from(status == "pass");
        assert_eq!(
            exercise["points"],
            u64::from(status == "pass"),
            "{exercise}"
        );
        assert_eq!(exercise["max_points"], 1, "{exercise}");
        for key in ["runs", "passed_runs", "hints_opened"] {
            assert!(exercise[key].is_u64(), "{key} in {exercise}");
        }
        assert!(exercise["duration_secs"].is_f64(), "{exercise}");
        assert_eq!(
            exercise["message"].is_null(),
            status == "pass",
            "a message exactly when not passing: {exercise}"
        );
        assert!(
            exercise["compiler_output"].is_null() || exercise["compiler_output"].is_string(),
            "{exercise}"
        );
        for test in exercise["tests"].as_array().expect("tests") {
            assert!(test["name"].is_string(), "{test}");
            let status = test["status"].as_str().expect("status");
            assert!(TEST_STATUSES.contains(&status), "{test}");
            assert!(test["duration_secs"].is_f64(), "{test}");
            assert_eq!(
                test["message"].is_null(),
                ["pass", "not_run"].contains(&status),
                "{test}"
            );
            let location = &test["location"];
            if !location.is_null() {
                assert!(location["file"].is_string(), "{test}");
                assert!(location["line"].is_u64(), "{test}");
                assert!(location["column"].is_u64(), "{test}");
            }
        }
    }
    assert_eq!(report["passed"], passed, "{text}");
    assert_eq!(report["score"], passed, "{text}");
    assert_eq!(report["max_score"], report["total"], "{text}");
}

fn exercise<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["exercises"]
        .as_array()
        .expect("exercises")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no exercise {name} in {report}"))
}

#[test]
fn json_report_has_every_status_in_the_documented_shape() {
    let course = Course::new();
    let run = course.run(&["verify", "--keep-going", "--format", "json"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let report = run.json();
    assert_documented_shape(&report);
    assert_eq!(report["status"], "fail");
    assert_eq!(report["score"], 1);
    assert_eq!(report["max_score"], 6);
    for (name, status) in [
        ("passing", "pass"),
        ("compile_error", "compile_error"),
        ("failing", "fail"),
        ("deadlock", "timeout"),
        ("endless", "timeout"),
        ("crash", "crash"),
    ] {
        assert_eq!(exercise(&report, name)["status"], status, "{name}");
    }
    let failing = exercise(&report, "failing");
    assert_eq!(failing["message"], "1 of 2 hidden tests failed");
    let adds = &failing["tests"][0];
    assert_eq!(adds["name"], "adds");
    assert_eq!(adds["status"], "fail");
    assert!(
        adds["message"]
            .as_str()
            .expect("a message")
            .contains("add(2, 3) should be 5"),
        "{adds}"
    );
    assert!(
        adds["output"]
            .as_str()
            .expect("output")
            .contains("adding 2 and 3"),
        "{adds}"
    );
    assert_eq!(adds["location"]["file"], "tests/basics/failing.rs");
    assert_eq!(adds["location"]["line"], 5);
    let compile = exercise(&report, "compile_error");
    assert!(
        compile["compiler_output"]
            .as_str()
            .expect("compiler output")
            .contains("--> exercises/basics/compile_error.rs:2:20"),
        "{compile}"
    );
    // The tests of an exercise run at once: both hangs are named.
    assert!(
        exercise(&report, "deadlock")["tests"][1]["status"] == "timeout",
        "{report}"
    );
    // The lines for people went to stderr, uncoloured.
    assert!(run.stderr().contains("✓ passing passed"), "{}", run.all());
    assert!(
        run.stderr().contains("1/6 exercises passed"),
        "{}",
        run.all()
    );
}

#[test]
fn json_report_marks_what_was_not_checked_and_solutions_pass() {
    let course = Course::only(&["passing", "compile_error", "failing"]);
    let run = course.run(&["verify", "--format", "json"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let report = run.json();
    assert_documented_shape(&report);
    assert_eq!(exercise(&report, "failing")["status"], "not_run");
    assert_eq!(exercise(&report, "failing")["runs"], 0);

    let solutions = course.run(&["verify", "--solutions", "--format", "json"]);
    assert_eq!(solutions.code(), 0, "{}", solutions.all());
    let report = solutions.json();
    assert_documented_shape(&report);
    assert_eq!(report["status"], "pass");
    assert_eq!(report["source"], "solutions");
    assert_eq!(report["score"], 3);
}

#[test]
fn junit_report_parses_with_a_suite_per_exercise() {
    let course = Course::only(&["passing", "compile_error", "failing"]);
    let file = course.path("report.xml");
    let run = course.run(&[
        "verify",
        "--keep-going",
        "--format",
        "junit",
        "--output",
        file.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(run.code(), 1, "{}", run.all());
    // The report went to the file; people still get their lines.
    assert!(
        run.stdout().contains("1/3 exercises passed"),
        "{}",
        run.all()
    );
    let xml = fs::read_to_string(&file).expect("the report was written");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("4"), "{xml}");
    assert_eq!(root.attribute("failures"), Some("1"), "{xml}");
    assert_eq!(root.attribute("errors"), Some("1"), "{xml}");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<_> = suites.iter().filter_map(|s| s.attribute("name")).collect();
    assert_eq!(names, ["passing", "compile_error", "failing"]);
    let case = |suite: &str, case: &str| {
        suites
            .iter()
            .find(|s| s.attribute("name") == Some(suite))
            .and_then(|s| {
                s.children()
                    .find(|c| c.has_tag_name("testcase") && c.attribute("name") == Some(case))
            })
            .unwrap_or_else(|| panic!("no test case {suite}/{case} in:\n{xml}"))
    };
    assert!(
        case("passing", "adds").children().all(|c| !c.is_element()),
        "a passing case is empty"
    );
    let failure = case("failing", "adds")
        .children()
        .find(|c| c.has_tag_name("failure"))
        .expect("a <failure>");
    assert!(
        failure
            .attribute("message")
            .is_some_and(|m| m.contains("add(2, 3) should be 5")),
        "{xml}"
    );
    assert!(
        failure
            .text()
            .is_some_and(|t| t.contains("tests/basics/failing.rs:5")),
        "{xml}"
    );
    let error = case("compile_error", "compile")
        .children()
        .find(|c| c.has_tag_name("error"))
        .expect("an <error>");
    assert!(
        error
            .text()
            .is_some_and(|t| t.contains("exercises/basics/compile_error.rs:2:20")),
        "{xml}"
    );
}

#[test]
fn github_actions_get_annotations_and_a_summary() {
    let course = Course::only(&["compile_error", "failing"]);
    let summary = course.path("summary.md");
    fs::write(&summary, "earlier step\n").expect("write");
    let run = Run(course
        .command(&["verify", "--keep-going", "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runner starts"));
    assert_eq!(run.code(), 1, "{}", run.all());
    // Annotations never spoil the report on stdout.
    assert_documented_shape(&run.json());
    let err = run.stderr();
    assert!(
        err.contains(
            "::error file=exercises/basics/compile_error.rs,line=2,col=20,\
             title=compile_error does not compile::expected `;`, found `sum`"
        ),
        "{err}"
    );
    assert!(
        err.contains("::error file=tests/basics/failing.rs,line=5,col=5,title=failing%3A test `adds` failed::"),
        "{err}"
    );
    assert!(err.contains("add(2, 3) should be 5%0A"), "{err}");
    let summary = fs::read_to_string(&summary).expect("summary");
    assert!(summary.starts_with("earlier step\n"), "appended: {summary}");
    assert!(summary.contains("0/2 exercises passed"), "{summary}");
    assert!(
        summary.contains("| `failing` | ❌ fail | 1/2 |"),
        "{summary}"
    );
    assert!(
        summary.contains("| `compile_error` | ❌ compile_error |"),
        "{summary}"
    );

    // Outside GitHub Actions: nothing of the kind.
    let plain = course.run(&["verify", "--keep-going"]);
    assert!(!plain.all().contains("::error"), "{}", plain.all());
}

#[test]
fn repeat_reports_an_exercise_that_passes_only_sometimes_as_flaky() {
    let course = Course::only(&["passing", "failing"]);
    course.write("exercises/basics/passing.rs", &course.flaky_add());
    // 40 coin tosses: all alike once in 2^39 runs of this test.
    let run = course.run(&["verify", "--repeat", "40", "--format", "json"]);
    assert_eq!(run.code(), 1, "flaky is a failure: {}", run.all());
    let report = run.json();
    assert_documented_shape(&report);
    let passing = exercise(&report, "passing");
    assert_eq!(passing["status"], "flaky", "{passing}");
    let runs = passing["runs"].as_u64().expect("runs");
    let passed = passing["passed_runs"].as_u64().expect("passed_runs");
    assert!(
        passed >= 1 && passed < runs,
        "stops once both verdicts were seen: {passing}"
    );
    assert_eq!(passing["points"], 0);
    let said = format!("passed {passed} of {runs} runs");
    assert!(
        passing["message"]
            .as_str()
            .is_some_and(|m| m.contains(&said)),
        "{passing}"
    );
    assert!(
        run.stderr().contains(&format!("passing flaky: {said}")),
        "{}",
        run.all()
    );
    // A steady exercise is run every time.
    let solutions = course.run(&["verify", "--solutions", "--repeat", "3", "--format", "json"]);
    assert_eq!(solutions.code(), 0, "{}", solutions.all());
    assert_eq!(exercise(&solutions.json(), "failing")["runs"], 3);
}

#[test]
fn pristine_grades_with_the_published_hidden_tests() {
    let course = Course::only(&["passing", "failing"]);
    course.git(&["init", "-q"]);
    course.git(&["add", "-A"]);
    course.git(&["commit", "-q", "-m", "the course as published"]);
    course.git(&["tag", "published"]);
    // The learner weakens the failing test and drops the exercise.
    course.write(
        "tests/basics/failing.rs",
        "use exercise::add;\n\n#[test]\nfn adds() {\n    let _ = add(2, 3);\n}\n",
    );
    let manifest = course.read("info.toml");
    let cut = manifest
        .find("[[exercises]]\nname = \"failing\"")
        .expect("the entry");
    course.write("info.toml", &manifest[..cut]);
    assert_eq!(
        course.run(&["verify"]).code(),
        0,
        "tampering works without --pristine"
    );

    let run = course.run(&["verify", "--pristine", "published", "--format", "json"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let report = run.json();
    assert_documented_shape(&report);
    assert_eq!(exercise(&report, "failing")["status"], "fail");
    assert_eq!(report["pristine"]["revision"], "published");
    let modified = report["pristine"]["modified_hidden_files"]
        .as_array()
        .expect("a list");
    assert!(
        modified
            .iter()
            .any(|d| d["file"] == "tests/basics/failing.rs" && d["change"] == "changed"),
        "{report}"
    );
    assert!(
        modified
            .iter()
            .any(|d| d["file"] == "info.toml" && d["change"] == "changed"),
        "{report}"
    );
    assert!(
        run.stderr()
            .contains("tests/basics/failing.rs differs from published"),
        "{}",
        run.all()
    );
    // Failures point at the published test's lines.
    let adds = &exercise(&report, "failing")["tests"][0];
    assert_eq!(adds["location"]["file"], "tests/basics/failing.rs");
    assert_eq!(adds["location"]["line"], 5);

    let unknown = course.run(&["verify", "--pristine", "no-such-tag"]);
    assert_eq!(unknown.code(), 2, "{}", unknown.all());
    assert!(
        unknown.stderr().contains("`no-such-tag` is not a commit"),
        "{}",
        unknown.all()
    );
}

#[test]
fn a_broken_manifest_is_an_error_report() {
    let course = Course::only(&["passing"]);
    course.write(
        "info.toml",
        "format_version = 1\n[[exercises]]\nnam = \"x\"\n",
    );
    let run = course.run(&["verify", "--format", "json"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    let report = run.json();
    assert_documented_shape(&report);
    assert_eq!(report["status"], "error");
    assert!(
        report["message"]
            .as_str()
            .is_some_and(|m| m.contains("info.toml:3:1: unknown field `nam`")),
        "{report}"
    );
    let junit = course.run(&["verify", "--format", "junit"]);
    assert_eq!(junit.code(), 2);
    let xml = junit.stdout();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    assert_eq!(doc.root_element().attribute("errors"), Some("1"), "{xml}");
}

#[test]
fn reset_all_asks_first_and_backs_up_every_changed_file() {
    let course = Course::only(&["passing", "compile_error", "failing"]);
    let solved = course.read("solutions/basics/failing.rs");
    course.write("exercises/basics/failing.rs", &solved);
    course.write("exercises/basics/passing.rs", "// mine\n");
    fs::remove_file(course.path("exercises/basics/compile_error.rs")).expect("remove");

    let refused = course.run(&["reset", "--all"]);
    assert_eq!(refused.code(), 2, "{}", refused.all());
    assert!(
        refused.stderr().contains("--all --yes"),
        "{}",
        refused.all()
    );
    assert_eq!(course.read("exercises/basics/passing.rs"), "// mine\n");

    let run = course.run(&["reset", "--all", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    for name in ["passing", "compile_error", "failing"] {
        assert_eq!(
            course.read(&format!("exercises/basics/{name}.rs")),
            course.read(&format!(".course/pristine/basics/{name}.rs")),
            "{name} restored"
        );
    }
    let backups: Vec<String> = run
        .stdout()
        .lines()
        .filter_map(|l| l.strip_prefix("Your version is saved as "))
        .map(str::to_string)
        .collect();
    assert_eq!(
        backups.len(),
        2,
        "a deleted file has nothing to keep: {}",
        run.all()
    );
    let kept: Vec<String> = backups.iter().map(|b| course.read(b)).collect();
    assert!(kept.contains(&"// mine\n".to_string()), "{kept:?}");
    assert!(kept.contains(&solved), "{kept:?}");

    let again = course.run(&["reset", "--all"]);
    assert_eq!(again.code(), 0, "{}", again.all());
    assert!(
        again.stdout().contains("already is in its original state"),
        "{}",
        again.all()
    );
    let usage = course.run(&["reset"]);
    assert_eq!(usage.code(), 2, "a name or --all: {}", usage.all());
}

#[test]
fn dev_new_scaffolds_an_exercise_that_passes_the_course_check() {
    let course = Course::only(&["failing"]);
    assert_eq!(course.run(&["dev", "update"]).code(), 0);
    let sound = course.run(&["--color", "never", "dev", "check", "--repeat", "1"]);
    assert_eq!(
        sound.code(),
        0,
        "the trimmed fixture is sound: {}",
        sound.all()
    );
    let before = course.read("info.toml");

    // A new topic: at the end, with its comment, folder and README.
    let run = course.run(&["dev", "new", "spawn1", "--dir", "threads"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    // Default: at the end of its own topic.
    let run = course.run(&["dev", "new", "basics2", "--dir", "basics"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    // --after: where asked.
    let run = course.run(&[
        "dev", "new", "spawn0", "--dir", "threads", "--after", "basics2",
    ]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let manifest = course.read("info.toml");
    let order: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = "))
        .map(|n| n.trim_matches('"'))
        .collect();
    assert_eq!(
        order,
        ["failing", "basics2", "spawn0", "spawn1"],
        "{manifest}"
    );
    assert!(
        manifest.starts_with(&before),
        "the existing text, comments included, is untouched:\n{manifest}"
    );
    assert!(
        manifest.starts_with("# A tiny course for the runner's own tests"),
        "{manifest}"
    );
    assert_eq!(
        manifest.matches("# --- threads ---").count(),
        1,
        "{manifest}"
    );
    assert!(course.path("exercises/threads/README.md").is_file());
    assert!(!course.path("exercises/basics/README.md").exists());
    for name in ["spawn0", "spawn1"] {
        for top in ["exercises", "solutions", "tests", ".course/pristine"] {
            assert!(course.path(&format!("{top}/threads/{name}.rs")).is_file());
        }
    }
    let exercise = course.read("exercises/threads/spawn1.rs");
    assert!(exercise.contains("// TODO"), "{exercise}");
    assert!(
        exercise.contains("// Don't change this signature"),
        "{exercise}"
    );
    assert!(exercise.contains("fn main()"), "{exercise}");
    let bins = course.read("exercises/Cargo.toml");
    assert!(
        bins.contains("name = \"spawn1\"\npath = \"threads/spawn1.rs\""),
        "{bins}"
    );

    // The original fails with the test's own diagnosis...
    let original = course.run(&["run", "spawn1"]);
    assert_eq!(original.code(), 1, "{}", original.all());
    assert!(
        original
            .stdout()
            .contains("the job ran on the caller's thread"),
        "{}",
        original.all()
    );
    // ...and the course check passes: compiles, fails, passes, lints clean.
    let check = course.run(&["--color", "never", "dev", "check", "--repeat", "2"]);
    assert_eq!(check.code(), 0, "{}", check.all());
    assert!(
        check.stdout().contains("The course is sound"),
        "{}",
        check.all()
    );

    let twice = course.run(&["dev", "new", "spawn1", "--dir", "threads"]);
    assert_eq!(twice.code(), 2);
    assert!(
        twice
            .stderr()
            .contains("already has an exercise called `spawn1`")
    );
    let bad = course.run(&["dev", "new", "x", "--dir", "threads", "--after", "nope"]);
    assert_eq!(bad.code(), 2);
    assert!(
        bad.stderr().contains("no exercise called `nope`"),
        "{}",
        bad.all()
    );
    assert_eq!(
        course.read("info.toml"),
        manifest,
        "refusals change nothing"
    );
}

#[test]
fn dev_check_names_each_problem_with_its_file() {
    let course = Course::only(&["passing", "failing"]);
    assert_eq!(course.run(&["dev", "update"]).code(), 0);
    // A solution that fails, one that is neither formatted nor clippy-clean,
    // a stray file, and an exercise list out of step.
    course.write(
        "solutions/basics/failing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a * b\n}\n\nfn main() {}\n",
    );
    course.write(
        "solutions/basics/passing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    let sum = a + b;\n    sum\n}\n\nfn main()  {}\n",
    );
    course.write("tests/basics/stray.rs", "// nobody lists me\n");
    course.write(
        "exercises/Cargo.toml",
        &course
            .read("exercises/Cargo.toml")
            .replace("name = \"failing\"", "name = \"renamed\""),
    );
    let run = course.run(&["--color", "never", "dev", "check", "--repeat", "2"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    for expected in [
        "passing: the original exercise passes its hidden tests",
        "passing: exercises/basics/passing.rs has no `// TODO` marker",
        "failing: the solution fails (run 1 of 2)",
        "passing: solutions/basics/passing.rs is not rustfmt-clean",
        "passing: clippy is not happy with solutions/basics/passing.rs",
        "let_and_return",
        "tests/basics/stray.rs: not listed in info.toml",
        "exercises/Cargo.toml: the [[bin]] list is out of step with info.toml \
         (missing failing; not in info.toml: renamed (basics/failing.rs))",
    ] {
        assert!(
            out.contains(expected),
            "missing {expected:?} in:\n{}",
            run.all()
        );
    }
}

#[test]
fn dev_check_catches_a_flaky_solution_and_an_empty_hint() {
    // `passing` has a single test: one call of `add` per run.
    let course = Course::only(&["passing", "failing"]);
    assert_eq!(course.run(&["dev", "update"]).code(), 0);
    course.write("solutions/basics/passing.rs", &course.flaky_add());
    let run = course.run(&["--color", "never", "dev", "check", "--repeat", "40"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    // Which run fails first is the coin's choice; that one fails is not.
    assert!(
        run.stdout().contains("passing: the solution fails (run "),
        "{}",
        run.all()
    );

    course.write(
        "info.toml",
        &course.read("info.toml").replace(
            "hints = [\"Return the sum, not the difference.\",",
            "hints = [\"  \",",
        ),
    );
    let run = course.run(&["dev", "check"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr().contains("a hint of `failing` is empty"),
        "{}",
        run.all()
    );
}

#[test]
fn annotations_stay_within_githubs_cap_and_the_summary_counts_the_rest() {
    let course = Course::only(&["failing"]);
    // Twelve failing exercises: GitHub would show ten annotations and drop
    // the rest without a word.
    let mut info = course.read("info.toml");
    for i in 2..=12 {
        let name = format!("failing{i}");
        info.push_str(&format!(
            "\n[[exercises]]\nname = \"{name}\"\ndir = \"basics\"\nhints = [\"a\", \"b\"]\n"
        ));
        for top in ["exercises", "solutions", "tests", ".course/pristine"] {
            let text = course.read(&format!("{top}/basics/failing.rs"));
            course.write(&format!("{top}/basics/{name}.rs"), &text);
        }
    }
    course.write("info.toml", &info);
    let summary = course.path("summary.md");
    let run = Run(course
        .command(&["verify", "--keep-going"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runner starts"));
    assert_eq!(run.code(), 1, "{}", run.all());
    // Human output: annotations are on stdout with the rest.
    let stdout = run.stdout();
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 10, "{}", run.all());
    // The first ten exercises in course order, one each.
    assert!(errors[0].contains("title=failing%3A"), "{}", errors[0]);
    assert!(errors[9].contains("title=failing10%3A"), "{}", errors[9]);
    let summary = fs::read_to_string(&summary).expect("summary");
    assert!(
        summary.contains("2 more failures are not annotated"),
        "{summary}"
    );
    assert!(summary.contains("| `failing12` | ❌ fail |"), "{summary}");
}

#[test]
fn dev_update_never_replaces_an_original_silently() {
    let course = Course::only(&["passing", "failing"]);
    let original = course.read(".course/pristine/basics/failing.rs");
    // An author solved the exercise while testing it.
    let solved = course.read("solutions/basics/failing.rs");
    course.write("exercises/basics/failing.rs", &solved);

    let run = course.run(&["--color", "never", "dev", "update"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    assert!(
        out.contains("1 exercise file differs from the original"),
        "{out}"
    );
    assert!(
        out.contains("+++ exercises/basics/failing.rs"),
        "a diff: {out}"
    );
    assert!(out.contains("cargo runner dev update failing"), "{out}");
    assert_eq!(
        course.read(".course/pristine/basics/failing.rs"),
        original,
        "kept"
    );

    // A new exercise does not touch the changed one either.
    let new = course.run(&["dev", "new", "extra", "--dir", "basics"]);
    assert_eq!(new.code(), 0, "{}", new.all());
    assert_eq!(course.read(".course/pristine/basics/failing.rs"), original);
    assert!(course.path(".course/pristine/basics/extra.rs").is_file());

    // Named, it becomes the original.
    let run = course.run(&["dev", "update", "failing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(course.read(".course/pristine/basics/failing.rs"), solved);
    let unknown = course.run(&["dev", "update", "nope"]);
    assert_eq!(unknown.code(), 2, "{}", unknown.all());
}

#[test]
fn classroom_format_is_what_githubs_grading_reporter_reads() {
    use base64::Engine;
    let course = Course::only(&["passing", "failing"]);
    let run = course.run(&["verify", "--keep-going", "--format", "classroom"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    // One line of base64: the reporter takes it from a step output into an
    // environment variable, and decodes it with Buffer.from(.., "base64").
    let text = run.stdout();
    assert_eq!(text.lines().count(), 1, "{text}");
    let json = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .expect("base64");
    let report: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    // The fields the reporter reads: status (pass/fail/error), max_score,
    // and tests[] with name, status, message and score, which it sums.
    assert_eq!(report["version"], 1, "{report}");
    assert_eq!(report["status"], "fail", "{report}");
    assert_eq!(report["max_score"], 2, "{report}");
    let tests = report["tests"].as_array().expect("a flat tests array");
    let by_name = |name: &str| {
        tests
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {report}"))
    };
    assert_eq!(by_name("passing")["status"], "pass");
    assert_eq!(by_name("passing")["score"], 1);
    assert_eq!(by_name("failing")["status"], "fail");
    assert_eq!(by_name("failing")["score"], 0);
    assert!(
        by_name("failing")["message"]
            .as_str()
            .is_some_and(|m| m.contains("adds")),
        "says which test failed: {report}"
    );
    let total: u64 = tests.iter().filter_map(|t| t["score"].as_u64()).sum();
    assert_eq!(total, 1);

    // When the grading cannot run, the reporter still gets its shape.
    course.write(
        "info.toml",
        "format_version = 1\n[[exercises]]\nname = \"x\"\n",
    );
    let run = course.run(&["verify", "--format", "classroom"]);
    assert_ne!(run.code(), 0);
    let json = base64::engine::general_purpose::STANDARD
        .decode(run.stdout().trim())
        .expect("base64");
    let report: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(report["status"], "error", "{report}");
}

#[test]
fn dev_check_refuses_an_original_that_lacks_the_api_its_tests_use() {
    let course = Course::only(&["passing", "failing"]);
    // An original that names its function differently: the learner would
    // meet errors inside the hidden tests, not the lesson's.
    let text = "pub fn sum(a: u32, b: u32) -> u32 {\n    // TODO\n    a - b\n}\n\nfn main() {}\n";
    course.write("exercises/basics/failing.rs", text);
    course.write(".course/pristine/basics/failing.rs", text);
    let run = course.run(&[
        "--color", "never", "dev", "check", "--repeat", "1", "failing",
    ]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stdout().contains(
            "failing: the hidden tests do not compile against the original exercise (they cannot use `add`)"
        ),
        "{}",
        run.all()
    );
}

#[test]
fn forbidden_names_are_refused_before_compiling_with_the_reason() {
    let course = Course::only(&["passing"]);
    let info = course.read("info.toml").replace(
        "name = \"passing\"\ndir = \"basics\"",
        "name = \"passing\"\ndir = \"basics\"\nforbidden = [\"wrapping_add\"]\nforbidden_because = \"add with +\"",
    );
    course.write("info.toml", &info);
    course.write(
        "exercises/basics/passing.rs",
        "// wrapping_add in a comment is fine\npub fn add(a: u32, b: u32) -> u32 {\n    a.wrapping_add(b)\n}\n\nfn main() {}\n",
    );
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stdout()
            .contains("`wrapping_add` is not allowed in this exercise: add with +"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout().contains("exercises/basics/passing.rs:3:7"),
        "{}",
        run.all()
    );
    // The course-wide names, in any exercise.
    course.write(
        "exercises/basics/passing.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    let _ = std::any::type_name::<u32>();\n    a + b\n}\n\nfn main() {}\n",
    );
    let run = course.run(&["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stdout().contains("`type_name` is not allowed"),
        "{}",
        run.all()
    );
    // A list without its reason is a manifest problem.
    course.write(
        "info.toml",
        &course
            .read("info.toml")
            .replace("forbidden_because = \"add with +\"\n", ""),
    );
    let run = course.run(&["list"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr().contains("needs `forbidden_because`"),
        "{}",
        run.all()
    );
}

/// The runner in another folder (a learner edition), as `Course::command`.
fn run_in(dir: &std::path::Path, args: &[&str]) -> Run {
    Run(Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("runner starts"))
}

/// Every file under `dir`, with its text.
fn every_file(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).expect("read the edition") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(every_file(&path));
        } else {
            let text = String::from_utf8_lossy(&fs::read(&path).expect("read a file")).into();
            found.push((path, text));
        }
    }
    found
}

#[test]
fn the_learner_edition_has_no_answers_and_unseals_a_solution_after_its_pass() {
    let course = Course::only(&["passing", "failing"]);
    let answer = "// The reference answer.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\nfn main() {}\n";
    course.write("solutions/basics/failing.rs", answer);
    // The author's working copy differs from the original: learners get the
    // original.
    course.write("exercises/basics/failing.rs", answer);
    fs::create_dir_all(course.path("solutions/basics/wrong/failing")).expect("mkdir");
    course.write(
        "solutions/basics/wrong/failing/sub.rs",
        "// WRONG: subtracts\npub fn add(a: u32, b: u32) -> u32 {\n    a - b\n}\n\nfn main() {}\n",
    );
    let out = tempfile::tempdir().expect("temp dir");
    let edition = out.path().join("edition");
    let edition_arg = edition.to_str().expect("a UTF-8 temp path");
    let run = course.run(&["--color", "never", "dev", "edition", edition_arg]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout().contains("Wrote the learner edition"),
        "{}",
        run.all()
    );

    // No answer in plain sight: no solutions folder, and no file holds the
    // solution's code or a known-wrong solution.
    assert!(!edition.join("solutions").exists());
    for (path, text) in every_file(&edition) {
        assert!(
            !text.contains("reference answer") && !text.contains("WRONG"),
            "{} holds an answer:\n{text}",
            path.display()
        );
    }
    assert_eq!(
        fs::read_to_string(edition.join("exercises/basics/failing.rs")).expect("exercise"),
        course.read(".course/pristine/basics/failing.rs"),
        "the edition's exercise is the original"
    );

    // The learner's commands work without solutions; the authors' say why not.
    let run = run_in(&edition, &["--color", "never", "list"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let run = run_in(&edition, &["--color", "never", "dev", "check"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("learner edition"), "{}", run.all());
    let run = run_in(&edition, &["--color", "never", "verify", "--solutions"]);
    assert_ne!(run.code(), 0, "{}", run.all());
    assert!(run.all().contains("learner edition"), "{}", run.all());

    // A pass unseals that exercise's solution, and only that one.
    fs::write(edition.join("exercises/basics/failing.rs"), answer).expect("solve it");
    let run = run_in(&edition, &["--color", "never", "run", "failing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout()
            .contains("The reference solution is now in solutions/basics/failing.rs"),
        "{}",
        run.all()
    );
    assert_eq!(
        fs::read_to_string(edition.join("solutions/basics/failing.rs")).expect("unsealed"),
        answer
    );
    assert!(!edition.join("solutions/basics/passing.rs").exists());
}

#[test]
fn an_edition_without_solutions_carries_none() {
    let course = Course::only(&["passing"]);
    let out = tempfile::tempdir().expect("temp dir");
    let edition = out.path().join("edition");
    let edition_arg = edition.to_str().expect("a UTF-8 temp path");
    let run = course.run(&["dev", "edition", "--solutions", "none", edition_arg]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let run = run_in(&edition, &["--color", "never", "run", "passing"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(!run.stdout().contains("solution"), "{}", run.all());
    assert!(!edition.join("solutions").exists());
    assert!(!edition.join(".course/solutions.toml").exists());
    // Never into a folder that holds something, or inside the course.
    let run = course.run(&["dev", "edition", "--solutions", "none", edition_arg]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("is not empty"), "{}", run.all());
    let run = course.run(&["dev", "edition", "inside"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("inside the course"), "{}", run.all());
}

#[test]
fn dev_check_explains_what_rejected_each_known_wrong_solution() {
    let course = Course::only(&["failing"]);
    assert_eq!(course.run(&["dev", "update"]).code(), 0);
    course.write(
        "solutions/basics/wrong/failing/doubles.rs",
        "// WRONG: doubles the first\npub fn add(a: u32, b: u32) -> u32 {\n    a * 2 + b * 0\n}\n\nfn main() {}\n",
    );
    course.write(
        "solutions/basics/wrong/failing/ignores.rs",
        "// WRONG: ignores the second\npub fn add(a: u32, _b: u32) -> u32 {\n    a\n}\n\nfn main() {}\n",
    );
    let run = course.run(&[
        "--color",
        "never",
        "dev",
        "check",
        "--repeat",
        "1",
        "--explain",
    ]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let out = run.stdout();
    // add(2, 3) = 4 and add(7, 0) = 14 for the first; add(2, 3) = 2 only
    // for the second.
    for expected in [
        "solutions/basics/wrong/failing/doubles.rs\n    wrong: doubles the first\n    rejected by: adds, adds_zero\n",
        "solutions/basics/wrong/failing/ignores.rs\n    wrong: ignores the second\n    rejected by: adds\n",
    ] {
        assert!(
            out.contains(expected),
            "missing {expected:?} in:\n{}",
            run.all()
        );
    }
    let quiet = course.run(&["--color", "never", "dev", "check", "--repeat", "1"]);
    assert!(!quiet.stdout().contains("rejected by"), "{}", quiet.all());
}

#[test]
fn dev_check_stops_a_known_wrong_solution_at_its_first_rejection() {
    // A wrong solution that one test rejects at once and another would
    // wait on until its time limit: the check needs the first only.
    let course = Course::only(&["failing"]);
    let limit = 300;
    course.write(
        "info.toml",
        &course.read("info.toml").replace(
            "name = \"failing\"\n",
            &format!("name = \"failing\"\ntimeout_secs = {limit}\n"),
        ),
    );
    assert_eq!(course.run(&["dev", "update"]).code(), 0);
    course.write(
        "solutions/basics/wrong/failing/hangs.rs",
        "// WRONG: doubles, and hangs on zero\npub fn add(a: u32, b: u32) -> u32 {\n    \
         if b == 0 {\n        loop {\n            std::thread::park();\n        }\n    }\n    \
         a * 2 + b\n}\n\nfn main() {}\n",
    );
    let started = std::time::Instant::now();
    let run = course.run(&["--color", "never", "dev", "check", "--repeat", "1"]);
    let elapsed = started.elapsed();
    assert_eq!(run.code(), 0, "{}", run.all());
    // Waiting for `adds_zero` would take the whole limit, twice (unpinned
    // and pinned): finishing before one limit is over means it was stopped.
    assert!(
        elapsed < std::time::Duration::from_secs(limit),
        "dev check took {elapsed:?}: it waited for the hanging test\n{}",
        run.all()
    );
}
