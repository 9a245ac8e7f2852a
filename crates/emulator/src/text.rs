//! Small text helpers shared by the device model (crate-private).

/// Appends `text` to `out`, turning every `\n` not already preceded by
/// `\r` into `\r\n`.
pub(crate) fn push_crlf(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, _) in text.match_indices('\n') {
        if i > 0 && bytes.get(i - 1) == Some(&b'\r') {
            continue;
        }
        if start == 0 {
            // Room for the text and a CR per line of 32 bytes or more.
            out.reserve(text.len() + text.len() / 32 + 2);
        }
        out.push_str(text.get(start..i).unwrap_or_default());
        out.push_str("\r\n");
        start = i + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
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
