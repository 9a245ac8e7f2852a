//! The `--More--` pager (crate-private).

/// A response being shown page by page.
#[derive(Debug)]
pub(crate) struct Pager {
    /// The whole response, `\r\n` line endings.
    text: String,
    /// How much of `text` was shown.
    pos: usize,
    /// Whether the prompt follows the response.
    pub(crate) prompt: bool,
    /// Whether the session closes after the response.
    pub(crate) close: bool,
}

/// What a key press at the more prompt did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PagerStep {
    /// More output is waiting: the more prompt was shown again.
    More,
    /// The response is complete (or was cut short).
    Done,
}

impl Pager {
    pub(crate) fn new(text: String, prompt: bool, close: bool) -> Self {
        Pager {
            text,
            pos: 0,
            prompt,
            close,
        }
    }

    /// Appends up to `lines` lines to `out`; then the more prompt if text
    /// remains.
    pub(crate) fn show(&mut self, out: &mut String, lines: usize, more_prompt: &str) -> PagerStep {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let mut end = 0;
        let mut shown = 0;
        for (i, b) in rest.bytes().enumerate() {
            if b == b'\n' {
                shown += 1;
                if shown >= lines.max(1) {
                    end = i + 1;
                    break;
                }
            }
        }
        if shown < lines.max(1) || end >= rest.len() {
            out.push_str(rest);
            self.pos = self.text.len();
            return PagerStep::Done;
        }
        out.push_str(rest.get(..end).unwrap_or_default());
        self.pos += end;
        out.push_str(more_prompt);
        PagerStep::More
    }
}

/// Erases the more prompt the way IOS does: back over it, blank it, back
/// again.
pub(crate) fn erase(out: &mut String, more_prompt: &str) {
    let n = more_prompt.chars().count();
    out.extend(std::iter::repeat_n('\x08', n));
    out.extend(std::iter::repeat_n(' ', n));
    out.extend(std::iter::repeat_n('\x08', n));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_then_done() {
        let mut p = Pager::new("1\r\n2\r\n3\r\n4\r\n5".to_owned(), true, false);
        let mut out = String::new();
        assert_eq!(p.show(&mut out, 2, "<M>"), PagerStep::More);
        assert_eq!(out, "1\r\n2\r\n<M>");
        out.clear();
        assert_eq!(p.show(&mut out, 1, "<M>"), PagerStep::More);
        assert_eq!(out, "3\r\n<M>");
        out.clear();
        assert_eq!(p.show(&mut out, 2, "<M>"), PagerStep::Done);
        assert_eq!(out, "4\r\n5");
    }

    #[test]
    fn exact_fit_is_done_without_more_prompt() {
        let mut p = Pager::new("1\r\n2\r\n".to_owned(), true, false);
        let mut out = String::new();
        assert_eq!(p.show(&mut out, 2, "<M>"), PagerStep::Done);
        assert_eq!(out, "1\r\n2\r\n");
    }

    #[test]
    fn erase_sequence() {
        let mut out = String::new();
        erase(&mut out, "-M-");
        assert_eq!(out, "\x08\x08\x08   \x08\x08\x08");
    }
}
