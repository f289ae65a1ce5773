//! `runner verify`: every exercise (or solution) in course order, with a
//! progress bar on a terminal, one line per exercise for logs, the first
//! failure in full, and a summary.

use anyhow::Result;

use crate::check::{self, Report};
use crate::exercise::Source;
use crate::harness::Harness;
use crate::manifest::Course;
use crate::process::Cancel;
use crate::ui;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub keep_going: bool,
    pub source: Source,
}

/// Checks the course; `Ok(true)` when every exercise passed.
pub fn verify(course: &Course, harness: &Harness, options: Options) -> Result<bool> {
    let total = course.exercises.len();
    let bar = ui::progress(total);
    let cancel = Cancel::new();
    let mut passed = 0;
    let mut first_failure: Option<(Report, usize)> = None;
    for (i, exercise) in course.exercises.iter().enumerate() {
        bar.set_message(exercise.name.clone());
        let report = check::check(harness, exercise, options.source, &cancel)?;
        bar.suspend(|| println!("{}", ui::outcome_line(&report)));
        bar.inc(1);
        if report.outcome.passed() {
            passed += 1;
        } else if first_failure.is_none() {
            first_failure = Some((report, i));
            if !options.keep_going {
                break;
            }
        }
    }
    bar.finish_and_clear();
    if let Some((report, i)) = &first_failure {
        println!("\n{}", ui::report_text(report, &course.exercises[*i]));
    }
    let what = match options.source {
        Source::Solution => "solutions",
        _ => "exercises",
    };
    println!("{passed}/{total} {what} passed");
    Ok(passed == total)
}
