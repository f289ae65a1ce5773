//! Building an exercise together with its hidden tests.
//!
//! The learner's file holds no test code. Each check compiles two crates
//! with `rustc` directly:
//!
//! 1. a snapshot of the learner's file as a library crate of its own,
//!    `exercise` (with `unsafe` forbidden unless the exercise allows it), so
//!    nothing in it can shadow a name the tests use, and `#![...]` at its top
//!    is legal;
//! 2. the hidden tests (`tests/<dir>/<name>.rs`, with `tests/support.rs`) and
//!    the runner's own test driver (`templates/driver.rs`), linked against
//!    it. The tests reach the learner's code only as `exercise::...`;
//! 3. each compile-fail probe of the hidden tests (`probe.rs`), alone
//!    against the same crate, expecting the compiler to refuse it.
//!
//! - no cargo in the loop, so no cargo lock: rust-analyzer's own
//!   `cargo check` never blocks a check, and checks can run in parallel;
//! - the crates exercises may use (`[dependencies]` of
//!   `exercises/Cargo.toml`) are built once by cargo into
//!   `target/runner/cargo` and passed with `--extern`;
//! - a model-checked exercise (`model_checked = true` in `info.toml`) is
//!   built, with its hidden tests, against the loom build of the course's
//!   sync shim (`course_sync` with its `loom` feature, `runner/sync`),
//!   built once by cargo into `target/runner/cargo-loom` the first time
//!   such an exercise is checked: no other exercise waits for loom or links
//!   it;
//! - `--remap-path-prefix` makes every path in a message relative to the
//!   course, and the snapshot's folder maps to the learner's real folder,
//!   so errors read `exercises/01_threads/threads1.rs:12:5`;
//! - the compiled test binary is cached under the digest of everything that
//!   went into it, so an unchanged exercise is not compiled again.
//!
//! Compiling a snapshot (not the live file) means the result always belongs
//! to exactly the bytes that were hashed, however fast the learner saves.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::durable;
use crate::exercise::{Exercise, Source};
use crate::forbidden;
use crate::hidden::{self, HiddenTests, Probe};
use crate::platform::{self, Confine};
use crate::probe::{self, ProbeResult};
use crate::process::{self, Cancel, Finish, Input, Limits};

/// The edition exercises, solutions and hidden tests are written in.
pub const EDITION: &str = "2024";
/// Flags of every check build; part of the cache key.
/// No debug info of our own, and none kept from std or rayon in the test
/// binaries (most of their size): panic messages carry their own file and
/// line, and backtraces are off in tests.
const RUSTC_FLAGS: &[&str] = &["-C", "debuginfo=0", "-C", "strip=debuginfo"];
/// Output kept from one compiler run.
const COMPILER_OUTPUT_CAP: usize = 256 * 1024;
const DEPS_FILE: &str = "deps.json";
/// The record of the loom build of the sync shim.
const LOOM_DEPS_FILE: &str = "deps-loom.json";
/// The course's sync shim (`runner/sync`): std's types, or loom's in its
/// `loom` build, which model-checked exercises are compiled against.
pub const SYNC_SHIM: &str = "course_sync";
/// The shim's cargo feature that swaps in loom's types.
const LOOM_FEATURE: &str = "loom";
/// The crate name the hidden tests reach the learner's code by.
pub const EXERCISE_CRATE: &str = "exercise";
/// The runner's test driver, compiled into every test binary.
const DRIVER: &str = include_str!("../templates/driver.rs");

// The driver is compiled on the learner's system, into every test binary.
// Compiled here too, with the runner's own tests (and linted for every
// target in CI), it keeps building on Linux, macOS and Windows.
#[cfg(test)]
#[allow(unsafe_code, dead_code)]
#[path = "../templates/driver.rs"]
mod driver;

/// Ready-to-use compiler settings for one course.
#[derive(Debug)]
pub struct Harness {
    root: PathBuf,
    /// Where `tests/` (the hidden tests and `support.rs`) is read from: the
    /// course root, or a revision's copy with `verify --pristine`.
    tests_root: PathBuf,
    /// `target/runner` under the course root, or a private folder.
    dir: PathBuf,
    rustc: PathBuf,
    /// The compiler's version, part of every build's fingerprint.
    toolchain: String,
    deps: Deps,
    /// The loom build of the sync shim, built the first time a
    /// model-checked exercise is compiled (an error is kept as text: every
    /// later model-checked exercise reports it too).
    loom: OnceLock<std::result::Result<Deps, String>>,
    /// Says that the loom build starts (nothing in watch mode, whose screen
    /// shows "checking…" meanwhile).
    announce: fn(&str),
    color: bool,
    /// Whether the learner's own file keeps an incremental cache (see
    /// `batch`).
    incremental: bool,
}

/// The prebuilt crates exercises may use.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Deps {
    fingerprint: String,
    libdir: PathBuf,
    /// Crate name to rlib.
    externs: BTreeMap<String, PathBuf>,
}

/// Which of the two crates of a check failed to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// The learner's file, as a crate of its own.
    Exercise,
    /// The hidden tests, which call the exercise's API: they fail when the
    /// learner changed an item the tests use. `item` is the first item of
    /// the exercise (`exercise::NAME`) on a line the compiler points at.
    HiddenTests {
        item: Option<String>,
        /// A trait the tests need (`Send`, `Sync`, `Fn`...) is missing:
        /// error E0277, not a changed signature.
        missing_trait: bool,
    },
}

/// The result of compiling one exercise with its hidden tests.
#[derive(Debug)]
pub enum Compiled {
    Binary {
        path: PathBuf,
        /// The hidden tests in the binary, in file order.
        tests: Vec<String>,
        /// Compiler warnings on the learner's file (empty when clean).
        warnings: String,
        /// The compile-fail probes, judged.
        probes: Vec<ProbeResult>,
    },
    Failed {
        stage: Stage,
        output: String,
    },
    TimedOut {
        /// What the compiler had said by then.
        output: String,
    },
    Cancelled,
}

/// What is stored beside a cached test binary.
#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    tests: Vec<String>,
    warnings: String,
    probes: Vec<ProbeResult>,
}

/// A snapshot of the source that was compiled, to tell later whether the
/// file on disk is still the same.
pub fn digest(parts: &[&[u8]]) -> String {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

impl Harness {
    /// Finds the compiler and makes sure the shared crates are built, all
    /// in `dir` (`target/runner`, or a fresh folder: a grading run there
    /// trusts nothing that code under test, or a committed `target/`, could
    /// have left in the course). `announce` is called before a (slow,
    /// first-time) cargo build.
    pub fn prepare_in(root: &Path, dir: &Path, color: bool, announce: fn(&str)) -> Result<Self> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the build folder {}", dir.display()))?;
        let crate::toolchain::Toolchain {
            rustc,
            version: toolchain,
        } = crate::toolchain::find(dir)?;
        let deps = Deps::ensure(root, dir, &toolchain, Flavor::Std, announce)?;
        Ok(Harness {
            root: root.to_path_buf(),
            tests_root: root.to_path_buf(),
            dir: dir.to_path_buf(),
            rustc,
            toolchain,
            deps,
            loom: OnceLock::new(),
            announce,
            color,
            incremental: true,
        })
    }

    /// For a batch over the whole course (`verify`): no incremental cache
    /// at all. One speeds up the next edit of a file about fourfold, but
    /// costs ~7 MB per exercise; a batch edits nothing.
    pub fn batch(mut self) -> Self {
        self.incremental = false;
        self
    }

    /// Builds the loom shim silently when it is first needed (watch mode:
    /// its screen says "checking…" meanwhile, and must not be written over).
    pub fn quiet(mut self) -> Self {
        self.announce = |_| {};
        self
    }

    /// The crates `exercise` is compiled against: the loom build of the
    /// sync shim for a model-checked exercise (built now if need be), else
    /// the shared crates.
    fn deps_for(&self, exercise: &Exercise) -> Result<&Deps> {
        if !exercise.model_checked {
            return Ok(&self.deps);
        }
        let built = self.loom.get_or_init(|| {
            Deps::ensure(
                &self.root,
                &self.dir,
                &self.toolchain,
                Flavor::Loom,
                self.announce,
            )
            .map_err(|e| format!("{e:#}"))
        });
        built.as_ref().map_err(|e| {
            anyhow::anyhow!(
                "`{}` is model-checked (`model_checked = true` in info.toml), but the loom \
                 build of the sync shim is not available: {e}",
                exercise.name
            )
        })
    }

    /// The course root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads the hidden tests (and `tests/support.rs`) from `dir/tests/`
    /// instead of the course's own. Messages still name them
    /// `tests/<dir>/<name>.rs`.
    pub fn with_hidden_tests_from(mut self, dir: &Path) -> Self {
        self.tests_root = dir.to_path_buf();
        self
    }

    /// The `-L`/`--extern` arguments that make the crates exercises may use
    /// available to a compiler (as `clippy-driver` for `dev check`).
    pub fn extern_args(&self) -> Vec<std::ffi::OsString> {
        self.deps.extern_args()
    }

    /// Compiles `source` of `exercise` with its hidden tests. Returns the
    /// result and the digest of the exercise bytes that were compiled.
    ///
    /// Two crates: the learner's file on its own (`exercise`), so that no
    /// name in it can shadow what the tests call, and `unsafe` can be
    /// forbidden; then the hidden tests with the runner's driver, which
    /// reach the exercise only through `exercise::...` paths.
    pub fn compile(
        &self,
        exercise: &Exercise,
        source: Source,
        cancel: &Cancel,
    ) -> Result<(Compiled, String)> {
        let source_path = exercise.path(&self.root, source);
        let code = fs::read(&source_path)
            .with_context(|| format!("cannot read {}", source_path.display()))?;
        let test_path = exercise.test_path(&self.tests_root);
        let test_text = fs::read_to_string(&test_path)
            .with_context(|| format!("cannot read the hidden tests {}", test_path.display()))?;
        let support_path = self.tests_root.join("tests").join("support.rs");
        let support = fs::read(&support_path).unwrap_or_default();
        let code_digest = digest(&[&code]);
        let deps = self.deps_for(exercise)?;
        // Names the exercise rules out are refused before any compiling.
        if let Some(found) =
            forbidden::first_violation(&String::from_utf8_lossy(&code), &exercise.forbidden)
        {
            let shown = crate::exercise::course_relative(&self.root, &source_path);
            let output = format!(
                "error: `{}` is not allowed in this exercise: {}\n --> {}:{}:{}\n",
                found.name, found.because, shown, found.line, found.column
            );
            let stage = Stage::Exercise;
            return Ok((Compiled::Failed { stage, output }, code_digest));
        }
        let hidden = hidden::scan(&test_text).map_err(|e| {
            anyhow::anyhow!(
                "the hidden tests {} cannot be read: {e}",
                exercise.test_path(Path::new("")).display()
            )
        })?;
        if hidden.names.is_empty() && hidden.probes.is_empty() {
            bail!(
                "the hidden tests of `{}` ({}) contain no #[test] or #[compile_fail] function",
                exercise.name,
                exercise.test_path(Path::new("")).display()
            );
        }

        let build_dir = self
            .dir
            .join("build")
            .join(source.label())
            .join(&exercise.name);
        fs::create_dir_all(&build_dir)
            .with_context(|| format!("cannot create {}", build_dir.display()))?;
        let crate_root = crate_root(exercise, !support.is_empty());
        let key = digest(&[
            crate_root.as_bytes(),
            &code,
            test_text.as_bytes(),
            &support,
            DRIVER.as_bytes(),
            deps.fingerprint.as_bytes(),
            format!("{RUSTC_FLAGS:?}{}{}", self.color, exercise.allow_unsafe).as_bytes(),
        ]);
        let binary = build_dir.join(format!("test-{key}"));
        let sidecar_path = build_dir.join(format!("test-{key}.json"));
        let cached = || {
            let sidecar: Sidecar = serde_json::from_slice(&fs::read(&sidecar_path).ok()?).ok()?;
            binary.is_file().then(|| Compiled::Binary {
                path: binary.clone(),
                tests: sidecar.tests,
                warnings: sidecar.warnings,
                probes: sidecar.probes,
            })
        };
        if let Some(compiled) = cached() {
            return Ok((compiled, code_digest));
        }

        // One build of this exercise at a time (watch mode and a manual
        // `run` may overlap); other exercises build in parallel. The paths
        // stay the same from build to build, so rustc's incremental cache
        // makes a one-line edit cheap.
        let _lock = durable::lock_exclusive(&build_dir.join("lock"))?;
        if let Some(compiled) = cached() {
            return Ok((compiled, code_digest));
        }
        let work = build_dir.join("src");
        fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
        let snapshot = work.join(format!("{}.rs", exercise.name));
        fs::write(&snapshot, &code)?;
        let tests_dir = build_dir.join("hidden");
        write_file(
            &tests_dir
                .join("tests")
                .join(&exercise.dir)
                .join(format!("{}.rs", exercise.name)),
            test_module(&hidden).as_bytes(),
        )?;
        write_file(&tests_dir.join("tests").join("support.rs"), &support)?;
        write_file(
            &tests_dir.join("runner").join("driver.rs"),
            DRIVER.as_bytes(),
        )?;
        let root_file = tests_dir.join("main.rs");
        write_file(&root_file, crate_root.as_bytes())?;
        let limits = Limits {
            timeout: exercise.compile_timeout,
            output_cap: COMPILER_OUTPUT_CAP,
        };

        // The learner's crate.
        let rlib = build_dir.join(format!("lib{EXERCISE_CRATE}.rlib"));
        // Only the learner's file is edited again and again: other sources
        // (originals, solutions, known-wrong ones) keep no incremental cache.
        let incremental =
            |name: &'static str| (self.incremental && source == Source::Exercise).then_some(name);
        let mut command = self.rustc_command(&build_dir, incremental("exercise"), deps);
        command
            .args(self.color_args())
            .args(["--crate-type", "rlib", "--crate-name", EXERCISE_CRATE])
            .args(["-A", "dead_code"])
            .args(if exercise.allow_unsafe {
                &[][..]
            } else {
                &["-F", "unsafe_code"][..]
            })
            .arg("--remap-path-prefix")
            .arg(remap(&work, &Path::new("exercises").join(&exercise.dir)))
            .arg("-o")
            .arg(&rlib)
            .arg(&snapshot);
        let ran = process::run_with(command, compiler_input(), limits, cancel)
            .with_context(|| format!("cannot run `{}`", self.rustc.display()))?;
        let warnings = ran.output.text();
        match ran.finish {
            Finish::Exited(status) if status.success() => {}
            Finish::Exited(_) => {
                let output = warnings;
                let stage = Stage::Exercise;
                return Ok((Compiled::Failed { stage, output }, code_digest));
            }
            Finish::TimedOut => return Ok((Compiled::TimedOut { output: warnings }, code_digest)),
            Finish::Cancelled => return Ok((Compiled::Cancelled, code_digest)),
        }

        // The hidden tests and the driver, linked against it.
        let output = build_dir.join("test.partial");
        let mut command = self.rustc_command(&build_dir, incremental("tests"), deps);
        command
            .args(["--crate-type", "bin", "--crate-name"])
            .arg(format!("{}_tests", crate_name(&exercise.name)))
            // The tests' own lints are not the learner's business.
            .args(["-A", "warnings"])
            // Structured errors: the rendered text for the learner, and the
            // source lines to find which of the exercise's items broke.
            .args(["--error-format", "json"])
            .args(if self.color {
                &["--json", "diagnostic-rendered-ansi"][..]
            } else {
                &[][..]
            })
            .arg("--extern")
            .arg(format!("{EXERCISE_CRATE}={}", rlib.display()))
            .arg("--remap-path-prefix")
            .arg(remap(&tests_dir, Path::new("")))
            .arg("-o")
            .arg(&output)
            .arg(&root_file);
        let ran = process::run_with(command, compiler_input(), limits, cancel)
            .with_context(|| format!("cannot run `{}`", self.rustc.display()))?;
        let compiled = match ran.finish {
            Finish::Exited(status) if status.success() => {
                let probes = match self.compile_probes(
                    exercise,
                    &hidden.probes,
                    &build_dir,
                    &rlib,
                    cancel,
                )? {
                    Ok(probes) => probes,
                    Err(unfinished) => return Ok((unfinished, code_digest)),
                };
                fs::rename(&output, &binary)
                    .with_context(|| format!("cannot store {}", binary.display()))?;
                let sidecar = Sidecar {
                    tests: hidden.names,
                    warnings,
                    probes,
                };
                durable::write_atomically(&sidecar_path, &serde_json::to_vec(&sidecar)?)?;
                remove_stale(&build_dir, &key);
                Compiled::Binary {
                    path: binary,
                    tests: sidecar.tests,
                    warnings: sidecar.warnings,
                    probes: sidecar.probes,
                }
            }
            Finish::Exited(_) => {
                let errors = hidden_test_errors(&ran.output.text(), &hidden.imports);
                Compiled::Failed {
                    stage: Stage::HiddenTests {
                        item: errors.item,
                        missing_trait: errors.codes.iter().any(|c| c == "E0277"),
                    },
                    output: errors.rendered,
                }
            }
            Finish::TimedOut => Compiled::TimedOut {
                output: ran.output.text(),
            },
            Finish::Cancelled => Compiled::Cancelled,
        };
        Ok((compiled, code_digest))
    }

    /// Compiles `source` of `exercise` as a program of its own, for its
    /// `main` (the demo the exercise text asks learners to run). Cached like
    /// the test binary; a failure is `Stage::Exercise`. Always against the
    /// shared crates: in a model-checked exercise the sync shim's std build,
    /// since loom's types work only inside a model.
    pub fn compile_main(
        &self,
        exercise: &Exercise,
        source: Source,
        cancel: &Cancel,
    ) -> Result<Compiled> {
        let source_path = exercise.path(&self.root, source);
        let code = fs::read(&source_path)
            .with_context(|| format!("cannot read {}", source_path.display()))?;
        let build_dir = self
            .dir
            .join("build")
            .join(source.label())
            .join(&exercise.name);
        fs::create_dir_all(&build_dir)
            .with_context(|| format!("cannot create {}", build_dir.display()))?;
        let key = digest(&[
            b"main",
            &code,
            self.deps.fingerprint.as_bytes(),
            format!("{RUSTC_FLAGS:?}{}{}", self.color, exercise.allow_unsafe).as_bytes(),
        ]);
        let binary = build_dir.join(format!("main-{key}{}", std::env::consts::EXE_SUFFIX));
        let done = |warnings: String| Compiled::Binary {
            path: binary.clone(),
            tests: Vec::new(),
            warnings,
            probes: Vec::new(),
        };
        if binary.is_file() {
            return Ok(done(String::new()));
        }
        let _lock = durable::lock_exclusive(&build_dir.join("lock"))?;
        if binary.is_file() {
            return Ok(done(String::new()));
        }
        let work = build_dir.join("main-src");
        fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
        let snapshot = work.join(format!("{}.rs", exercise.name));
        fs::write(&snapshot, &code)?;
        let partial = build_dir.join("main.partial");
        let mut command = self.rustc_command(&build_dir, None, &self.deps);
        command
            .args(self.color_args())
            .args(["--crate-type", "bin", "--crate-name"])
            .arg(crate_name(&exercise.name))
            .args(if exercise.allow_unsafe {
                &[][..]
            } else {
                &["-F", "unsafe_code"][..]
            })
            .arg("--remap-path-prefix")
            .arg(remap(&work, &Path::new("exercises").join(&exercise.dir)))
            .arg("-o")
            .arg(&partial)
            .arg(&snapshot);
        let limits = Limits {
            timeout: exercise.compile_timeout,
            output_cap: COMPILER_OUTPUT_CAP,
        };
        let ran = process::run_with(command, compiler_input(), limits, cancel)
            .with_context(|| format!("cannot run `{}`", self.rustc.display()))?;
        let output = ran.output.text();
        Ok(match ran.finish {
            Finish::Exited(status) if status.success() => {
                fs::rename(&partial, &binary)
                    .with_context(|| format!("cannot store {}", binary.display()))?;
                // Older programs of this exercise go (best effort).
                if let Ok(entries) = fs::read_dir(&build_dir) {
                    for entry in entries.flatten() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if name.starts_with("main-")
                            && !name.contains(&key)
                            && entry.path().is_file()
                        {
                            let _ = fs::remove_file(entry.path());
                        }
                    }
                }
                done(output)
            }
            Finish::Exited(_) => Compiled::Failed {
                stage: Stage::Exercise,
                output,
            },
            Finish::TimedOut => Compiled::TimedOut { output },
            Finish::Cancelled => Compiled::Cancelled,
        })
    }

    /// Compiles each probe alone against the learner's crate `rlib` and
    /// judges the result; `Err` when the compiler ran out of time or the
    /// check was cancelled. The probe is written where the compiler's
    /// messages name it as the hidden test file, at its own lines.
    fn compile_probes(
        &self,
        exercise: &Exercise,
        probes: &[Probe],
        build_dir: &Path,
        rlib: &Path,
        cancel: &Cancel,
    ) -> Result<std::result::Result<Vec<ProbeResult>, Compiled>> {
        // The same crates as the exercise's own build (cached after its first).
        let deps = self.deps_for(exercise)?;
        let dir = build_dir.join("probes");
        let file = dir
            .join("tests")
            .join(&exercise.dir)
            .join(format!("{}.rs", exercise.name));
        let limits = Limits {
            timeout: exercise.compile_timeout,
            output_cap: COMPILER_OUTPUT_CAP,
        };
        let mut results = Vec::with_capacity(probes.len());
        for one in probes {
            write_file(&file, probe::source(one).as_bytes())?;
            let mut command = self.rustc_command(build_dir, None, deps);
            command
                .args(["--crate-type", "lib", "--emit", "metadata", "--crate-name"])
                .arg(format!("probe_{}", one.name))
                .args(["--error-format", "json", "-A", "warnings"])
                .arg("--extern")
                .arg(format!("{EXERCISE_CRATE}={}", rlib.display()))
                .arg("--remap-path-prefix")
                .arg(remap(&dir, Path::new("")))
                .arg("--out-dir")
                .arg(&dir)
                .arg(&file);
            let ran = process::run_with(command, compiler_input(), limits, cancel)
                .with_context(|| format!("cannot run `{}`", self.rustc.display()))?;
            match ran.finish {
                Finish::Exited(status) => {
                    results.push(probe::judge(one, status.success(), &ran.output.text()));
                }
                Finish::TimedOut => {
                    let output = ran.output.text();
                    return Ok(Err(Compiled::TimedOut { output }));
                }
                Finish::Cancelled => return Ok(Err(Compiled::Cancelled)),
            }
        }
        Ok(Ok(results))
    }

    /// `--color` for a compiler run whose messages are shown as rustc
    /// prints them (not with `--error-format json`, which rustc refuses to
    /// combine with `--color`: there `--json diagnostic-rendered-ansi`).
    fn color_args(&self) -> [&'static str; 2] {
        ["--color", if self.color { "always" } else { "never" }]
    }

    /// A `rustc` call with the settings both crates share.
    fn rustc_command(&self, build_dir: &Path, incremental: Option<&str>, deps: &Deps) -> Command {
        let mut command = Command::new(&self.rustc);
        command
            .current_dir(&self.root)
            .args(["--edition", EDITION])
            .args(RUSTC_FLAGS)
            .arg("--remap-path-prefix")
            .arg(remap(&self.root, Path::new("")))
            .args(deps.extern_args());
        if let Some(name) = incremental {
            command.arg("-C").arg(format!(
                "incremental={}",
                build_dir.join("incremental").join(name).display()
            ));
        }
        command
    }
}

/// The compiler runs with a memory limit: `include_bytes!("/dev/zero")`
/// in a learner's file must not eat the machine.
fn compiler_input() -> Input {
    Input {
        confine: Confine::Compiler {
            memory: platform::COMPILER_MEMORY,
        },
        ..Input::default()
    }
}

/// The compiler's errors on the hidden tests.
#[derive(Debug, PartialEq, Eq)]
struct TestErrors {
    rendered: String,
    /// The first item of the exercise on a source line they point at.
    item: Option<String>,
    /// Their error codes.
    codes: Vec<String>,
}

/// Reads the compiler's `--error-format=json` output on the hidden tests.
fn hidden_test_errors(json: &str, imports: &[(String, String)]) -> TestErrors {
    #[derive(Deserialize)]
    struct Diagnostic {
        level: String,
        rendered: Option<String>,
        code: Option<Code>,
        #[serde(default)]
        spans: Vec<Span>,
    }
    #[derive(Deserialize)]
    struct Code {
        code: String,
    }
    #[derive(Deserialize)]
    struct Span {
        #[serde(default)]
        text: Vec<Line>,
    }
    #[derive(Deserialize)]
    struct Line {
        text: String,
    }
    let mut rendered = String::new();
    let mut item = None;
    let mut codes = Vec::new();
    let mut parsed_any = false;
    for line in json.lines() {
        let Ok(diagnostic) = serde_json::from_str::<Diagnostic>(line) else {
            continue;
        };
        parsed_any = true;
        if let Some(text) = &diagnostic.rendered {
            rendered.push_str(text);
        }
        if diagnostic.level == "error"
            && let Some(code) = &diagnostic.code
        {
            codes.push(code.code.clone());
        }
        if item.is_none() && diagnostic.level == "error" {
            item = diagnostic
                .spans
                .iter()
                .flat_map(|span| &span.text)
                .find_map(|line| {
                    exercise_item(&line.text).or_else(|| imported_item(&line.text, imports))
                });
        }
    }
    if !parsed_any {
        // Not JSON (the compiler crashed, or was killed): show it as it is.
        rendered = json.to_string();
    }
    TestErrors {
        rendered,
        item,
        codes,
    }
}

/// The first item imported from the exercise that a line of code names
/// (as a whole word).
fn imported_item(code: &str, imports: &[(String, String)]) -> Option<String> {
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    imports
        .iter()
        .filter_map(|(shown, item)| Some((words.iter().position(|w| w == shown)?, item)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, item)| item.clone())
}

/// The name after the first `exercise::` in a line of code (`Type` or
/// `Type::method`).
fn exercise_item(code: &str) -> Option<String> {
    let prefix = format!("{EXERCISE_CRATE}::");
    let start = code.find(&prefix)? + prefix.len();
    let rest = &code[start..];
    let ident = |s: &str| -> usize {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let mut end = ident(rest);
    // `Type::method` or `Type::<T>::method`: name the method too.
    let after = &rest[end..];
    let after_generics = after
        .strip_prefix("::<")
        .and_then(|g| g.find('>').map(|close| &g[close + 1..]))
        .unwrap_or(after);
    if let Some(method) = after_generics.strip_prefix("::") {
        let len = ident(method);
        if len > 0 {
            let name = format!("{}::{}", &rest[..end], &method[..len]);
            return Some(name);
        }
    }
    (end > 0).then(|| {
        end = end.min(rest.len());
        rest[..end].to_string()
    })
}

/// A `--remap-path-prefix` value: `from` (as a folder) becomes `to`.
fn remap(from: &Path, to: &Path) -> std::ffi::OsString {
    let mut value = from.as_os_str().to_os_string();
    value.push(std::path::MAIN_SEPARATOR_STR);
    value.push("=");
    if !to.as_os_str().is_empty() {
        value.push(to.as_os_str());
        value.push(std::path::MAIN_SEPARATOR_STR);
    }
    value
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// The hidden test file as compiled: blanked `#[test]`s, and after its last
/// line (so every position above stays as written) the table of its tests,
/// where the private test functions are in scope.
fn test_module(hidden: &HiddenTests) -> String {
    let mut text = hidden.source.clone();
    text.push_str("\npub(crate) const RUNNER_TESTS: &[(&str, fn())] = &[\n");
    for test in &hidden.names {
        text.push_str(&format!("    (\"{test}\", {test}),\n"));
    }
    text.push_str("];\n");
    text
}

/// The test crate's root: the support module, the hidden tests and the
/// driver, mounted by relative paths (nothing about where the course lives
/// is pasted into code), and a `main` that hands the driver every test.
fn crate_root(exercise: &Exercise, support: bool) -> String {
    let mut root =
        String::from("// Generated by the runner: the hidden tests and the runner's driver.\n");
    if support {
        root.push_str("#[path = \"tests/support.rs\"]\nmod support;\n");
    }
    root.push_str(&format!(
        "#[path = \"tests/{}/{}.rs\"]\nmod hidden_tests;\n\
         #[path = \"runner/driver.rs\"]\nmod driver;\n\n\
         fn main() -> std::process::ExitCode {{\n    \
         driver::main(hidden_tests::RUNNER_TESTS)\n}}\n",
        exercise.dir, exercise.name
    ));
    root
}

fn crate_name(name: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("ex_{name}")
    } else {
        name.to_string()
    }
}

/// Removes binaries of older versions of this exercise (best effort).
fn remove_stale(build_dir: &Path, key: &str) {
    let Ok(entries) = fs::read_dir(build_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("test-") && !name.contains(key) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Which build of the shared crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// Every crate of `exercises/Cargo.toml`'s `[dependencies]`, as is.
    Std,
    /// The sync shim alone, with loom's types (for model-checked exercises).
    Loom,
}

impl Deps {
    /// The `-L`/`--extern` arguments that make these crates available.
    fn extern_args(&self) -> Vec<std::ffi::OsString> {
        let mut args = vec![
            "-L".into(),
            format!("dependency={}", self.libdir.display()).into(),
        ];
        for (name, rlib) in &self.externs {
            args.push("--extern".into());
            args.push(format!("{name}={}", rlib.display()).into());
        }
        args
    }

    /// Loads the record of the built crates, rebuilding them with cargo
    /// when the lock file, the dependency list, the source of a crate of the
    /// course's own (a `path` dependency, such as the sync shim) or the
    /// toolchain changed.
    fn ensure(
        root: &Path,
        dir: &Path,
        toolchain: &str,
        flavor: Flavor,
        announce: fn(&str),
    ) -> Result<Deps> {
        let manifest = root.join("exercises").join("Cargo.toml");
        let text = fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let table: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
        let declared = table
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default();
        let workspace_text = fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
        let packages: Vec<String> = match flavor {
            Flavor::Std => declared.keys().cloned().collect(),
            Flavor::Loom if declared.contains_key(SYNC_SHIM) => vec![SYNC_SHIM.to_string()],
            Flavor::Loom => bail!(
                "{} does not list `{SYNC_SHIM}` (the course's sync shim, runner/sync) in its \
                 [dependencies]: add `{SYNC_SHIM}.workspace = true` there, or remove \
                 `model_checked` from the exercise in info.toml",
                Path::new("exercises").join("Cargo.toml").display()
            ),
        };
        let lock = fs::read(root.join("Cargo.lock")).unwrap_or_default();
        let own = own_crates(root, &declared, &workspace_text);
        let own_sources = sources(own.values());
        let fingerprint = digest(&[
            &lock,
            packages.join(",").as_bytes(),
            toolchain.as_bytes(),
            workspace_text.as_bytes(),
            &own_sources,
            format!("{flavor:?}").as_bytes(),
        ]);
        let record = dir.join(match flavor {
            Flavor::Std => DEPS_FILE,
            Flavor::Loom => LOOM_DEPS_FILE,
        });
        if let Some(deps) = fs::read(&record)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Deps>(&bytes).ok())
            .filter(|d| d.fingerprint == fingerprint && d.externs.values().all(|p| p.is_file()))
        {
            return Ok(deps);
        }
        let deps = if packages.is_empty() {
            Deps {
                fingerprint,
                libdir: dir.to_path_buf(),
                externs: BTreeMap::new(),
            }
        } else {
            match flavor {
                Flavor::Std => announce(&packages.join(", ")),
                Flavor::Loom => announce(&format!(
                    "the loom model checker, for model-checked exercises: {SYNC_SHIM} with loom"
                )),
            }
            // Cargo refuses `--package rayon` beside a workspace member such
            // as the shim (it then resolves only the members' own graph):
            // one build for the crates from a registry, one for the course's
            // own, in the same folder.
            let (mine, registry): (Vec<String>, Vec<String>) =
                packages.into_iter().partition(|p| own.contains_key(p));
            let groups: Vec<&[String]> = [&registry[..], &mine[..]]
                .into_iter()
                .filter(|g| !g.is_empty())
                .collect();
            Self::build(root, dir, &groups, flavor, fingerprint)?
        };
        let json = serde_json::to_vec_pretty(&deps)?;
        crate::durable::write_atomically(&record, &json)?;
        Ok(deps)
    }

    fn build(
        root: &Path,
        dir: &Path,
        groups: &[&[String]],
        flavor: Flavor,
        fingerprint: String,
    ) -> Result<Deps> {
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        // The loom build has a folder of its own: building the shim with a
        // feature in the shared folder would rebuild it there, and every
        // other exercise after it.
        let target = dir.join(match flavor {
            Flavor::Std => "cargo",
            Flavor::Loom => "cargo-loom",
        });
        let mut stdout = Vec::new();
        for packages in groups {
            let mut command = Command::new(&cargo);
            command
                .current_dir(root)
                .args(["build", "--quiet", "--message-format=json"])
                .arg("--target-dir")
                .arg(&target);
            for package in *packages {
                command.args(["--package", package]);
            }
            if flavor == Flavor::Loom {
                command
                    .arg("--features")
                    .arg(format!("{SYNC_SHIM}/{LOOM_FEATURE}"));
            }
            let output = command
                .output()
                .with_context(|| format!("cannot run `{}`", cargo.display()))?;
            if !output.status.success() {
                bail!(
                    "building the crates exercises use ({}{}) failed:\n{}",
                    packages.join(", "),
                    if flavor == Flavor::Loom {
                        ", with loom"
                    } else {
                        ""
                    },
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            stdout.extend_from_slice(&output.stdout);
            stdout.push(b'\n');
        }
        let wanted: Vec<String> = groups
            .iter()
            .flat_map(|g| g.iter())
            .map(|p| p.replace('-', "_"))
            .collect();
        let mut externs = BTreeMap::new();
        for line in stdout.split(|b| *b == b'\n') {
            let Ok(message) = serde_json::from_slice::<Artifact>(line) else {
                continue;
            };
            if message.reason == "compiler-artifact"
                && wanted.contains(&message.target.name)
                && message
                    .target
                    .kind
                    .iter()
                    .any(|k| k == "lib" || k == "rlib")
                && let Some(rlib) = message
                    .filenames
                    .into_iter()
                    .find(|f| f.extension().is_some_and(|e| e == "rlib"))
            {
                externs.insert(message.target.name, rlib);
            }
        }
        if let Some(missing) = wanted.iter().find(|w| !externs.contains_key(*w)) {
            bail!("cargo built the course's crates but reported no library for `{missing}`");
        }
        Ok(Deps {
            fingerprint,
            libdir: target.join("debug").join("deps"),
            externs,
        })
    }
}

/// The course's own crates among `declared` (dependencies with a `path`,
/// directly or through `[workspace.dependencies]`), by name, with their
/// folders.
fn own_crates(
    root: &Path,
    declared: &toml::Table,
    workspace_text: &str,
) -> BTreeMap<String, PathBuf> {
    let workspace: toml::Table = toml::from_str(workspace_text).unwrap_or_default();
    let shared = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table);
    let mut own = BTreeMap::new();
    for (name, spec) in declared {
        let folder = match spec.get("path").and_then(toml::Value::as_str) {
            Some(path) => root.join("exercises").join(path),
            None if spec.get("workspace").and_then(toml::Value::as_bool) == Some(true) => {
                match shared
                    .and_then(|deps| deps.get(name))
                    .and_then(|dep| dep.get("path"))
                    .and_then(toml::Value::as_str)
                {
                    Some(path) => root.join(path),
                    None => continue,
                }
            }
            None => continue,
        };
        own.insert(name.clone(), folder);
    }
    own
}

/// Every file in `folders`, names and contents in one blob, for a
/// fingerprint: a change to the sync shim rebuilds it.
fn sources<'a>(folders: impl Iterator<Item = &'a PathBuf>) -> Vec<u8> {
    let mut blob = Vec::new();
    for folder in folders {
        let mut files = Vec::new();
        collect_files(folder, &mut files);
        files.sort();
        for file in files {
            blob.extend_from_slice(file.to_string_lossy().as_bytes());
            blob.extend_from_slice(&fs::read(&file).unwrap_or_default());
        }
    }
    blob
}

/// Every file under `dir`, but no `target` folder (best effort).
fn collect_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != "target" {
                collect_files(&path, found);
            }
        } else {
            found.push(path);
        }
    }
}

#[derive(Deserialize)]
struct Artifact {
    reason: String,
    target: ArtifactTarget,
    filenames: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct ArtifactTarget {
    name: String,
    kind: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_item_is_named_from_the_line_the_compiler_shows() {
        let item = |code: &str| exercise_item(code);
        assert_eq!(
            item("const _: fn(u32) -> u32 = exercise::add;").as_deref(),
            Some("add")
        );
        assert_eq!(
            item("const _: fn(&Queue<u32>) = exercise::Queue::<u32>::push;").as_deref(),
            Some("Queue::push")
        );
        assert_eq!(item("use exercise::{Worker, start};").as_deref(), None);
        assert_eq!(item("let x = 1;"), None);
        let json = concat!(
            r#"{"$message_type":"diagnostic","level":"error","rendered":"error[E0308]: mismatched types\n","spans":[{"text":[{"text":"const _: fn(u32, u32) -> u32 = exercise::add;"}]}]}"#,
            "
",
            r#"{"$message_type":"diagnostic","level":"error","rendered":"error: aborting\n","spans":[]}"#,
            "
"
        );
        let errors = hidden_test_errors(json, &[]);
        assert_eq!(
            errors.rendered,
            "error[E0308]: mismatched types\nerror: aborting\n"
        );
        assert_eq!(errors.item.as_deref(), Some("add"));
        // Output that is not JSON is kept as it is.
        assert_eq!(
            hidden_test_errors("killed", &[]),
            TestErrors {
                rendered: "killed".to_string(),
                item: None,
                codes: Vec::new()
            }
        );
        let imports = [("Queue".to_string(), "Queue".to_string())];
        assert_eq!(
            imported_item("let q: Queue<u32> = make();", &imports).as_deref(),
            Some("Queue")
        );
        assert_eq!(imported_item("let q = QueueX::new();", &imports), None);
    }
}
