//! Accepting patterns in the forms callers have at hand.

use oxscript_drivers::Pattern;

use crate::Result;

/// Anything that can be turned into a list of patterns: a regex source
/// (`&str`, `String`), a [`Pattern`], or a list or array of either.
///
/// ```
/// # use oxscript_transport::IntoPatterns;
/// # fn demo() -> oxscript_transport::Result<()> {
/// assert_eq!(r"router#".into_patterns()?.len(), 1);
/// assert_eq!([r"\[confirm\]", r"\[y/n\]"].into_patterns()?.len(), 2);
/// # Ok(()) }
/// ```
pub trait IntoPatterns {
    /// Compiles (or clones) the patterns.
    fn into_patterns(self) -> Result<Vec<Pattern>>;
}

impl IntoPatterns for &str {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        Ok(vec![Pattern::new(self)?])
    }
}

impl IntoPatterns for String {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        self.as_str().into_patterns()
    }
}

impl IntoPatterns for &String {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        self.as_str().into_patterns()
    }
}

impl IntoPatterns for Pattern {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        Ok(vec![self])
    }
}

impl IntoPatterns for &Pattern {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        Ok(vec![self.clone()])
    }
}

impl IntoPatterns for Vec<Pattern> {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        Ok(self)
    }
}

impl IntoPatterns for &[Pattern] {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        Ok(self.to_vec())
    }
}

impl<const N: usize> IntoPatterns for [Pattern; N] {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        Ok(self.into())
    }
}

impl IntoPatterns for &[&str] {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        self.iter().map(|s| Ok(Pattern::new(s)?)).collect()
    }
}

impl IntoPatterns for Vec<&str> {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        self.as_slice().into_patterns()
    }
}

impl IntoPatterns for Vec<String> {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        self.iter().map(|s| Ok(Pattern::new(s)?)).collect()
    }
}

impl<const N: usize> IntoPatterns for [&str; N] {
    fn into_patterns(self) -> Result<Vec<Pattern>> {
        self.as_slice().into_patterns()
    }
}
