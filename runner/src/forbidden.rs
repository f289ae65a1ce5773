//! Names a learner's file may not use. Some wrong solutions are invisible to
//! any test: code that asks which type the test passed in (`type_name`) and
//! behaves only when watched, a file pulled in from elsewhere (`include!`),
//! or a lesson bypassed with a tool the exercise rules out (a lock where it
//! teaches lock-free counting). The source shows them, so the runner reads
//! the learner's file as tokens, before compiling, and refuses those names
//! wherever they appear: in code, in paths, in macro bodies. Comments and
//! string contents are not tokens, so they never trip it.

use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

use crate::exercise::Forbidden;

/// Refused in every exercise: asking about a type's identity or size
/// (to tell the tests' probe types, or one test's closure, from another),
/// asking who called (a test's file and line, its function in a
/// backtrace), and reading other files into the program at compile time.
/// The driver hides the rest: the test's name is in neither the command
/// line nor the thread's name.
pub const EVERYWHERE: &[(&str, &str)] = &[
    ("type_name", TYPE_IDENTITY),
    ("type_name_of_val", TYPE_IDENTITY),
    ("TypeId", TYPE_IDENTITY),
    ("type_id", TYPE_IDENTITY),
    ("size_of", TYPE_IDENTITY),
    ("size_of_val", TYPE_IDENTITY),
    ("align_of", TYPE_IDENTITY),
    ("align_of_val", TYPE_IDENTITY),
    ("needs_drop", TYPE_IDENTITY),
    ("track_caller", CALLER),
    ("Backtrace", CALLER),
    ("backtrace", CALLER),
    ("include", INCLUDE),
    ("include_str", INCLUDE),
    ("include_bytes", INCLUDE),
];

const TYPE_IDENTITY: &str = "code must work the same for every type and closure the tests \
     pass in, so it may not ask which type it was given or how big it is";
const CALLER: &str = "code must work the same for every caller, so it may not ask which \
     test called it";
const INCLUDE: &str = "an exercise is this one file; it may not read other files into itself";

/// The first use of a forbidden name: the name, its line and column (both
/// 1-based), and why it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub because: String,
}

/// Whether `text` is a plain name (what `forbidden` may list).
pub fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The first forbidden name in `source`. A file that does not tokenize has
/// none: the compiler reports its errors better.
pub fn first_violation(source: &str, forbidden: &Forbidden) -> Option<Violation> {
    let tokens = TokenStream::from_str(source).ok()?;
    find(tokens, forbidden)
}

fn find(tokens: TokenStream, forbidden: &Forbidden) -> Option<Violation> {
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                if let Some(found) = find(group.stream(), forbidden) {
                    return Some(found);
                }
            }
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                let name = text.strip_prefix("r#").unwrap_or(&text);
                // The exercise's own reason first: it names the lesson.
                let because = forbidden
                    .names
                    .iter()
                    .any(|n| n == name)
                    .then(|| forbidden.because.clone())
                    .or_else(|| {
                        EVERYWHERE
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, why)| (*why).to_string())
                    });
                if let Some(because) = because {
                    let at = ident.span().start();
                    return Some(Violation {
                        name: name.to_string(),
                        line: at.line,
                        column: at.column + 1,
                        because,
                    });
                }
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(names: &[&str]) -> Forbidden {
        Forbidden {
            names: names.iter().map(|n| n.to_string()).collect(),
            because: "count with one atomic".into(),
        }
    }

    #[test]
    fn finds_names_in_code_paths_and_macros_but_not_in_text() {
        let none = rule(&[]);
        let found = first_violation(
            "// type_name in a comment\nfn f() -> &'static str {\n    \"TypeId\";\n    std::any::type_name::<u8>()\n}\n",
            &none,
        )
        .expect("found");
        assert_eq!(
            (found.name.as_str(), found.line, found.column),
            ("type_name", 4, 15)
        );
        assert!(found.because.contains("which type"));
        let found = first_violation(
            "macro_rules! m { () => { std::sync::Mutex::new(0) } }\n",
            &rule(&["Mutex"]),
        )
        .expect("found in a macro body");
        assert_eq!(found.because, "count with one atomic");
        assert!(
            first_violation("fn r#include() {}", &none).is_some(),
            "raw names too"
        );
        assert_eq!(
            first_violation("use std::sync::atomic::AtomicU64;\n", &rule(&["Mutex"])),
            None
        );
        assert!(is_name("compare_exchange") && !is_name("a::b") && !is_name(""));
    }

    #[test]
    fn the_exercise_s_own_reason_comes_before_the_course_wide_one() {
        let source = "fn f() -> usize { std::mem::size_of::<u8>() }";
        let own = first_violation(source, &rule(&["size_of"])).expect("found");
        assert_eq!(own.because, "count with one atomic");
        let course_wide = first_violation(source, &rule(&[])).expect("found everywhere");
        assert!(
            course_wide.because.contains("how big"),
            "{}",
            course_wide.because
        );
    }
}
