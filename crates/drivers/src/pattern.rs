//! [`Pattern`]: a compiled byte regex that remembers its source text.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use regex::bytes::{Regex, RegexBuilder};

use crate::Error;

/// A regular expression over bytes, as used for every prompt, error and
/// pager pattern of a [`Driver`](crate::Driver).
///
/// It wraps a [`regex::bytes::Regex`] (so it matches device output that is
/// not valid UTF-8) and keeps its source text, which is what `Debug`,
/// `Display` and equality use. Cloning is cheap.
///
/// ```
/// use oxscript_drivers::Pattern;
///
/// let prompt = Pattern::new(r"(?:\A|[\r\n])[\w.-]+[>#][ \t]*$")?;
/// assert!(prompt.is_match(b"show clock\r\n10:02\r\nrouter# "));
/// assert_eq!(prompt.to_string(), r"(?:\A|[\r\n])[\w.-]+[>#][ \t]*$");
/// # Ok::<(), oxscript_drivers::Error>(())
/// ```
#[derive(Clone)]
pub struct Pattern {
    source: Arc<str>,
    /// Shared, not cloned: a cloned `Regex` gets its own match caches
    /// (hundreds of KiB for the lazy DFA), and every Session clones the
    /// patterns of its driver. Built-in patterns are compiled on first
    /// use: a program that talks to IOS routers never compiles the other
    /// 37 drivers' patterns.
    regex: Arc<OnceLock<Regex>>,
}

impl Pattern {
    /// Compiles `source` with the syntax of the [`regex`] crate.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPattern`] naming the pattern and the reason when it
    /// does not compile.
    pub fn new(source: &str) -> Result<Pattern, Error> {
        match Regex::new(source) {
            Ok(regex) => Ok(Pattern {
                source: Arc::from(source),
                regex: Arc::new(OnceLock::from(regex)),
            }),
            Err(err) => Err(Error::InvalidPattern {
                pattern: source.to_owned(),
                reason: err.to_string(),
            }),
        }
    }

    /// A pattern matching `text` literally (every metacharacter escaped).
    ///
    /// ```
    /// use oxscript_drivers::Pattern;
    ///
    /// let confirm = Pattern::literal("[confirm]");
    /// assert!(confirm.is_match(b"Proceed with reload? [confirm]"));
    /// assert!(!confirm.is_match(b"c"));
    /// ```
    pub fn literal(text: &str) -> Pattern {
        let escaped = regex::escape(text);
        // An escaped literal always parses; only its compiled size could be
        // refused, so lift the size limit. A text too large even for that
        // (gigabytes) could never be found in a session buffer anyway, so it
        // gets a pattern that matches nothing.
        match RegexBuilder::new(&escaped).size_limit(usize::MAX).build() {
            Ok(regex) => Pattern {
                source: Arc::from(escaped),
                regex: Arc::new(OnceLock::from(regex)),
            },
            Err(_) => Pattern::builtin(NEVER),
        }
    }

    /// One of this crate's constant pattern sources, compiled on first use.
    ///
    /// Every constant handed to this function is compiled by the unit tests
    /// of the driver that uses it, so a typo fails the test suite, never a
    /// user's program.
    ///
    /// Patterns are cached by source: the built-in drivers share many
    /// patterns (the common pager answers, login errors), and they share
    /// one compiled regex.
    pub(crate) fn builtin(source: &'static str) -> Pattern {
        let mut cache = builtin_cache()
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache
            .entry(source)
            .or_insert_with(|| Pattern {
                source: Arc::from(source),
                regex: Arc::new(OnceLock::new()),
            })
            .clone()
    }

    /// The source text of the pattern.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled regex.
    #[allow(clippy::expect_used)]
    pub fn regex(&self) -> &Regex {
        // Only built-in patterns are compiled here (the others were at
        // `new`), and the unit tests compile every one of them.
        self.regex.get_or_init(|| {
            Regex::new(&self.source).expect("built-in pattern compiles (checked by unit tests)")
        })
    }

    /// Whether the pattern matches anywhere in `haystack`.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        self.regex().is_match(haystack)
    }

    /// The first match that starts at or after `start`, as a byte range.
    ///
    /// Unlike slicing the haystack, the text before `start` stays visible
    /// to anchors and word boundaries: `\A` still means the start of
    /// `haystack`, not `start`. The match itself begins at or after
    /// `start`, so to find a prompt anchored with `(?:\A|[\r\n])` on the
    /// last line, start at the line break before that line (at the CR of a
    /// CRLF). A `start` beyond the end is treated as the end.
    ///
    /// ```
    /// use oxscript_drivers::Pattern;
    ///
    /// let p = Pattern::new(r"(?:\A|[\r\n])router#[ \t]*$")?;
    /// let buffer = b"router#show clock\r\n10:00\r\nrouter#";
    /// assert_eq!(p.find_at(buffer, 24), Some(25..33)); // from the line break
    /// assert_eq!(p.find_at(buffer, 0), Some(25..33));
    /// assert_eq!(p.find_at(b"router#", 1), None); // \A is not position 1
    /// # Ok::<(), oxscript_drivers::Error>(())
    /// ```
    pub fn find_at(&self, haystack: &[u8], start: usize) -> Option<Range<usize>> {
        let start = start.min(haystack.len());
        self.regex().find_at(haystack, start).map(|m| m.range())
    }
}

/// A pattern that matches nothing (an empty character class).
const NEVER: &str = r"[^\x00-\x{10FFFF}]";

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&&*self.source).finish()
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl FromStr for Pattern {
    type Err = Error;

    fn from_str(source: &str) -> Result<Pattern, Error> {
        Pattern::new(source)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl std::hash::Hash for Pattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.source.hash(state);
    }
}

/// Compiles every source in order.
///
/// # Errors
///
/// The [`Error::InvalidPattern`] of the first source that does not compile.
///
/// ```
/// let errors = oxscript_drivers::patterns(&[r"(?m)^% Invalid[^\r\n]*", r"(?m)^ERR\b"])?;
/// assert_eq!(errors.len(), 2);
/// assert!(oxscript_drivers::patterns(&["("]).is_err());
/// # Ok::<(), oxscript_drivers::Error>(())
/// ```
pub fn patterns(sources: &[&str]) -> Result<Vec<Pattern>, Error> {
    sources.iter().map(|source| Pattern::new(source)).collect()
}

/// Compiles constant sources of this crate (see [`Pattern::builtin`]).
/// The built-in patterns made so far, by source.
fn builtin_cache() -> &'static Mutex<HashMap<&'static str, Pattern>> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Pattern>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Compiles every built-in pattern made so far; returns those that do
/// not compile, with the reason (for the unit tests: built-in patterns
/// are otherwise compiled on first use).
#[cfg(test)]
pub(crate) fn uncompilable_builtins() -> Vec<(String, String)> {
    let cache = builtin_cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    cache
        .keys()
        .filter_map(|source| {
            Regex::new(source)
                .err()
                .map(|e| ((*source).to_owned(), e.to_string()))
        })
        .collect()
}

pub(crate) fn builtin_patterns(sources: &[&'static str]) -> Vec<Pattern> {
    sources
        .iter()
        .map(|source| Pattern::builtin(source))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_reports_the_source_and_reason() {
        let err = Pattern::new("(unclosed").unwrap_err();
        match &err {
            Error::InvalidPattern { pattern, reason } => {
                assert_eq!(pattern, "(unclosed");
                assert!(reason.contains("unclosed"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("invalid pattern `(unclosed`"));
    }

    #[test]
    fn literal_escapes_metacharacters() {
        let p = Pattern::literal("a.b(c)*");
        assert_eq!(p.as_str(), r"a\.b\(c\)\*");
        assert!(p.is_match(b"xx a.b(c)* yy"));
        assert!(!p.is_match(b"aXb(c)"));
    }

    #[test]
    fn never_matches_nothing() {
        let p = Pattern::builtin(NEVER);
        assert!(!p.is_match(b""));
        assert!(!p.is_match(b"anything \x00\xff"));
    }

    #[test]
    fn debug_display_fromstr_eq() {
        let a: Pattern = "ab+".parse().unwrap();
        let b = Pattern::new("ab+").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, Pattern::new("ab*").unwrap());
        assert_eq!(format!("{a}"), "ab+");
        assert_eq!(format!("{a:?}"), r#"Pattern("ab+")"#);
        assert!("(".parse::<Pattern>().is_err());
    }

    #[test]
    fn find_at_keeps_context_and_clamps_start() {
        let p = Pattern::new(r"(?:\A|[\r\n])x$").unwrap();
        let hay = b"abc\nx";
        assert_eq!(p.find_at(hay, 3), Some(3..5));
        // The match must start at or after `start`: the newline is outside.
        assert_eq!(p.find_at(hay, 4), None);
        // \A stays the haystack start.
        assert_eq!(Pattern::new(r"\Ax").unwrap().find_at(b"x", 0), Some(0..1));
        assert_eq!(Pattern::new(r"\Ab").unwrap().find_at(b"ab", 1), None);
        // Word boundaries see the byte before `start`.
        assert_eq!(Pattern::new(r"\bc").unwrap().find_at(b"abc", 2), None);
        assert_eq!(p.find_at(hay, 999), None);
        let end = Pattern::new("$").unwrap();
        assert_eq!(end.find_at(hay, 999), Some(5..5));
    }

    #[test]
    fn patterns_compiles_in_order_and_fails_on_the_first_bad_one() {
        let ps = patterns(&["a", "b"]).unwrap();
        assert_eq!(ps[1].as_str(), "b");
        match patterns(&["a", "[", "("]).unwrap_err() {
            Error::InvalidPattern { pattern, .. } => assert_eq!(pattern, "["),
            other => panic!("unexpected {other:?}"),
        }
    }
}
