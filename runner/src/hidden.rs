//! Reading a hidden test file: which functions are tests, and the same file
//! with the `#[test]` attributes blanked out, so that the runner's own
//! driver (not libtest) calls them. Blanking keeps every byte offset, line
//! and column, so compiler messages and panic locations still point into
//! `tests/<dir>/<name>.rs` exactly.

use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The hidden tests of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenTests {
    /// Names of the `#[test]` functions, in file order.
    pub names: Vec<String>,
    /// The file with each `#[test]` replaced by spaces.
    pub source: String,
}

/// Finds the top-level `#[test]` functions of `source`.
pub fn scan(source: &str) -> Result<HiddenTests, String> {
    let tokens = TokenStream::from_str(source).map_err(|e| {
        let at = e.span().start();
        format!("{}:{}: {e}", at.line, at.column + 1)
    })?;
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut names = Vec::new();
    let mut blank = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(attribute) = test_attribute(&tokens, i) {
            blank.push(attribute);
            let name = function_name(&tokens[i + 2..]).ok_or_else(|| {
                let at = tokens[i].span().start();
                format!(
                    "{}:{}: `#[test]` must stand on a function",
                    at.line,
                    at.column + 1
                )
            })?;
            if names.contains(&name) {
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
        bytes[range].fill(b' ');
    }
    let source = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    Ok(HiddenTests { names, source })
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
    fn a_stray_attribute_is_an_error() {
        assert!(scan("#[test]\nstruct S;\n").is_err());
        assert!(scan("fn f() { (").is_err());
    }
}
