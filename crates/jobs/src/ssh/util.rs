//! Small helpers of the SSH jobs: line splitting, random names, quoting.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Splits a byte stream into lines (without `\n` / `\r\n`), joining lines
/// cut across reads.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    pending: Vec<u8>,
}

impl Lines {
    /// Feeds `data`; calls `emit` for each complete line.
    pub(crate) fn feed(&mut self, data: &[u8], mut emit: impl FnMut(&str)) {
        let mut rest = data;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (line, after) = rest.split_at(pos);
            self.pending.extend_from_slice(line);
            if self.pending.last() == Some(&b'\r') {
                self.pending.pop();
            }
            emit(&String::from_utf8_lossy(&self.pending));
            self.pending.clear();
            rest = after.get(1..).unwrap_or_default();
        }
        self.pending.extend_from_slice(rest);
    }

    /// Emits the last line if it had no newline.
    pub(crate) fn finish(&mut self, mut emit: impl FnMut(&str)) {
        if !self.pending.is_empty() {
            emit(&String::from_utf8_lossy(&self.pending));
            self.pending.clear();
        }
    }
}

/// A random 16-hex-digit token for file and directory names: the
/// process's randomly seeded hasher over a counter, the process id and the
/// time, so two runs (or two processes) do not pick the same name.
pub(crate) fn random_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    format!("{:016x}", hasher.finish())
}

/// `text` quoted for a POSIX shell (single quotes; a `'` inside becomes `'\''`).
pub(crate) fn shell_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Whether `name` is a plain file name (no `/`, not `.` or `..`, not empty).
pub(crate) fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_joined_across_reads() {
        let mut lines = Lines::default();
        let mut out = Vec::new();
        for chunk in [&b"ab"[..], b"c\r\nde", b"f\n\n", b"tail"] {
            lines.feed(chunk, |l| out.push(l.to_owned()));
        }
        lines.finish(|l| out.push(l.to_owned()));
        assert_eq!(out, ["abc", "def", "", "tail"]);
    }

    #[test]
    fn tokens_differ_and_quotes_hold() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert!(is_plain_file_name("run.sh"));
        for bad in ["", ".", "..", "a/b", "../x"] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
    }
}
