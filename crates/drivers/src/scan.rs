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
/// the start of the line *before* the line holding that mark (its line
/// break included, and the CR of a CRLF), never more than `lookbehind`
/// bytes before the mark. Prompts live on the last line, or on the last
/// two (JunOS's `{master:0}` or `[edit]` line), so this finds every
/// prompt wherever the reads were split, and the cost of a wait is linear
/// in the bytes received. See the crate documentation's
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
    /// line *preceding* the one holding the searched-up-to mark (so a
    /// prompt's own line and the line above it are always searched
    /// whole), at most `lookbehind` bytes before the mark; 0 before the
    /// first search.
    pub fn start(&self, buf: &[u8]) -> usize {
        let mark = self.mark.min(buf.len());
        if mark == 0 {
            return 0;
        }
        let floor = mark.saturating_sub(self.lookbehind);
        let Some(last) = line_break_before(buf, floor, mark) else {
            return floor;
        };
        line_break_before(buf, floor, last).unwrap_or(floor)
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

/// The start of the last line break in `buf[floor..end]`: its LF, or the
/// CR of a CRLF (so patterns anchored with `[\r\n]` still see it).
fn line_break_before(buf: &[u8], floor: usize, end: usize) -> Option<usize> {
    let nl = floor + memchr::memrchr(b'\n', &buf[floor..end])?;
    Some(if nl > floor && buf[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    })
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
        assert_eq!(
            s2.start(&buf2),
            0,
            "one line break: the line before starts the buffer"
        );
        let mut buf3 = b"a\r\nline one\r\nline two".to_vec();
        let mut s3 = Scanner::new(1000);
        s3.search(&buf3, &pats(&["zzz"]));
        buf3.extend_from_slice(b"!");
        assert_eq!(
            s3.start(&buf3),
            1,
            "starts at the CR before the line before the last"
        );
        // The look-behind bounds the second step back too.
        let mut s4 = Scanner::new(12);
        s4.search(&buf3, &pats(&["zzz"]));
        assert_eq!(s4.start(&buf3), 10, "{:?}", &buf3[10..]);
    }

    #[test]
    fn skip_to_moves_the_mark_forward_only() {
        let mut s = Scanner::new(1000);
        let buf = b"a\r\nb\r\nc --More-- ";
        s.skip_to(buf.len());
        assert_eq!(s.start(buf), 1);
        s.skip_to(1);
        assert_eq!(s.start(buf), 1, "the mark did not move back");
    }

    #[test]
    fn a_two_line_prompt_is_found_whole_at_every_split() {
        // JunOS prints the routing engine on the line above its prompt;
        // the match must start at the same byte however the reads fall.
        let p = pats(&[concat!(
            r"(?:\A|[\r\n])(?:\{[\w:]+\}[ \t]*\r?\n)?",
            r"[\w.\-]+@[\w.\-:]+[>#%][ \t]*$"
        )]);
        let data: &[u8] =
            b"show version\r\nHostname: r1\r\nModel: mx480\r\n\r\n{master:0}\r\nlab@r1> ";
        let whole = find_earliest(&p, data, 0).unwrap().range;
        assert_eq!(&data[whole.clone()], b"\n{master:0}\r\nlab@r1> ");
        for split in 1..data.len() {
            let mut s = Scanner::new(DEFAULT_LOOKBEHIND);
            let first = s.search(&data[..split], &p);
            let found = first.or_else(|| s.search(data, &p)).unwrap();
            // (A read ending before the prompt's trailing blank matches
            // without it; where the match starts is what ends a response.)
            assert_eq!(found.range.start, whole.start, "split at {split}");
        }
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
