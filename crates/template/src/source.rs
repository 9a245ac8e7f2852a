//! Template source text and positions in it: byte offsets are kept while
//! parsing and running; they become `file:line:column` (and the line with
//! a caret under the column) only when an error is reported.

use std::fmt;
use std::sync::Arc;

/// A template's text and the name it is reported under.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) text: String,
}

impl Source {
    pub(crate) fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        Arc::new(Source {
            name: name.into(),
            text: text.into(),
        })
    }

    /// The location of byte offset `at`.
    pub(crate) fn locate(&self, at: usize) -> Location {
        let at = floor_char_boundary(&self.text, at.min(self.text.len()));
        let before = &self.text[..at];
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        // `\r\n` is one line break, a lone `\r` one too (as Exscript counts
        // lines, `\n` only, would put a `\r`-only file on one line).
        let line = 1 + count_line_breaks(before);
        let line_end = self.text[line_start..]
            .find(['\n', '\r'])
            .map_or(self.text.len(), |i| line_start + i);
        let column = 1 + self.text[line_start..at].chars().count();
        Location {
            file: self.name.clone(),
            line,
            column,
            text: self.text[line_start..line_end].to_owned(),
        }
    }
}

fn count_line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut n = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            n += 1;
        }
    }
    n
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Where something is in a template: file name, line and column (both
/// from 1, the column counted in characters), and the text of that line.
///
/// `Display` shows `file:line:column`; [`Location::snippet`] adds the line
/// and a caret under the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The template's file name (`<string>` for templates given as text).
    pub file: String,
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
    /// The whole line, without its line break.
    pub text: String,
}

impl Location {
    /// The line, and a caret under the column on the next line:
    ///
    /// ```text
    ///   ls -l {extract /x/ intox files}
    ///                      ^
    /// ```
    pub fn snippet(&self) -> String {
        let pad: String = self
            .text
            .chars()
            .take(self.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("  {}\n  {pad}^", self.text)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let src = Source::new("t.exscript", "ab\ncdé f\r\ng\rh");
        let at = |i| {
            let l = src.locate(i);
            (l.line, l.column, l.text)
        };
        assert_eq!(at(0), (1, 1, "ab".to_owned()));
        assert_eq!(at(3), (2, 1, "cdé f".to_owned()));
        // After the two-byte é: column counts characters.
        assert_eq!(at(7), (2, 4, "cdé f".to_owned()));
        assert_eq!(at(11), (3, 1, "g".to_owned()));
        assert_eq!(at(13), (4, 1, "h".to_owned()));
        // Past the end, and inside a character: clamped.
        assert_eq!(at(99).0, 4);
        assert_eq!(at(6).1, 3);
        let loc = src.locate(5);
        assert_eq!(loc.to_string(), "t.exscript:2:3");
        assert_eq!(loc.snippet(), "  cdé f\n    ^");
    }
}
