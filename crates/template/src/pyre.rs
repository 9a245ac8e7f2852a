//! Template regular expressions: Exscript passes them to Python's `re`;
//! oxscript runs them on the `regex` crate after translating the few
//! places where the two read the same pattern differently.
//!
//! Translated: `$` (Python: end of text *or before a final newline*),
//! `\Z` (Python's end of text), `\<` and `\>` (literal in Python, word
//! boundaries in Rust), `{` that starts no repetition (literal in Python),
//! `{,n}` (Python's `{0,n}`), `[` inside a class and the doubled `&&`,
//! `--`, `~~` of Rust class set operations (literal in Python), `\b` in a
//! class (backspace in Python), `(?#comments)`. Refused with a clear
//! error, because the `regex` crate has no such thing: look-around
//! (`(?=`, `(?!`, `(?<=`, `(?<!`), backreferences (`\1`, `(?P=name)`) and
//! atomic groups.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

/// A template regular expression: checked when the template is compiled,
/// built into a matcher the first time it is used (templates may hold
/// thousands of patterns, most of them used on a few hosts only).
pub struct TemplateRegex {
    source: String,
    ignore_case: bool,
    translated: String,
    groups: usize,
    regex: OnceLock<Result<Regex, String>>,
}

impl Clone for TemplateRegex {
    fn clone(&self) -> Self {
        TemplateRegex {
            source: self.source.clone(),
            ignore_case: self.ignore_case,
            translated: self.translated.clone(),
            groups: self.groups,
            regex: self.regex.clone(),
        }
    }
}

impl TemplateRegex {
    /// Checks a pattern written for Python's `re` (`ignore_case` is the
    /// `/…/i` modifier). The error says what is not supported or wrong.
    pub fn new(source: &str, ignore_case: bool) -> Result<TemplateRegex, String> {
        let translated = translate(source, ignore_case)?;
        // The syntax is checked now; what only building the matcher finds
        // (an unknown Unicode class, a size limit) is reported when the
        // pattern is first used.
        let ast = regex_syntax::ast::parse::Parser::new()
            .parse(&translated)
            .map_err(|e| e.to_string())?;
        let groups = regex_syntax::ast::visit(&ast, GroupCounter(0)).unwrap_or(0);
        Ok(TemplateRegex {
            source: source.to_owned(),
            ignore_case,
            groups,
            translated,
            regex: OnceLock::new(),
        })
    }

    /// The pattern as written in the template (after escapes).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `/…/i` was given.
    pub fn ignore_case(&self) -> bool {
        self.ignore_case
    }

    /// The pattern in the `regex` crate's syntax (with `(?i)` for `/i`).
    pub fn translated(&self) -> &str {
        &self.translated
    }

    /// The matcher, built on first use (which fails only when the
    /// pattern exceeds the regex crate's size limits).
    pub fn regex(&self) -> Result<&Regex, String> {
        self.regex
            .get_or_init(|| Regex::new(&self.translated).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The number of capture groups.
    pub fn groups(&self) -> usize {
        self.groups
    }
}

impl fmt::Debug for TemplateRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "/{}/{}",
            self.source,
            if self.ignore_case { "i" } else { "" }
        )
    }
}

/// Counts the capture groups of a parsed pattern.
struct GroupCounter(usize);

impl regex_syntax::ast::Visitor for GroupCounter {
    type Output = usize;
    type Err = std::convert::Infallible;

    fn finish(self) -> Result<usize, Self::Err> {
        Ok(self.0)
    }

    fn visit_pre(&mut self, ast: &regex_syntax::ast::Ast) -> Result<(), Self::Err> {
        if let regex_syntax::ast::Ast::Group(group) = ast
            && group.capture_index().is_some()
        {
            self.0 += 1;
        }
        Ok(())
    }
}

/// Exscript's count of groups, checked against the variables of an
/// `extract` when the template is compiled: every `(` not escaped and not
/// followed by `?:` or `?<`.
pub(crate) fn exscript_group_count(source: &str) -> usize {
    let b = source.as_bytes();
    (0..b.len())
        .filter(|&i| {
            b[i] == b'('
                && (i == 0 || b[i - 1] != b'\\')
                && !(b.get(i + 1) == Some(&b'?') && matches!(b.get(i + 2), Some(b':' | b'<')))
        })
        .count()
}

/// Whether an inline flag group turns on multi-line mode, e.g. `(?m)` or
/// `(?im:…)`.
fn has_multiline_flag(source: &str) -> bool {
    let mut rest = source;
    while let Some(i) = rest.find("(?") {
        let flags: String = rest[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .collect();
        let on = flags.split('-').next().unwrap_or_default();
        if on.contains('m') {
            return true;
        }
        rest = &rest[i + 2..];
    }
    false
}

/// Translates a Python pattern into the `regex` crate's syntax.
pub(crate) fn translate(py: &str, ignore_case: bool) -> Result<String, String> {
    let multiline = has_multiline_flag(py);
    let chars: Vec<char> = py.chars().collect();
    let mut out = String::with_capacity(py.len() + 8);
    if ignore_case {
        out.push_str("(?i)");
    }
    let mut i = 0;
    let mut in_class = false;
    // Position in the class: 0 just after `[`, 1 after `[^`.
    let mut class_start = 0usize;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\\' {
            let Some(e) = next else {
                return Err("the pattern ends with a lone backslash".into());
            };
            i += 2;
            match e {
                'Z' if !in_class => out.push_str(r"\z"),
                '<' | '>' => out.push(e),
                'b' if in_class => out.push_str(r"\x08"),
                '0' => out.push_str(r"\x00"),
                '1'..='9' => {
                    return Err(format!(
                        "backreference \\{e} is not supported (the regex crate has none)"
                    ));
                }
                _ => {
                    out.push('\\');
                    out.push(e);
                }
            }
            continue;
        }
        if in_class {
            let at_start = i == class_start;
            match c {
                ']' if !at_start => {
                    in_class = false;
                    out.push(']');
                }
                '[' => out.push_str(r"\["),
                '&' | '-' | '~' if next == Some(c) => {
                    out.push(c);
                    out.push('\\');
                    out.push(c);
                    i += 2;
                    continue;
                }
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i;
                continue;
            }
            '$' if !multiline => out.push_str(r"(?:\n?\z)"),
            '(' if next == Some('?') => {
                let rest: String = chars[i + 2..].iter().take(3).collect();
                if rest.starts_with('=')
                    || rest.starts_with('!')
                    || rest.starts_with("<=")
                    || rest.starts_with("<!")
                {
                    return Err("look-around assertions are not supported".into());
                }
                if rest.starts_with("P=") {
                    return Err("backreferences (?P=…) are not supported".into());
                }
                if rest.starts_with('>') {
                    return Err("atomic groups (?>…) are not supported".into());
                }
                if rest.starts_with('#') {
                    // A comment: dropped.
                    match chars[i..].iter().position(|&ch| ch == ')') {
                        Some(end) => {
                            i += end + 1;
                            continue;
                        }
                        None => return Err("unterminated comment (?#…".into()),
                    }
                }
                out.push_str("(?");
                i += 2;
                continue;
            }
            '{' => match repetition(&chars[i..]) {
                Some((text, len)) => {
                    out.push_str(&text);
                    i += len;
                    continue;
                }
                None => out.push_str(r"\{"),
            },
            '}' => out.push_str(r"\}"),
            _ => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return Err("unterminated character class [".into());
    }
    Ok(out)
}

/// A `{n}`, `{n,}`, `{n,m}` or `{,m}` repetition at the start of `chars`:
/// its Rust form and its length.
fn repetition(chars: &[char]) -> Option<(String, usize)> {
    let end = chars.iter().position(|&c| c == '}')?;
    let body: String = chars[1..end].iter().collect();
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let text = match hi {
        None if digits(lo) => format!("{{{lo}}}"),
        Some("") if digits(lo) => format!("{{{lo},}}"),
        Some(hi) if digits(hi) && (lo.is_empty() || digits(lo)) => {
            let lo = if lo.is_empty() { "0" } else { lo };
            format!("{{{lo},{hi}}}")
        }
        _ => return None,
    };
    Some((text, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> TemplateRegex {
        TemplateRegex::new(p, false).unwrap()
    }

    #[test]
    fn python_dollar_matches_before_a_final_newline() {
        let r = re(r"(\S+)$");
        assert_eq!(&r.regex().unwrap().captures("a b\n").unwrap()[1], "b");
        assert_eq!(&r.regex().unwrap().captures("a b").unwrap()[1], "b");
        assert!(!r.regex().unwrap().is_match("a b\r"));
        assert!(re("a[$]").regex().unwrap().is_match("a$"));
        // Multi-line mode keeps `$` a line end.
        assert!(re(r"(?m)^a$").regex().unwrap().is_match("x\na\nb"));
    }

    #[test]
    fn literal_braces_and_class_brackets() {
        assert!(re(r"a{b}").regex().unwrap().is_match("a{b}"));
        assert!(re(r"x{2}").regex().unwrap().is_match("xx"));
        assert!(re(r"^x{,2}$").regex().unwrap().is_match("xx"));
        assert!(re(r"^x{1,}$").regex().unwrap().is_match("xxx"));
        assert!(re(r"[[]").regex().unwrap().is_match("["));
        assert!(re(r"[]a]").regex().unwrap().is_match("]"));
        assert!(re(r"[a&&b]").regex().unwrap().is_match("&"));
        assert!(re(r"\<a\>").regex().unwrap().is_match("<a>"));
        assert!(re(r"a\Z").regex().unwrap().is_match("xa"));
        assert!(re(r"a(?#note)b").regex().unwrap().is_match("ab"));
    }

    #[test]
    fn unsupported_features_are_named() {
        for (p, what) in [
            (r"a(?=b)", "look-around"),
            (r"(?<!a)b", "look-around"),
            (r"(a)\1", "backreference"),
            (r"(?P<x>a)(?P=x)", "backreferences"),
            (r"(?>a)", "atomic"),
        ] {
            let err = TemplateRegex::new(p, false).unwrap_err();
            assert!(err.contains(what), "{p}: {err}");
        }
        assert!(TemplateRegex::new("a(", false).is_err());
    }

    #[test]
    fn flags_and_groups() {
        let r = TemplateRegex::new(r"^(CISCO) (\d+)", true).unwrap();
        assert!(r.regex().unwrap().is_match("cisco 7200"));
        assert_eq!(r.groups(), 2);
        assert_eq!(exscript_group_count(r"(a)(?:b)(?P<n>c)\(d"), 2);
    }
}
