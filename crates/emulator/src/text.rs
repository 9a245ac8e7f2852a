//! Small text helpers shared by the device model (crate-private).

/// Appends `text` to `out`, turning every `\n` not already preceded by
/// `\r` into `\r\n`.
pub(crate) fn push_crlf(out: &mut String, text: &str) {
    push_crlf_range(out, text, 0..text.len());
}

/// [`push_crlf`] on `text[range]`; a `\n` at the start of the range counts
/// as preceded by `\r` when the byte before the range is one. `range` must
/// start and end at character boundaries.
pub(crate) fn push_crlf_range(out: &mut String, text: &str, range: std::ops::Range<usize>) {
    let bytes = text.as_bytes();
    let mut start = range.start;
    let piece = bytes.get(range.clone()).unwrap_or_default();
    for found in memchr::memchr_iter(b'\n', piece) {
        let i = range.start + found;
        if i > 0 && bytes.get(i - 1) == Some(&b'\r') {
            continue;
        }
        if start == range.start {
            // Room for the text and a CR per line of 32 bytes or more.
            out.reserve(piece.len() + piece.len() / 32 + 2);
        }
        out.push_str(text.get(start..i).unwrap_or_default());
        out.push_str("\r\n");
        start = i + 1;
    }
    out.push_str(text.get(start..range.end).unwrap_or_default());
}

/// Where a piece of `text` that starts at `start` and holds at most `room`
/// bytes ends: after its last line end, or, in a line longer than `room`,
/// at a character boundary that does not split a CR from what follows it.
/// Always past `start` when `start` is before the end of `text` and
/// `room` is at least 4 bytes (one character).
pub(crate) fn piece_end(text: &str, start: usize, room: usize) -> usize {
    let limit = start.saturating_add(room);
    if limit >= text.len() {
        return text.len();
    }
    let bytes = text.as_bytes();
    if let Some(newline) = memchr::memrchr(b'\n', bytes.get(start..limit).unwrap_or_default()) {
        return start + newline + 1;
    }
    let mut cut = limit;
    while cut > start + 1 && (!text.is_char_boundary(cut) || bytes.get(cut - 1) == Some(&b'\r')) {
        cut -= 1;
    }
    cut
}

/// The number of lines in `text`: its newlines, plus one for a final line
/// without a newline.
pub(crate) fn count_lines(text: &str) -> usize {
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    if text.ends_with('\n') || text.is_empty() {
        newlines
    } else {
        newlines + 1
    }
}

/// Where an incomplete UTF-8 sequence at the end of `bytes` starts, or
/// `bytes.len()` if the buffer does not end in the middle of a character.
pub(crate) fn incomplete_utf8_tail(bytes: &[u8]) -> usize {
    let n = bytes.len();
    for back in 1..=n.min(3) {
        let i = n - back;
        let Some(&b) = bytes.get(i) else { break };
        if b & 0xC0 == 0x80 {
            continue;
        }
        let need = match b {
            0xF0..=0xF7 => 4,
            0xE0..=0xEF => 3,
            0xC0..=0xDF => 2,
            _ => 1,
        };
        return if need > back { i } else { n };
    }
    n
}

/// An absolute path made normal: `.`, `..` and repeated `/` resolved
/// (`..` at the root stays at the root).
pub(crate) fn normalize_path(absolute: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in absolute.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_crlf(text: &str) -> String {
        let mut out = String::new();
        push_crlf(&mut out, text);
        out
    }

    #[test]
    fn crlf_conversion_keeps_existing_pairs() {
        assert_eq!(to_crlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
        assert_eq!(to_crlf("\n\n"), "\r\n\r\n");
        assert_eq!(to_crlf("no newline"), "no newline");
        assert_eq!(to_crlf(""), "");
    }

    #[test]
    fn crlf_conversion_of_a_range_looks_before_it() {
        let text = "a\r\nb\nc";
        let mut out = String::new();
        push_crlf_range(&mut out, text, 0..2);
        push_crlf_range(&mut out, text, 2..5);
        push_crlf_range(&mut out, text, 5..text.len());
        assert_eq!(out, "a\r\nb\r\nc");
        let mut out = String::new();
        push_crlf_range(&mut out, "x\ny", 1..2);
        assert_eq!(out, "\r\n");
    }

    #[test]
    fn pieces_end_after_a_line_or_at_a_whole_character() {
        let text = "ab\ncd\nef";
        assert_eq!(piece_end(text, 0, 5), 3);
        assert_eq!(piece_end(text, 3, 4), 6);
        assert_eq!(piece_end(text, 6, 4), text.len());
        // No line end within reach: whole characters, never CR alone.
        assert_eq!(piece_end("ab\rcd", 0, 3), 2);
        assert_eq!(piece_end("aé\u{1F600}b", 0, 4), 3);
        assert_eq!(piece_end("\r\r\r\r\r\r", 0, 4), 1);
        // Every piece moves forward and the pieces make up the text.
        let text = "é".repeat(10) + "\r\n" + &"x".repeat(9);
        let mut at = 0;
        let mut pieces = Vec::new();
        while at < text.len() {
            let end = piece_end(&text, at, 4);
            assert!(end > at);
            pieces.push(&text[at..end]);
            at = end;
        }
        assert_eq!(pieces.concat(), text);
    }

    #[test]
    fn line_counting() {
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a"), 1);
        assert_eq!(count_lines("a\r\n"), 1);
        assert_eq!(count_lines("a\r\nb"), 2);
        assert_eq!(count_lines("a\nb\n"), 2);
    }

    #[test]
    fn utf8_tail_detection() {
        assert_eq!(incomplete_utf8_tail(b"abc"), 3);
        assert_eq!(incomplete_utf8_tail("é".as_bytes()), 2);
        assert_eq!(incomplete_utf8_tail(&[b'a', 0xC3]), 1);
        assert_eq!(incomplete_utf8_tail(&[0xE2, 0x82]), 0);
        assert_eq!(incomplete_utf8_tail(&[0xF0, 0x9F, 0x98]), 0);
        assert_eq!(incomplete_utf8_tail(&[0xF0, 0x9F, 0x98, 0x80]), 4);
        assert_eq!(incomplete_utf8_tail(&[]), 0);
    }
}
