//! Extraction helpers with Exscript `util.match` semantics.
//!
//! Both helpers are shaped so that a missing match never needs an `if`:
//! [`first_match`] always returns an array of the pattern's group count
//! (all `None` when nothing matched), and [`any_match`] always returns a
//! list of such arrays (empty when nothing matched). The array length is
//! checked against the pattern, so a mismatch is reported as a clear error
//! instead of silently misassigning values. Patterns are compiled in
//! multi-line mode (`^` and `$` match at line boundaries), as in Exscript.
//!
//! ```
//! use oxscript_transport::{any_match, first_match};
//!
//! let out = "Linux gw1 6.1.0 x86_64";
//! let [os, host] = first_match(out, r"^(\S+)\s+(\S+)")?;
//! assert_eq!(os.as_deref(), Some("Linux"));
//! assert_eq!(host.as_deref(), Some("gw1"));
//!
//! let [missing] = first_match(out, r"(FreeBSD)")?;
//! assert_eq!(missing, None);
//!
//! let listing = "-rw-r--r-- 1 a b 10 notes.txt\ndrwxr-xr-x 2 a b 40 src";
//! for [perms, name] in any_match(listing, r"^(\S+).*\s(\S+)$")? {
//!     println!("{name}: {perms}");
//! }
//! # Ok::<(), oxscript_transport::Error>(())
//! ```

use regex::{Regex, RegexBuilder};

use crate::{Error, Result};

fn compile(pattern: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        .multi_line(true)
        .build()
        .map_err(|e| {
            Error::Pattern(oxscript_drivers::Error::InvalidPattern {
                pattern: pattern.to_owned(),
                reason: e.to_string(),
            })
        })
}

/// The number of values a pattern yields: its group count, or 1 (the
/// matching line) for a pattern without groups.
fn arity(re: &Regex) -> usize {
    (re.captures_len() - 1).max(1)
}

fn check_arity(re: &Regex, pattern: &str, n: usize) -> Result<()> {
    let found = arity(re);
    if found != n {
        return Err(Error::GroupCount {
            pattern: pattern.to_owned(),
            expected: n,
            found: re.captures_len() - 1,
        });
    }
    Ok(())
}

/// Values of one line's match: the groups, or the whole line without groups.
fn values<const N: usize>(re: &Regex, line: &str) -> Option<[Option<String>; N]> {
    let caps = re.captures(line)?;
    let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
    if re.captures_len() == 1 {
        if let Some(slot) = out.first_mut() {
            *slot = Some(line.to_owned());
        }
    } else {
        for (slot, group) in out.iter_mut().zip(caps.iter().skip(1)) {
            *slot = group.map(|g| g.as_str().to_owned());
        }
    }
    Some(out)
}

/// The first match of `pattern` in `text`, line by line.
///
/// With N groups, returns the N group values of the first matching line
/// (`None` for groups that did not take part); without groups, returns the
/// first matching line (`[Some(line)]`). No match gives `[None; N]`.
/// Errors only for an invalid pattern or when `N` differs from the
/// pattern's group count (1 for a pattern without groups).
pub fn first_match<const N: usize>(text: &str, pattern: &str) -> Result<[Option<String>; N]> {
    let re = compile(pattern)?;
    check_arity(&re, pattern, N)?;
    for line in text.lines() {
        if let Some(v) = values::<N>(&re, line) {
            return Ok(v);
        }
    }
    Ok(std::array::from_fn(|_| None))
}

/// Every line of `text` that matches `pattern`, as group values.
///
/// Lines where the first group does not take part are skipped (Exscript
/// semantics); other non-participating groups become empty strings.
/// Without groups, each matching line is returned whole.
pub fn any_match<const N: usize>(text: &str, pattern: &str) -> Result<Vec<[String; N]>> {
    let re = compile(pattern)?;
    check_arity(&re, pattern, N)?;
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(v) = values::<N>(&re, line) else {
            continue;
        };
        if v.first().is_some_and(Option::is_none) {
            continue;
        }
        out.push(v.map(Option::unwrap_or_default));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOO: &str = "1 uno\n2 due";

    #[test]
    fn any_match_has_exscript_semantics() {
        assert!(any_match::<1>(FOO, "aaa").unwrap().is_empty());
        assert_eq!(any_match::<1>(FOO, r"\S+").unwrap(), [["1 uno"], ["2 due"]]);
        assert!(any_match::<1>(FOO, "(aaa)").unwrap().is_empty());
        assert_eq!(any_match::<1>(FOO, r"(\S+)").unwrap(), [["1"], ["2"]]);
        assert!(any_match::<2>(FOO, r"(aaa) (\S+)").unwrap().is_empty());
        assert_eq!(
            any_match::<2>(FOO, r"(\S+) (\S+)").unwrap(),
            [["1", "uno"], ["2", "due"]]
        );
    }

    #[test]
    fn first_match_never_fails_on_no_match() {
        let foo = "my test";
        assert_eq!(first_match::<1>(foo, "aaa").unwrap(), [None]);
        assert_eq!(
            first_match::<1>(foo, r"\S+").unwrap(),
            [Some("my test".into())]
        );
        assert_eq!(first_match::<1>(foo, "(aaa)").unwrap(), [None]);
        assert_eq!(
            first_match::<1>(foo, r"(\S+)").unwrap(),
            [Some("my".into())]
        );
        assert_eq!(first_match::<2>(foo, r"(aaa) (\S+)").unwrap(), [None, None]);
        assert_eq!(
            first_match::<2>(foo, r"(\S+) (\S+)").unwrap(),
            [Some("my".into()), Some("test".into())]
        );
    }

    #[test]
    fn optional_groups_and_multiline_anchors() {
        let text = "a=1\nb\nc=3";
        assert_eq!(
            any_match::<2>(text, r"^(\w)(?:=(\d))?$").unwrap(),
            [["a", "1"], ["b", ""], ["c", "3"]]
        );
        assert_eq!(
            first_match::<1>(text, r"^c=(\d)$").unwrap(),
            [Some("3".into())]
        );
    }

    #[test]
    fn wrong_arity_and_bad_patterns_are_errors() {
        let e = first_match::<2>(FOO, r"(\S+)").unwrap_err();
        assert!(
            e.to_string().contains("has 1 capture group(s), but 2"),
            "{e}"
        );
        assert!(matches!(
            any_match::<1>(FOO, "(").unwrap_err(),
            Error::Pattern(_)
        ));
    }
}
