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
    /// For a built-in pattern not compiled yet: literals of which every
    /// match holds one (`None` inside when there is no short list, see
    /// [`Required::of`]), so a search in data that holds none of them
    /// needs no compilation.
    required: Arc<OnceLock<Option<Required>>>,
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
                required: Arc::default(),
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
                required: Arc::default(),
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
                required: Arc::default(),
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
            let started = std::time::Instant::now();
            let regex = Regex::new(&self.source)
                .expect("built-in pattern compiles (checked by unit tests)");
            tracing::trace!(
                pattern = %self.source,
                micros = started.elapsed().as_micros() as u64,
                "compiled a built-in pattern on first use"
            );
            regex
        })
    }

    /// Whether the pattern matches anywhere in `haystack`.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        !self.cannot_match(haystack) && self.regex().is_match(haystack)
    }

    /// Whether a built-in pattern that is not compiled yet surely has no
    /// match in `rest` (the haystack from the search start): every match
    /// holds one of a few literals and `rest` holds none of them.
    /// OS guessing runs every driver's rules over the first data of a
    /// connection; this keeps a program from compiling the rules that
    /// cannot match it (compiling a regex costs tens to hundreds of
    /// microseconds, a literal search of a few KiB far less).
    fn cannot_match(&self, rest: &[u8]) -> bool {
        if self.regex.get().is_some() {
            return false;
        }
        let required = self.required.get_or_init(|| Required::of(&self.source));
        required
            .as_ref()
            .is_some_and(|required| required.within_budget(rest.len()) && !required.found_in(rest))
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
        if self.cannot_match(&haystack[start..]) {
            return None;
        }
        self.regex().find_at(haystack, start).map(|m| m.range())
    }
}

/// At most this many literals are searched before compiling (more, e.g.
/// the case variants of a case-insensitive word, and compiling is cheaper).
const MAX_REQUIRED: usize = 8;

/// Bytes the literal check of one pattern looks through, over all its
/// searches, before the pattern is compiled instead: a pattern searched in
/// a long output (a pager prompt, while a 50 MB response arrives) would
/// otherwise scan every byte for its literals, where the compiled regex,
/// anchored at the end of the data, looks at the last line only.
const LITERAL_BUDGET: usize = 256 * 1024;

/// Literals of which at least one occurs in every match of a pattern.
#[derive(Debug)]
struct Required {
    literals: Vec<Vec<u8>>,
    /// Bytes looked through so far (see [`LITERAL_BUDGET`]).
    checked: std::sync::atomic::AtomicUsize,
    /// Searchers for the literals, built once (case-sensitive patterns).
    finders: Vec<memchr::memmem::Finder<'static>>,
    /// Compared ignoring ASCII case (a `(?i)` pattern).
    ascii_case_insensitive: bool,
}

impl Required {
    /// The literals of `source`, when a short list of non-empty ones is
    /// known; `None` otherwise (or when `source` does not parse:
    /// compiling it will say why).
    ///
    /// Either the literals every match starts with, or one literal the
    /// pattern requires somewhere (a literal part of its top-level
    /// sequence). A pattern starting with `(?i)` is read without it, and
    /// of each literal the longest part without `s` or `k` (the two ASCII
    /// letters with non-ASCII case variants: `ſ`, the Kelvin sign) is
    /// compared ignoring ASCII case.
    fn of(source: &str) -> Option<Required> {
        let (ascii_case_insensitive, body) = match source.strip_prefix("(?i)") {
            Some(body) => (true, body),
            None => (false, source),
        };
        let mut literals = required_literals(body)?;
        if ascii_case_insensitive {
            // Each literal's longest part without s or k: what every case
            // variant of the literal holds, ASCII case aside.
            literals = literals
                .iter()
                .map(|literal| {
                    literal
                        .split(|b| matches!(b, b's' | b'S' | b'k' | b'K'))
                        .max_by_key(|part| part.len())
                        .filter(|part| !part.is_empty() && part.is_ascii())
                        .map(<[u8]>::to_vec)
                })
                .collect::<Option<Vec<_>>>()?;
            literals.sort();
            literals.dedup();
        }
        let finders = if ascii_case_insensitive {
            Vec::new()
        } else {
            literals
                .iter()
                .map(|literal| memchr::memmem::Finder::new(literal).into_owned())
                .collect()
        };
        Some(Required {
            literals,
            checked: std::sync::atomic::AtomicUsize::new(0),
            finders,
            ascii_case_insensitive,
        })
    }

    /// Counts `len` more bytes to look through; false once the pattern
    /// has been checked over [`LITERAL_BUDGET`] bytes (compiling it is
    /// then cheaper than checking on).
    fn within_budget(&self, len: usize) -> bool {
        use std::sync::atomic::Ordering;
        let before = self.checked.fetch_add(len, Ordering::Relaxed);
        before.saturating_add(len) <= LITERAL_BUDGET
    }

    fn found_in(&self, haystack: &[u8]) -> bool {
        if self.ascii_case_insensitive {
            self.literals
                .iter()
                .any(|literal| contains_ignoring_ascii_case(haystack, literal))
        } else {
            self.finders
                .iter()
                .any(|finder| finder.find(haystack).is_some())
        }
    }
}

/// Whether `needle` (non-empty) occurs in `haystack`, ASCII case ignored.
fn contains_ignoring_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut from = 0;
    while let Some(at) = memchr::memchr2(lower, upper, &haystack[from..]) {
        let at = from + at;
        if haystack
            .get(at..at + needle.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(needle))
        {
            return true;
        }
        from = at + 1;
    }
    false
}

/// The case-sensitive literals of `source` (see [`Required::of`]).
fn required_literals(source: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    // The parser settings of `regex::bytes::Regex`.
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(source)
        .ok()?;
    let mut extractor = Extractor::new();
    extractor
        .kind(ExtractKind::Prefix)
        .limit_total(MAX_REQUIRED * 4);
    let seq = extractor.extract(&hir);
    if let Some(literals) = seq.literals() {
        let literals: Vec<Vec<u8>> = literals.iter().map(|l| l.as_bytes().to_vec()).collect();
        if !literals.is_empty()
            && literals.len() <= MAX_REQUIRED
            && !literals.iter().any(Vec::is_empty)
        {
            return Some(literals);
        }
    }
    required_literal(&hir).map(|literal| vec![literal])
}

/// The longest literal that every match of `hir` contains: a literal
/// part of its top-level sequence (looking inside groups and repetitions
/// of at least one).
fn required_literal(hir: &regex_syntax::hir::Hir) -> Option<Vec<u8>> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(literal) => Some(literal.0.to_vec()),
        HirKind::Capture(capture) => required_literal(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required_literal(&repetition.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required_literal)
            .max_by_key(Vec::len),
        _ => None,
    }
    .filter(|literal| !literal.is_empty())
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

/// The built-in patterns made so far whose literal check would skip a
/// text of `texts` that the compiled pattern matches: (source, text).
/// For the unit tests: the check must never hide a match.
#[cfg(test)]
pub(crate) fn prefilter_misses(texts: &[&[u8]]) -> Vec<(String, String)> {
    let cache = builtin_cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut misses = Vec::new();
    for source in cache.keys() {
        let (Ok(regex), Some(required)) = (Regex::new(source), Required::of(source)) else {
            continue;
        };
        for text in texts {
            if regex.is_match(text) && !required.found_in(text) {
                misses.push((
                    (*source).to_owned(),
                    String::from_utf8_lossy(text).into_owned(),
                ));
            }
        }
    }
    misses
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
    fn required_literals_are_found_in_every_match() {
        let of = |s: &str| Required::of(s).map(|r| (r.literals, r.ascii_case_insensitive));
        let one = |l: &str, ci: bool| Some((vec![l.as_bytes().to_vec()], ci));
        assert_eq!(
            of("User Access Verification"),
            one("User Access Verification", false)
        );
        assert_eq!(
            of("IOS-XE|IOS XE"),
            Some((vec![b"IOS-XE".to_vec(), b"IOS XE".to_vec()], false))
        );
        // Look-arounds match no text: the literal after them still starts the match.
        assert_eq!(of(r"(?m)^--- JUNOS \d"), one("--- JUNOS ", false));
        // No prefix, but a literal the sequence requires.
        assert_eq!(
            of(r"(?:\A|[\r\n])[\w.-]+ \(tty[a-z]\w*\)"),
            one(" (tty", false)
        );
        assert_eq!(of(r"(?:\A|[\r\n])[\w.-]+#[ \t]*$"), one("#", false));
        // Case-insensitive words without s or k are compared ignoring ASCII case.
        assert_eq!(
            of(r"(?i)login:[ \t]*$"),
            Some((
                vec![
                    b"login:".to_vec(),
                    b"login:\t".to_vec(),
                    b"login: ".to_vec()
                ],
                true
            ))
        );
        assert_eq!(of(r"(?i)\bhuawei\b"), one("huawei", true));
        // `s` also matches `ſ`: the part after it is what is looked for.
        assert_eq!(
            of(r"(?i)user ?name:"),
            Some((vec![b"er name:".to_vec(), b"ername:".to_vec()], true))
        );
        assert_eq!(of(r"(?i)sks"), None);
        // Nothing required, or too many variants, or no pattern at all.
        assert_eq!(of(r"\w+"), None);
        assert_eq!(of(r"a|\w"), None);
        assert_eq!(of(r"(?:ab)?c*"), None);
        assert_eq!(of("("), None);
    }

    #[test]
    fn ascii_case_is_ignored_only_where_asked() {
        assert!(contains_ignoring_ascii_case(b"xx HuAwEi", b"huawei"));
        assert!(!contains_ignoring_ascii_case(b"xx huawe", b"huawei"));
        assert!(contains_ignoring_ascii_case(b"a:", b":"));
        let p = Pattern::builtin(r"(?i)prefilter-case \d");
        assert!(p.is_match(b"PREFILTER-CASE 1"));
        let q = Pattern::builtin(r"Prefilter-Exact \d");
        assert!(!q.is_match(b"PREFILTER-EXACT 1"));
        assert!(q.regex.get().is_none());
    }

    #[test]
    fn an_uncompiled_builtin_is_not_compiled_when_its_literals_are_absent() {
        // A source no other test uses, so this pattern starts uncompiled.
        let p = Pattern::builtin(r"Prefilter Test (?:Alpha|Beta) \d+");
        assert!(p.find_at(b"nothing to see here", 0).is_none());
        assert!(!p.is_match(b"Prefilter Test Gamma 1"));
        assert!(
            p.regex.get().is_none(),
            "compiled although it could not match"
        );
        // The literal before `start` does not count: the match must start after it.
        assert!(p.find_at(b"Prefilter Test Beta 7", 1).is_none());
        assert_eq!(p.find_at(b"x Prefilter Test Beta 7", 0), Some(2..23));
        assert!(p.regex.get().is_some());
        assert!(p.is_match(b"Prefilter Test Alpha 1"));
    }

    #[test]
    fn a_pattern_searched_in_long_output_is_compiled_after_the_budget() {
        let p = Pattern::builtin(r"Budget Test \d+[ \t]*$");
        let chunk = vec![b'x'; 64 * 1024];
        let mut searched = 0;
        while searched <= LITERAL_BUDGET {
            assert!(p.find_at(&chunk, 0).is_none());
            assert!(
                p.regex.get().is_none(),
                "compiled within the budget ({searched} bytes)"
            );
            searched += chunk.len();
            if searched + chunk.len() > LITERAL_BUDGET {
                break;
            }
        }
        // The next search goes over the budget: the regex takes over.
        assert!(p.find_at(&chunk, 0).is_none());
        assert!(p.find_at(&chunk, 0).is_none());
        assert!(p.regex.get().is_some());
        assert_eq!(p.find_at(b"x\nBudget Test 42 ", 0), Some(2..17));
    }

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
