//! Building an exercise together with its hidden tests.
//!
//! The learner's file holds no test code. For each check we write a tiny
//! crate root that `include!`s a snapshot of the exercise (or solution) and
//! mounts `tests/support.rs` and `tests/<dir>/<name>.rs` as modules, then
//! compile it with `rustc --test` directly:
//!
//! - no cargo in the loop, so no cargo lock: rust-analyzer's own
//!   `cargo check` never blocks a check, and checks can run in parallel;
//! - the crates exercises may use (`[dependencies]` of
//!   `exercises/Cargo.toml`) are built once by cargo into
//!   `target/runner/cargo` and passed with `--extern`;
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
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::durable;
use crate::exercise::{Exercise, Source};
use crate::process::{self, Cancel, Finish, Limits};

/// The edition exercises, solutions and hidden tests are written in.
pub const EDITION: &str = "2024";
/// Flags of every check build; part of the cache key.
const RUSTC_FLAGS: &[&str] = &["-C", "debuginfo=0", "-A", "dead_code"];
const COMPILE_LIMITS: Limits = Limits {
    timeout: Duration::from_secs(180),
    output_cap: 256 * 1024,
};
const DEPS_FILE: &str = "deps.json";

/// Ready-to-use compiler settings for one course.
#[derive(Debug)]
pub struct Harness {
    root: PathBuf,
    /// Where `tests/` (the hidden tests and `support.rs`) is read from: the
    /// course root, or a revision's copy with `verify --pristine`.
    tests_root: PathBuf,
    /// `target/runner` under the course root.
    dir: PathBuf,
    rustc: PathBuf,
    deps: Deps,
    color: bool,
}

/// The prebuilt crates exercises may use.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Deps {
    fingerprint: String,
    libdir: PathBuf,
    /// Crate name to rlib.
    externs: BTreeMap<String, PathBuf>,
}

/// The result of compiling one exercise with its hidden tests.
#[derive(Debug)]
pub enum Compiled {
    Binary {
        path: PathBuf,
        /// Compiler warnings (empty when clean).
        warnings: String,
    },
    Failed {
        output: String,
    },
    TimedOut,
    Cancelled,
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
    /// Finds the compiler and makes sure the shared crates are built.
    /// `announce` is called before a (slow, first-time) cargo build.
    pub fn prepare(root: &Path, color: bool, announce: impl FnOnce(&str)) -> Result<Self> {
        let dir = root.join("target").join("runner");
        fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the build folder {}", dir.display()))?;
        let rustc = std::env::var_os("RUSTC").map_or_else(|| PathBuf::from("rustc"), PathBuf::from);
        let version = Command::new(&rustc).arg("-vV").output().with_context(|| {
            format!(
                "cannot run `{}`: is Rust installed (https://rustup.rs)?",
                rustc.display()
            )
        })?;
        let toolchain = String::from_utf8_lossy(&version.stdout).into_owned();
        let deps = Deps::ensure(root, &dir, &toolchain, announce)?;
        Ok(Harness {
            root: root.to_path_buf(),
            tests_root: root.to_path_buf(),
            dir,
            rustc,
            deps,
            color,
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
        let mut args = vec![
            "-L".into(),
            format!("dependency={}", self.deps.libdir.display()).into(),
        ];
        for (name, rlib) in &self.deps.externs {
            args.push("--extern".into());
            args.push(format!("{name}={}", rlib.display()).into());
        }
        args
    }

    /// Compiles `source` of `exercise` with its hidden tests. Returns the
    /// result and the digest of the exercise bytes that were compiled.
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
        let tests = fs::read(&test_path)
            .with_context(|| format!("cannot read the hidden tests {}", test_path.display()))?;
        let support_path = self.tests_root.join("tests").join("support.rs");
        let support = fs::read(&support_path).unwrap_or_default();
        let code_digest = digest(&[&code]);

        let build_dir = self
            .dir
            .join("build")
            .join(source.label())
            .join(&exercise.name);
        fs::create_dir_all(&build_dir)
            .with_context(|| format!("cannot create {}", build_dir.display()))?;
        let crate_root = self.crate_root(exercise, !support.is_empty());
        let key = digest(&[
            crate_root.as_bytes(),
            &code,
            &tests,
            &support,
            self.deps.fingerprint.as_bytes(),
            format!("{RUSTC_FLAGS:?}{}", self.color).as_bytes(),
        ]);
        let binary = build_dir.join(format!("test-{key}"));
        let warnings_path = build_dir.join(format!("test-{key}.warnings"));
        let cached = || {
            binary.is_file().then(|| Compiled::Binary {
                path: binary.clone(),
                warnings: fs::read_to_string(&warnings_path).unwrap_or_default(),
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
        let root_file = work.join("main.rs");
        fs::write(
            &root_file,
            crate_root.replace(SNAPSHOT, &snapshot.display().to_string()),
        )?;
        let output = build_dir.join("test.partial");

        let mut command = Command::new(&self.rustc);
        command
            .current_dir(&self.root)
            .args(["--edition", EDITION, "--test", "--crate-name"])
            .arg(crate_name(&exercise.name))
            .args(RUSTC_FLAGS)
            .arg("-C")
            .arg(format!(
                "incremental={}",
                build_dir.join("incremental").display()
            ))
            .arg("--color")
            .arg(if self.color { "always" } else { "never" })
            .arg("--remap-path-prefix")
            .arg(format!("{}/=", self.root.display()))
            .arg("--remap-path-prefix")
            .arg(format!("{}/=", self.tests_root.display()))
            // Later mappings win: the snapshot reads as the learner's file.
            .arg("--remap-path-prefix")
            .arg(format!(
                "{}={}",
                work.display(),
                Path::new("exercises").join(&exercise.dir).display()
            ))
            .args(self.extern_args());
        command.arg("-o").arg(&output).arg(&root_file);
        let ran = process::run(command, COMPILE_LIMITS, cancel)
            .with_context(|| format!("cannot run `{}`", self.rustc.display()))?;
        let text = ran.output.text();
        let compiled = match ran.finish {
            Finish::Exited(status) if status.success() => {
                fs::rename(&output, &binary)
                    .with_context(|| format!("cannot store {}", binary.display()))?;
                // The key is in the name: a cached binary never mismatches.
                let _ = fs::write(&warnings_path, &text);
                remove_stale(&build_dir, &key);
                Compiled::Binary {
                    path: binary,
                    warnings: text,
                }
            }
            Finish::Exited(_) => Compiled::Failed { output: text },
            Finish::TimedOut => Compiled::TimedOut,
            Finish::Cancelled => Compiled::Cancelled,
        };
        Ok((compiled, code_digest))
    }

    fn crate_root(&self, exercise: &Exercise, support: bool) -> String {
        let tests = exercise.test_path(&self.tests_root);
        let support_module = if support {
            format!(
                "#[path = {:?}]\nmod support;\n",
                self.tests_root.join("tests").join("support.rs")
            )
        } else {
            String::new()
        };
        format!(
            "// Generated by the runner: the exercise with its hidden tests.\n\
             include!({SNAPSHOT:?});\n{support_module}#[path = {tests:?}]\nmod hidden_tests;\n"
        )
    }
}

/// Stands for the snapshot path in the crate root while its digest is
/// computed (keeps the key independent of where the course lives).
const SNAPSHOT: &str = "@SNAPSHOT@";

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

impl Deps {
    /// Loads the record of the built crates, rebuilding them with cargo
    /// when the lock file, the dependency list or the toolchain changed.
    fn ensure(
        root: &Path,
        dir: &Path,
        toolchain: &str,
        announce: impl FnOnce(&str),
    ) -> Result<Deps> {
        let manifest = root.join("exercises").join("Cargo.toml");
        let text = fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let table: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
        let packages: Vec<String> = table
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .map(|deps| deps.keys().cloned().collect())
            .unwrap_or_default();
        let lock = fs::read(root.join("Cargo.lock")).unwrap_or_default();
        let fingerprint = digest(&[
            &lock,
            packages.join(",").as_bytes(),
            toolchain.as_bytes(),
            fs::read(root.join("Cargo.toml"))
                .unwrap_or_default()
                .as_slice(),
        ]);
        let record = dir.join(DEPS_FILE);
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
            announce(&packages.join(", "));
            Self::build(root, dir, &packages, fingerprint)?
        };
        let json = serde_json::to_vec_pretty(&deps)?;
        crate::durable::write_atomically(&record, &json)?;
        Ok(deps)
    }

    fn build(root: &Path, dir: &Path, packages: &[String], fingerprint: String) -> Result<Deps> {
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        let target = dir.join("cargo");
        let mut command = Command::new(&cargo);
        command
            .current_dir(root)
            .args(["build", "--quiet", "--message-format=json"])
            .arg("--target-dir")
            .arg(&target);
        for package in packages {
            command.args(["--package", package]);
        }
        let output = command
            .output()
            .with_context(|| format!("cannot run `{}`", cargo.display()))?;
        if !output.status.success() {
            bail!(
                "building the crates exercises use ({}) failed:\n{}",
                packages.join(", "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let wanted: Vec<String> = packages.iter().map(|p| p.replace('-', "_")).collect();
        let mut externs = BTreeMap::new();
        for line in output.stdout.split(|b| *b == b'\n') {
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
            {
                if let Some(rlib) = message
                    .filenames
                    .into_iter()
                    .find(|f| f.extension().is_some_and(|e| e == "rlib"))
                {
                    externs.insert(message.target.name, rlib);
                }
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
