//! Reading a hidden test file: which functions are tests, which are
//! compile-fail probes, and the same file with the `#[test]` attributes and
//! the probes blanked out, so that the runner's own driver (not libtest)
//! calls the tests. Blanking keeps every byte offset, line and column, so
//! compiler messages and panic locations still point into
//! `tests/<dir>/<name>.rs` exactly.
//!
//! A probe is a top-level function that must NOT compile against the
//! learner's crate, with the error code it must fail with:
//!
//! ```text
//! /// Handle must not be Sync: two threads could use the pointer at once.
//! #[compile_fail(E0277)]
//! fn handle_is_not_sync() {
//!     fn shared<T: Sync>() {}
//!     shared::<exercise::Handle>();
//! }
//! ```
//!
//! It is compiled alone (see `probe.rs`), so it names the learner's items
//! by full path or with a `use` inside the function.

use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The hidden tests of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenTests {
    /// Names of the `#[test]` functions, in file order.
    pub names: Vec<String>,
    /// The `#[compile_fail(..)]` functions, in file order.
    pub probes: Vec<Probe>,
    /// The file with each `#[test]` and each probe replaced by spaces.
    pub source: String,
}

/// A function of the hidden tests that must not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub name: String,
    /// The error code the compiler must reject it with, such as `E0277`.
    pub code: String,
    /// What the probe proves (its doc comment): the message when it compiles.
    pub doc: String,
    /// The function as written, without its attributes.
    pub text: String,
    /// The 1-based line where `text` starts in the test file.
    pub line: usize,
}

/// Finds the top-level `#[test]` functions of `source`.
pub fn scan(source: &str) -> Result<HiddenTests, String> {
    let tokens = TokenStream::from_str(source).map_err(|e| {
        let at = e.span().start();
        format!("{}:{}: {e}", at.line, at.column + 1)
    })?;
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut names = Vec::new();
    let mut probes: Vec<Probe> = Vec::new();
    let mut blank = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(code) = probe_attribute(&tokens, i)? {
            let (probe, range, next) = probe_item(source, &tokens, i, code)?;
            if names.contains(&probe.name) || probes.iter().any(|p| p.name == probe.name) {
                return Err(format!("the test `{}` is defined twice", probe.name));
            }
            probes.push(probe);
            blank.push(range);
            i = next;
        } else if let Some(attribute) = test_attribute(&tokens, i) {
            blank.push(attribute);
            let name = function_name(&tokens[i + 2..]).ok_or_else(|| {
                let at = tokens[i].span().start();
                format!(
                    "{}:{}: `#[test]` must stand on a function",
                    at.line,
                    at.column + 1
                )
            })?;
            if names.contains(&name) || probes.iter().any(|p| p.name == name) {
                return Err(format!("the test `{name}` is defined twice"));
            }
            names.push(name);
            i += 2;
        } else {
            i += 1;
        }
    }
    let mut bytes = source.as_bytes().to_vec();
    for range in blank {
        // Line breaks stay, so every line below keeps its number; whole
        // characters go, so the text stays UTF-8.
        for byte in &mut bytes[range] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    let source = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    Ok(HiddenTests {
        names,
        probes,
        source,
    })
}

/// `Ok(Some(code))` if `#[compile_fail(CODE)]` starts at `tokens[i]`.
fn probe_attribute(tokens: &[TokenTree], i: usize) -> Result<Option<String>, String> {
    let (TokenTree::Punct(hash), Some(TokenTree::Group(group))) = (&tokens[i], tokens.get(i + 1))
    else {
        return Ok(None);
    };
    if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
        return Ok(None);
    }
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    let [TokenTree::Ident(ident), rest @ ..] = inner.as_slice() else {
        return Ok(None);
    };
    if ident != "compile_fail" {
        return Ok(None);
    }
    let at = hash.span().start();
    let malformed = || {
        format!(
            "{}:{}: write a compile-fail probe as `#[compile_fail(E0277)]`, naming the \
             error code the code must fail with",
            at.line,
            at.column + 1
        )
    };
    let [TokenTree::Group(args)] = rest else {
        return Err(malformed());
    };
    let args: Vec<TokenTree> = args.stream().into_iter().collect();
    match args.as_slice() {
        [TokenTree::Ident(code)]
            if code.to_string().len() == 5
                && code.to_string().starts_with('E')
                && code.to_string()[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(Some(code.to_string()))
        }
        _ => Err(malformed()),
    }
}

/// The probe whose `#[compile_fail]` is at `tokens[at]`: the probe, the
/// byte range to blank (its doc comment and other attributes before it
/// included), and the index of the token after it.
fn probe_item(
    source: &str,
    tokens: &[TokenTree],
    at: usize,
    code: String,
) -> Result<(Probe, std::ops::Range<usize>, usize), String> {
    let place = tokens[at].span().start();
    let not_a_function = || {
        format!(
            "{}:{}: `#[compile_fail]` must stand on a function with a body",
            place.line,
            place.column + 1
        )
    };
    // Attributes just before it (`///` comments are `#[doc = ".."]`).
    let mut first = at;
    let mut doc = Vec::new();
    while first >= 2 && is_attribute(&tokens[first - 2], &tokens[first - 1]) {
        first -= 2;
    }
    // Attributes after it, then the item up to its body.
    let mut i = at + 2;
    while i + 1 < tokens.len() && is_attribute(&tokens[i], &tokens[i + 1]) {
        i += 2;
    }
    for pair in (first..i).step_by(2) {
        if let TokenTree::Group(group) = &tokens[pair + 1]
            && let Some(line) = doc_line(group)
        {
            doc.push(line);
        }
    }
    let item_start = i;
    let name = function_name(&tokens[item_start..]).ok_or_else(not_a_function)?;
    let body = (item_start..tokens.len())
        .find(|&j| matches!(&tokens[j], TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
        .ok_or_else(not_a_function)?;
    let start = tokens[item_start].span().byte_range().start;
    let end = tokens[body].span().byte_range().end;
    let probe = Probe {
        name,
        code,
        doc: doc.join("\n").trim().to_string(),
        text: source[start..end].to_string(),
        line: tokens[item_start].span().start().line,
    };
    let range = tokens[first].span().byte_range().start..end;
    Ok((probe, range, body + 1))
}

/// Whether `hash` and `group` are an outer attribute `#[...]`.
fn is_attribute(hash: &TokenTree, group: &TokenTree) -> bool {
    matches!((hash, group), (TokenTree::Punct(p), TokenTree::Group(g))
        if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket)
}

/// The text of a `doc = "..."` attribute (a `///` line).
fn doc_line(group: &proc_macro2::Group) -> Option<String> {
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    let [
        TokenTree::Ident(doc),
        TokenTree::Punct(eq),
        TokenTree::Literal(text),
    ] = inner.as_slice()
    else {
        return None;
    };
    if doc != "doc" || eq.as_char() != '=' {
        return None;
    }
    let literal = text.to_string();
    // `///` comments become plain string literals; raw strings are rare.
    let body = literal.strip_prefix('"')?.strip_suffix('"')?;
    Some(
        body.replace("\\\"", "\"")
            .replace("\\\\", "\\")
            .trim()
            .to_string(),
    )
}

/// The byte range of `#[test]` if it starts at `tokens[i]`.
fn test_attribute(tokens: &[TokenTree], i: usize) -> Option<std::ops::Range<usize>> {
    let (TokenTree::Punct(hash), Some(TokenTree::Group(group))) = (&tokens[i], tokens.get(i + 1))
    else {
        return None;
    };
    if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
        return None;
    }
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    match inner.as_slice() {
        [TokenTree::Ident(ident)] if ident == "test" => {
            Some(hash.span().byte_range().start..group.span().byte_range().end)
        }
        _ => None,
    }
}

/// The name after the next `fn`, skipping other attributes and qualifiers.
fn function_name(tokens: &[TokenTree]) -> Option<String> {
    let mut iter = tokens.iter();
    while let Some(token) = iter.next() {
        match token {
            TokenTree::Ident(ident) if ident == "fn" => {
                return match iter.next() {
                    Some(TokenTree::Ident(name)) => Some(name.to_string()),
                    _ => None,
                };
            }
            // Another attribute (`#[...]`) or a qualifier such as `pub`.
            TokenTree::Punct(p) if p.as_char() == '#' => {}
            TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {}
            TokenTree::Ident(_) => {}
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {}
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tests_and_keeps_positions() {
        let source = "use x;\n#[test]\nfn first() {}\n\n#[test]\n#[allow(unused)]\npub fn second() { let t = \"#[test]\"; }\nfn helper() {}\n";
        let found = scan(source).expect("valid");
        assert_eq!(found.names, ["first", "second"]);
        assert_eq!(found.source.len(), source.len());
        assert_eq!(found.source.lines().nth(1), Some("       "));
        assert!(
            found.source.contains("\"#[test]\""),
            "strings are untouched"
        );
        assert!(found.source.contains("#[allow(unused)]"));
    }

    #[test]
    fn finds_probes_and_blanks_them_whole() {
        let source = "use x;\n\n/// Handle isn't Sync:\n/// two \"threads\".\n#[compile_fail(E0277)]\nfn not_sync() {\n    s::<Handle>();\n}\n#[test]\nfn real() {}\n";
        let found = scan(source).expect("valid");
        assert_eq!(found.names, ["real"]);
        let [probe] = found.probes.as_slice() else {
            panic!("one probe: {:?}", found.probes)
        };
        assert_eq!(probe.name, "not_sync");
        assert_eq!(probe.code, "E0277");
        assert_eq!(probe.doc, "Handle isn't Sync:\ntwo \"threads\".");
        assert_eq!(probe.text, "fn not_sync() {\n    s::<Handle>();\n}");
        assert_eq!(probe.line, 6);
        assert_eq!(found.source.len(), source.len());
        assert_eq!(found.source.lines().count(), source.lines().count());
        assert!(!found.source.contains("Handle"), "{}", found.source);
        assert!(found.source.contains("fn real() {}"));
    }

    #[test]
    fn a_malformed_probe_says_how_to_write_one() {
        for bad in [
            "#[compile_fail]\nfn f() {}\n",
            "#[compile_fail(\"E0277\")]\nfn f() {}\n",
            "#[compile_fail(E27)]\nfn f() {}\n",
            "#[compile_fail(E0277)]\nstruct S;\n",
            "#[compile_fail(E0277)]\nfn f();\n",
        ] {
            let error = scan(bad).expect_err(bad);
            assert!(error.starts_with("1:1: "), "{bad}: {error}");
        }
        assert!(scan("#[compile_fail(E0277)]\nfn f() {}\n#[test]\nfn f() {}\n").is_err());
    }

    #[test]
    fn a_stray_attribute_is_an_error() {
        assert!(scan("#[test]\nstruct S;\n").is_err());
        assert!(scan("fn f() { (").is_err());
    }
}
