//! OpenSSH host patterns, shared by `known_hosts` host fields and
//! `ssh_config` `Host` lines: `*` matches any run of characters, `?` one
//! character, and a list of patterns may hold `!negated` entries.
//!
//! Matching walks both strings in place (no allocation) with the usual
//! single-backtrack-point algorithm: linear for patterns with one `*`,
//! and bounded by `pattern × text` in the worst case.

/// Whether `text` matches `pattern`, ignoring ASCII case (host names).
pub(super) fn matches(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, |p, t| p.eq_ignore_ascii_case(&t))
}

/// Whether `text` matches `pattern`, case-sensitively (file names, as in
/// `glob(3)` for `Include`).
#[cfg(feature = "openssh-config")]
pub(super) fn matches_exact(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, |p, t| p == t)
}

/// Whether `name` matches a list of patterns: a positive pattern matches
/// and no `!negated` one does. A list of only negated patterns never
/// matches (OpenSSH's rule for both `Host` lines and known_hosts).
pub(super) fn list_matches<'a>(patterns: impl IntoIterator<Item = &'a str>, name: &str) -> bool {
    let mut positive = false;
    for pattern in patterns {
        match pattern.strip_prefix('!') {
            Some(negated) => {
                if matches(negated, name) {
                    return false;
                }
            }
            None => positive = positive || matches(pattern, name),
        }
    }
    positive
}

/// The character at byte offset `at` of `s` (`None` at the end).
fn char_at(s: &str, at: usize) -> Option<char> {
    s.get(at..).and_then(|rest| rest.chars().next())
}

/// `*`/`?` matching with `same` comparing a pattern character to a text
/// character. Offsets are byte offsets that always sit on character
/// boundaries, so `?` consumes one whole character.
fn wildcard(pattern: &str, text: &str, same: impl Fn(char, char) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // After a `*`: where the pattern resumes, and where in the text the
    // star's match currently ends.
    let mut star: Option<(usize, usize)> = None;
    while let Some(t) = char_at(text, ti) {
        match char_at(pattern, pi) {
            Some('*') => {
                pi += 1;
                star = Some((pi, ti));
            }
            Some(p) if p == '?' || same(p, t) => {
                pi += p.len_utf8();
                ti += t.len_utf8();
            }
            _ => match star {
                // Let the star swallow one more character and retry.
                Some((resume, end)) => {
                    let end = end + char_at(text, end).map_or(1, char::len_utf8);
                    pi = resume;
                    ti = end;
                    star = Some((resume, end));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(pi..)
        .is_some_and(|rest| rest.bytes().all(|b| b == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", "anything"));
        assert!(matches("*", ""));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
        assert!(!matches("x", ""));
        assert!(matches("r?", "r1"));
        assert!(!matches("r?", "r10"));
        assert!(!matches("r?", "r"));
        assert!(matches("*.lab", "r1.lab"));
        assert!(!matches("*.lab", "r1.lab.net"));
        assert!(matches("a*b*c", "axxbyybzc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("10.0.*.1", "10.0.7.1"));
        assert!(!matches("10.0.*.1", "10.0.7.2"));
        assert!(matches("**x", "x"));
        assert!(matches("x**", "x"));
        assert!(matches("r?.l*b", "r1.lab"));
        assert!(!matches("r?.lab", "r12.lab"));
        // Backtracking past a partial match of the suffix.
        assert!(matches("*ab", "aab"));
        assert!(matches("*aab", "aaab"));
        assert!(!matches("*aab", "aaba"));
    }

    #[test]
    fn host_matching_ignores_ascii_case_file_matching_does_not() {
        assert!(matches("R*.LAB", "r1.lab"));
        assert!(matches("r1.lab", "R1.Lab"));
        #[cfg(feature = "openssh-config")]
        {
            assert!(!matches_exact("*.CONF", "a.conf"));
            assert!(matches_exact("*.conf", "a.conf"));
            assert!(matches_exact("1?-*.conf", "10-lab.conf"));
        }
    }

    #[test]
    fn question_mark_is_one_character_not_one_byte() {
        assert!(matches("r?", "ré"));
        assert!(matches("?é?", "aéb"));
        assert!(!matches("r??", "ré"));
        assert!(matches("*é", "aaé"));
        assert!(!matches("*é", "aae"));
    }

    #[test]
    fn lists_with_negation() {
        let list = ["*.lab", "!bad.lab", "gw"];
        assert!(list_matches(list, "r1.lab"));
        assert!(list_matches(list, "GW"));
        assert!(!list_matches(list, "bad.lab"));
        assert!(!list_matches(list, "BAD.lab"), "negation ignores case too");
        assert!(!list_matches(list, "other"));
        // A negation wins wherever it stands in the list.
        assert!(!list_matches(["!bad.lab", "*"], "bad.lab"));
        assert!(!list_matches(["*", "!bad.lab"], "bad.lab"));
        // Only negated patterns: nothing matches.
        assert!(!list_matches(["!a"], "b"));
        assert!(!list_matches([], "b"));
    }
}
