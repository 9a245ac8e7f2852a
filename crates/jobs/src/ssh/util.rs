//! Small helpers of the SSH jobs: random names, quoting.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// `text` as one shell word: as it is when it holds only characters no
/// POSIX shell treats specially, else [quoted](shell_quote).
pub(crate) fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./+,:@%".contains(c));
    if plain {
        text.to_owned()
    } else {
        shell_quote(text)
    }
}

/// Whether `name` is a plain file name (no `/`, not `.` or `..`, not empty).
pub(crate) fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_quotes_hold() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(
            shell_word(".oxscript-remote/0a1b/run.sh"),
            ".oxscript-remote/0a1b/run.sh"
        );
        assert_eq!(shell_word("my script.sh"), "'my script.sh'");
        assert_eq!(shell_word("a;b"), "'a;b'");
        assert_eq!(shell_word(""), "''");
        assert!(is_plain_file_name("run.sh"));
        for bad in ["", ".", "..", "a/b", "../x"] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
    }
}
