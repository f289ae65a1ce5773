//! Compile-fail probes: code in the hidden tests that must NOT compile
//! against the learner's crate (a type that must stay `!Sync`, a value that
//! must not outlive its guard), in the spirit of trybuild. The harness
//! compiles each probe alone; this module writes its source and judges the
//! compiler's JSON diagnostics.
//!
//! A probe passes only when the compiler rejects it, and every error code it
//! reports is the one the probe names: a typo in the probe, or a learner's
//! renamed item, fails with the other errors shown instead of passing.

use serde::{Deserialize, Serialize};

use crate::hidden::Probe;

/// How the compiler took a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeVerdict {
    /// Rejected with the expected error: the probe passes.
    Rejected,
    /// It compiled: what it proves does not hold.
    Compiled,
    /// Rejected, but (also) for another reason.
    OtherErrors {
        codes: Vec<String>,
        rendered: String,
    },
}

/// A probe's result, as kept beside a cached test binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub name: String,
    pub code: String,
    pub doc: String,
    pub verdict: ProbeVerdict,
}

impl ProbeResult {
    /// The failure message a learner sees, or `None` when it passed.
    pub fn failure(&self) -> Option<String> {
        let what = if self.doc.is_empty() {
            format!("`{}`", self.name)
        } else {
            self.doc.clone()
        };
        match &self.verdict {
            ProbeVerdict::Rejected => None,
            ProbeVerdict::Compiled => Some(format!(
                "This hidden test is code that must not compile against your file, and it \
                 compiles: {what}"
            )),
            ProbeVerdict::OtherErrors { codes, rendered } => Some(format!(
                "This hidden test is code that must fail to compile with error {} ({what}), \
                 but the compiler stopped at {} instead. Was an item the tests use renamed \
                 or removed?\n{rendered}",
                self.code,
                if codes.is_empty() {
                    "other errors".to_string()
                } else {
                    codes.join(", ")
                }
            )),
        }
    }
}

/// The probe as a crate of its own: blank lines first, so that the
/// compiler's line numbers are the test file's.
pub fn source(probe: &Probe) -> String {
    let mut text = "\n".repeat(probe.line.saturating_sub(1));
    text.push_str(&probe.text);
    text.push('\n');
    text
}

/// Judges a compiler run on a probe from `--error-format=json` output.
pub fn judge(probe: &Probe, compiled: bool, output: &str) -> ProbeResult {
    let verdict = if compiled {
        ProbeVerdict::Compiled
    } else {
        let errors: Vec<Diagnostic> = output
            .lines()
            .filter_map(|line| serde_json::from_str::<Diagnostic>(line).ok())
            .filter(|d| d.level == "error")
            .collect();
        let codes: Vec<String> = errors
            .iter()
            .filter_map(|d| d.code.as_ref().map(|c| c.code.clone()))
            .collect();
        if !codes.is_empty() && codes.iter().all(|c| *c == probe.code) {
            ProbeVerdict::Rejected
        } else {
            let rendered = errors
                .iter()
                .filter_map(|d| d.rendered.as_deref())
                .collect::<Vec<_>>()
                .join("")
                .trim_end()
                .to_string();
            ProbeVerdict::OtherErrors {
                codes,
                rendered: if rendered.is_empty() {
                    output.to_string()
                } else {
                    rendered
                },
            }
        }
    };
    ProbeResult {
        name: probe.name.clone(),
        code: probe.code.clone(),
        doc: probe.doc.clone(),
        verdict,
    }
}

/// The part of a rustc JSON diagnostic a probe needs.
#[derive(Debug, Deserialize)]
struct Diagnostic {
    level: String,
    code: Option<Code>,
    rendered: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Code {
    code: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> Probe {
        Probe {
            name: "not_sync".into(),
            code: "E0277".into(),
            doc: "Handle must not be Sync.".into(),
            text: "fn not_sync() {}".into(),
            line: 3,
        }
    }

    fn diagnostic(code: Option<&str>, level: &str) -> String {
        let code = code.map_or("null".to_string(), |c| {
            format!("{{\"code\":\"{c}\",\"explanation\":null}}")
        });
        format!(
            "{{\"$message_type\":\"diagnostic\",\"message\":\"m\",\"code\":{code},\"level\":\"{level}\",\"spans\":[],\"children\":[],\"rendered\":\"error {level}\\n\"}}"
        )
    }

    #[test]
    fn source_keeps_the_test_files_line_numbers() {
        assert_eq!(source(&probe()), "\n\nfn not_sync() {}\n");
    }

    #[test]
    fn only_the_expected_error_passes() {
        let expected = diagnostic(Some("E0277"), "error");
        let summary = diagnostic(None, "error");
        let warning = diagnostic(Some("E0599"), "warning");
        let output = format!("{expected}\n{warning}\nnot json\n{summary}\n");
        assert_eq!(
            judge(&probe(), false, &output).verdict,
            ProbeVerdict::Rejected
        );
        assert_eq!(judge(&probe(), true, "").verdict, ProbeVerdict::Compiled);
        let other = format!("{expected}\n{}\n", diagnostic(Some("E0425"), "error"));
        let result = judge(&probe(), false, &other);
        assert!(
            matches!(&result.verdict, ProbeVerdict::OtherErrors { codes, .. } if codes == &["E0277", "E0425"]),
            "{result:?}"
        );
        // A failed run with no error code at all (the compiler crashed, or
        // was killed) is not a pass either.
        let result = judge(&probe(), false, "killed");
        assert!(matches!(result.verdict, ProbeVerdict::OtherErrors { .. }));
        assert!(
            result
                .failure()
                .is_some_and(|m| m.contains("E0277") && m.contains("killed"))
        );
        assert!(
            judge(&probe(), true, "")
                .failure()
                .is_some_and(|m| m.contains("Handle must not be Sync."))
        );
    }
}
