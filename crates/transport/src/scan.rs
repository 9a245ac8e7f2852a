//! Incremental pattern search over a growing buffer.
//!
//! A wait searches the buffer each time data arrives. Searching the whole
//! buffer every time would make a large response quadratic, so the
//! [`Scanner`] remembers how far it has searched (`mark`) and searches again
//! only from the start of the line that contained the mark, and never more
//! than `lookbehind` bytes before it. Prompts live on the last line, so this
//! finds every prompt, and the cost of a wait is linear in the bytes
//! received. `find_at` keeps the context before the search start, so `^`,
//! `\A` and `\b` keep their meaning.

use std::ops::Range;

use oxscript_drivers::Pattern;

/// Default look-behind: how far before the already-searched mark a new
/// search may start.
pub(crate) const DEFAULT_LOOKBEHIND: usize = 4096;

/// The earliest match of a pattern list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// Index of the matching pattern in the list.
    pub(crate) index: usize,
    /// Byte range of the match in the buffer.
    pub(crate) range: Range<usize>,
}

/// Search position of one wait (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Scanner {
    mark: usize,
    lookbehind: usize,
}

impl Scanner {
    /// A scanner that will first search the whole buffer.
    pub(crate) fn new(lookbehind: usize) -> Self {
        Scanner {
            mark: 0,
            lookbehind,
        }
    }

    /// Where the next search starts in `buf`.
    pub(crate) fn start(&self, buf: &[u8]) -> usize {
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

    /// Searches `buf` for the earliest match of any pattern (ties go to the
    /// lower index) and records that everything up to the end was searched.
    pub(crate) fn search<'a>(
        &mut self,
        buf: &[u8],
        patterns: impl IntoIterator<Item = &'a Pattern>,
    ) -> Option<Found> {
        let start = self.start(buf);
        let mut best: Option<Found> = None;
        for (index, pattern) in patterns.into_iter().enumerate() {
            if let Some(range) = pattern.find_at(buf, start) {
                let better = match &best {
                    Some(b) => range.start < b.range.start,
                    None => true,
                };
                if better {
                    best = Some(Found { index, range });
                }
            }
        }
        self.mark = buf.len();
        best
    }

    /// Marks everything up to `pos` as searched (used after answering a
    /// pager prompt, so the same prompt is not answered twice).
    pub(crate) fn skip_to(&mut self, pos: usize) {
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
            Found {
                index: 1,
                range: 2..3
            }
        );
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
