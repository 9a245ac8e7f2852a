//! execo's `remote_substitute`: `{{{host}}}` and `{{name}}` in commands
//! and paths of actions over host groups.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Named lists for `{{name}}` substitutions (execo evaluates a Python
/// expression there; a named list is the Rust equivalent).
///
/// In a command or path of [`Remote`](super::Remote), [`Put`](super::Put)
/// or [`Get`](super::Get) run on hosts `h0, h1, …`:
/// - `{{{host}}}` becomes the address of the host the copy is for;
/// - `{{name}}` becomes element `index % len` of the list `name`, where
///   `index` is the host's position in the group.
///
/// ```
/// use oxscript_jobs::action::Substitutions;
///
/// let subs = Substitutions::new().list("servers", ["s1", "s2", "s3"]);
/// let hosts = ["a", "b", "c", "d"];
/// let lines: Vec<String> = (0..hosts.len())
///     .map(|i| subs.apply("iperf -c {{servers}} # from {{{host}}}", &hosts, i).unwrap())
///     .collect();
/// assert_eq!(lines[0], "iperf -c s1 # from a");
/// assert_eq!(lines[3], "iperf -c s1 # from d");
/// assert!(subs.apply("{{nope}}", &hosts, 0).is_err());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Substitutions {
    lists: BTreeMap<String, Vec<String>>,
}

impl Substitutions {
    /// No lists: only `{{{host}}}` is replaced.
    pub fn new() -> Substitutions {
        Substitutions::default()
    }

    /// Adds (or replaces) the list `name`.
    pub fn list<I, S>(mut self, name: impl Into<String>, values: I) -> Substitutions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.lists
            .insert(name.into(), values.into_iter().map(Into::into).collect());
        self
    }

    /// `text` for host `index` of `hosts` (their addresses). Errors name
    /// an unknown or empty list, or an unclosed `{{`.
    pub fn apply(&self, text: &str, hosts: &[impl AsRef<str>], index: usize) -> Result<String> {
        let host = hosts.get(index).map(AsRef::as_ref).ok_or_else(|| {
            Error::msg(format!(
                "substitution for host {index} of a group of {}",
                hosts.len()
            ))
        })?;
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            if let Some(tail) = after.strip_prefix("{{{host}}}") {
                out.push_str(host);
                rest = tail;
                continue;
            }
            let inner = &after[2..];
            let Some(close) = inner.find("}}") else {
                return Err(Error::msg(format!("unclosed `{{{{` in `{text}`")));
            };
            let name = inner[..close].trim();
            let list = self.lists.get(name).ok_or_else(|| {
                let known: Vec<&str> = self.lists.keys().map(String::as_str).collect();
                Error::msg(format!(
                    "`{{{{{name}}}}}` in `{text}`: no list named `{name}` (lists: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ))
            })?;
            let value = list.get(index % list.len().max(1)).ok_or_else(|| {
                Error::msg(format!(
                    "`{{{{{name}}}}}` in `{text}`: the list `{name}` is empty"
                ))
            })?;
            out.push_str(value);
            rest = &inner[close + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lists_and_errors() {
        let hosts = ["a", "b", "c", "d", "e", "f"];
        let subs = Substitutions::new()
            .list("peers", ["1", "2", "3"])
            .list("empty", Vec::<String>::new());
        let mapped: Vec<String> = (0..6)
            .map(|i| subs.apply("{{{host}}}->{{ peers }}", &hosts, i).unwrap())
            .collect();
        assert_eq!(mapped, ["a->1", "b->2", "c->3", "d->1", "e->2", "f->3"]);
        assert_eq!(subs.apply("no tags {", &hosts, 0).unwrap(), "no tags {");
        let err = subs.apply("{{x}}", &hosts, 0).unwrap_err().to_string();
        assert!(
            err.contains("no list named `x`") && err.contains("peers"),
            "{err}"
        );
        let err = subs.apply("{{empty}}", &hosts, 0).unwrap_err().to_string();
        assert!(err.contains("is empty"), "{err}");
        let err = subs.apply("{{peers", &hosts, 0).unwrap_err().to_string();
        assert!(err.contains("unclosed"), "{err}");
        assert!(subs.apply("x", &hosts, 9).is_err());
    }
}
