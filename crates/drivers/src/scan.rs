//! The one prompt search: earliest match across a pattern list, searched
//! incrementally over a growing buffer.
//!
//! The semantics are described once, in the crate documentation's
//! [How patterns are searched](crate#how-patterns-are-searched); this
//! module implements them for [`Driver::find_prompt`](crate::Driver::find_prompt)
//! and its siblings ([`find_earliest`]) and for a Session's waits
//! ([`Scanner`]).

use std::ops::Range;

use crate::Pattern;

/// Default look-behind of a [`Scanner`]: how far before the already
/// searched end a new search may start.
pub const DEFAULT_LOOKBEHIND: usize = 4096;

/// The earliest match of a pattern list: which pattern, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanMatch {
    /// Index of the matching pattern in the list searched.
    pub index: usize,
    /// Byte range of the match in the searched buffer.
    pub range: Range<usize>,
}

/// The earliest match at or after `start` of any of `patterns` in
/// `haystack`; a tie goes to the pattern listed first. The text before
/// `start` stays visible to anchors (see [`Pattern::find_at`]).
///
/// ```
/// use oxscript_drivers::{find_earliest, patterns};
///
/// let list = patterns(&["b", "a", "a"])?;
/// let found = find_earliest(&list, b"xxab", 0).unwrap();
/// // `a` starts before `b`; of the two `a` patterns the first listed wins.
/// assert_eq!((found.index, found.range), (1, 2..3));
/// # Ok::<(), oxscript_drivers::Error>(())
/// ```
pub fn find_earliest<'a>(
    patterns: impl IntoIterator<Item = &'a Pattern>,
    haystack: &[u8],
    start: usize,
) -> Option<ScanMatch> {
    let mut best: Option<ScanMatch> = None;
    for (index, pattern) in patterns.into_iter().enumerate() {
        if let Some(range) = pattern.find_at(haystack, start) {
            let better = best
                .as_ref()
                .is_none_or(|found| range.start < found.range.start);
            if better {
                best = Some(ScanMatch { index, range });
            }
        }
    }
    best
}

/// The search position of one wait over a growing buffer.
///
/// A wait searches the buffer each time data arrives. Searching the whole
/// buffer every time would make a large response quadratic, so the
/// scanner remembers how far it has searched and searches again only from
/// the start of the line holding that mark (its line break included, and
/// the CR of a CRLF), never more than `lookbehind` bytes before the mark.
/// Prompts live on the last line, so this finds every prompt, and the cost
/// of a wait is linear in the bytes received. See the crate documentation's
/// [How patterns are searched](crate#how-patterns-are-searched).
///
/// ```
/// use oxscript_drivers::{DEFAULT_LOOKBEHIND, Driver, Scanner};
///
/// let ios = Driver::ios();
/// let mut scanner = Scanner::new(DEFAULT_LOOKBEHIND);
/// let mut buffer = b"show clock\r\n*10:00:00 UTC\r\nrou".to_vec();
/// assert!(scanner.search(&buffer, &ios.prompt).is_none());
/// buffer.extend_from_slice(b"ter#");
/// let found = scanner.search(&buffer, &ios.prompt).unwrap();
/// assert_eq!(&buffer[found.range], b"\nrouter#");
/// ```
#[derive(Clone, Debug)]
pub struct Scanner {
    mark: usize,
    lookbehind: usize,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new(DEFAULT_LOOKBEHIND)
    }
}

impl Scanner {
    /// A scanner that will first search the whole buffer.
    pub fn new(lookbehind: usize) -> Scanner {
        Scanner {
            mark: 0,
            lookbehind,
        }
    }

    /// Where the next search of `buf` starts: the line break before the
    /// line holding the searched-up-to mark, at most `lookbehind` bytes
    /// before the mark; 0 before the first search.
    pub fn start(&self, buf: &[u8]) -> usize {
        let mark = self.mark.min(buf.len());
        if mark == 0 {
            return 0;
        }
        let floor = mark.saturating_sub(self.lookbehind);
        match memchr::memrchr(b'\n', &buf[floor..mark]) {
            // Include the line break (and a CR before it) so patterns
            // anchored with `[\r\n]` still see it.
            Some(i) => {
                let nl = floor + i;
                if nl > floor && buf[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                }
            }
            None => floor,
        }
    }

    /// Searches `buf` for the earliest match of any pattern (see
    /// [`find_earliest`]) from [`start`](Scanner::start), and records that
    /// everything up to the end of `buf` was searched.
    pub fn search<'a>(
        &mut self,
        buf: &[u8],
        patterns: impl IntoIterator<Item = &'a Pattern>,
    ) -> Option<ScanMatch> {
        let found = find_earliest(patterns, buf, self.start(buf));
        self.mark = buf.len();
        found
    }

    /// Marks everything up to `pos` as searched, e.g. after answering a
    /// pager prompt, so the same prompt is not answered twice.
    pub fn skip_to(&mut self, pos: usize) {
        self.mark = self.mark.max(pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(src: &[&str]) -> Vec<Pattern> {
        src.iter().map(|s| Pattern::new(s).unwrap()).collect()
    }

    #[test]
    fn finds_prompt_at_end_across_appends() {
        let p = pats(&[r"(?:\A|[\r\n])router#[ \t]*$"]);
        let mut s = Scanner::new(DEFAULT_LOOKBEHIND);
        let mut buf = b"show version\r\nCisco IOS\r\nrou".to_vec();
        assert_eq!(s.search(&buf, &p), None);
        buf.extend_from_slice(b"ter#");
        let f = s.search(&buf, &p).unwrap();
        assert_eq!(&buf[f.range.clone()], b"\nrouter#");
    }

    #[test]
    fn earliest_match_wins_and_ties_go_to_lower_index() {
        let p = pats(&["b", "a", "a"]);
        let mut s = Scanner::new(16);
        let f = s.search(b"xxab", &p).unwrap();
        assert_eq!(
            f,
            ScanMatch {
                index: 1,
                range: 2..3
            }
        );
        assert_eq!(find_earliest(&p, b"xxab", 3).map(|f| f.index), Some(0));
        assert_eq!(find_earliest(&p, b"xxab", 4), None);
        assert_eq!(find_earliest(&[], b"xxab", 0), None);
    }

    #[test]
    fn start_is_bounded_by_lookbehind() {
        let mut s = Scanner::new(8);
        let buf = vec![b'x'; 100];
        s.search(&buf, &pats(&["y"]));
        assert_eq!(s.start(&buf), 92);
        let mut buf2 = b"line one\r\nline two".to_vec();
        let mut s2 = Scanner::new(1000);
        s2.search(&buf2, &pats(&["zzz"]));
        buf2.extend_from_slice(b"!");
        assert_eq!(s2.start(&buf2), 8, "starts at the CR before the last line");
    }

    #[test]
    fn skip_to_moves_the_mark_forward_only() {
        let mut s = Scanner::new(1000);
        let buf = b"a\r\nb\r\nc --More-- ";
        s.skip_to(buf.len());
        assert_eq!(s.start(buf), 4);
        s.skip_to(1);
        assert_eq!(s.start(buf), 4);
    }

    #[test]
    fn mark_is_clamped_after_the_buffer_shrinks() {
        let mut s = Scanner::new(16);
        s.search(b"0123456789", &pats(&["z"]));
        assert_eq!(s.start(b"0123"), 0);
    }

    #[test]
    fn total_work_is_linear_in_received_bytes() {
        // 20k appends of 100 bytes: if each search rescanned the whole
        // buffer this would search 20 GB; the bounded start keeps it at
        // (100 + lookbehind) per append. Checked structurally: the start
        // never falls more than lookbehind behind the previous end.
        let p = pats(&[r"(?:\A|[\r\n])router#[ \t]*$"]);
        let mut s = Scanner::new(DEFAULT_LOOKBEHIND);
        let mut buf = Vec::new();
        for i in 0..20_000 {
            let prev = buf.len();
            buf.extend_from_slice(&[b'a'; 99]);
            buf.push(if i % 3 == 0 { b'\n' } else { b' ' });
            assert!(s.start(&buf) + DEFAULT_LOOKBEHIND >= prev);
            assert!(s.search(&buf, &p).is_none());
        }
        buf.extend_from_slice(b"\r\nrouter#");
        assert!(s.search(&buf, &p).is_some());
    }
}
