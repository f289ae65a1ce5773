//! The course's own self-check: every solution passes its hidden tests
//! (repeatedly, and pinned to one CPU), every original exercise fails them,
//! and the files match info.toml. Teachers run the full-strength version
//! with `cargo runner dev check --repeat 50`.

use std::path::Path;
use std::process::Command;

#[test]
fn every_solution_passes_and_every_original_fails() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the runner lives in the course");
    let output = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(["--color", "never", "dev", "check", "--repeat", "1"])
        .current_dir(root)
        .output()
        .expect("runner starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the course check found problems:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("The course is sound"), "{stdout}\n{stderr}");
}
