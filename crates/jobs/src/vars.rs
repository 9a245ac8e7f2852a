//! Variables filled while jobs run, and command templates rendered from
//! them later (apssh's `Variables`, `Capture` and `Deferred`).
//!
//! A job graph is built before anything runs, so a command that needs the
//! output of an earlier command cannot be written as a plain string. A
//! capturing command ([`SshJob::capture`](crate::ssh::SshJob::capture),
//! [`SessionJob::capture`](crate::session_job::SessionJob::capture))
//! stores its output in a [`Variables`] map; a deferred command is a
//! [`Template`] such as `ping {{peer}}`, parsed when the job is built (a
//! malformed one is reported then) and rendered from the map only when
//! the command is about to be sent. A variable that has no value by then
//! is a clear error naming it.
//!
//! ```
//! use oxscript_jobs::vars::{Template, Variables};
//!
//! let vars = Variables::new();
//! let ping = Template::new("ping {{ peer }} repeat {{count}}")?;
//! assert_eq!(ping.variables().collect::<Vec<_>>(), ["peer", "count"]);
//! vars.set("peer", "10.0.0.2");
//! assert!(ping.render(&vars).is_err()); // count is not set yet
//! vars.set("count", "5");
//! assert_eq!(ping.render(&vars)?, "ping 10.0.0.2 repeat 5");
//! assert!(Template::new("ping {{peer").is_err());
//! # Ok::<(), oxscript_jobs::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{Error, Result};

/// A shared map of variable names to text values. Clones share the map.
#[derive(Clone, Default)]
pub struct Variables(Arc<Mutex<HashMap<String, String>>>);

impl std::fmt::Debug for Variables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.snapshot()).finish()
    }
}

impl Variables {
    /// An empty map.
    pub fn new() -> Variables {
        Variables::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, String>> {
        oxscript_core::sync::lock(&self.0)
    }

    /// Sets a variable, replacing any previous value.
    pub fn set(&self, name: impl Into<String>, value: impl Into<String>) {
        self.lock().insert(name.into(), value.into());
    }

    /// The value of a variable.
    pub fn get(&self, name: &str) -> Option<String> {
        self.lock().get(name).cloned()
    }

    /// Whether a variable is set.
    pub fn contains(&self, name: &str) -> bool {
        self.lock().contains_key(name)
    }

    /// Removes a variable; returns its value.
    pub fn remove(&self, name: &str) -> Option<String> {
        self.lock().remove(name)
    }

    /// How many variables are set.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no variable is set.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A copy of all variables, sorted by name.
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Renders `template` (`{{name}}` placeholders) from this map now.
    pub fn render(&self, template: &str) -> Result<String> {
        Template::new(template)?.render(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Text(String),
    Var(String),
}

/// A command template: text with `{{name}}` placeholders, rendered from a
/// [`Variables`] map when it is used (apssh `Deferred`).
///
/// Placeholders are `{{name}}` (spaces inside the braces are ignored);
/// names are made of letters, digits, `_`, `-` and `.`. There is no other
/// syntax: the text between placeholders is used as it is. The template
/// is parsed once, when it is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    text: String,
    segments: Vec<Segment>,
}

impl Template {
    /// Parses `text`; fails on an unterminated or empty placeholder, or a
    /// name with other characters, saying where.
    pub fn new(text: impl Into<String>) -> Result<Template> {
        let text = text.into();
        let segments = parse(&text)?;
        Ok(Template { text, segments })
    }

    /// `text` used as it is (`{{` included): renders to itself.
    pub fn literal(text: impl Into<String>) -> Template {
        let text = text.into();
        let segments = vec![Segment::Text(text.clone())];
        Template { text, segments }
    }

    /// The template's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The names of the variables it uses, in order of appearance.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var(name) => Some(name.as_str()),
            Segment::Text(_) => None,
        })
    }

    /// Renders the template from the current values of `vars`; a variable
    /// without value is [`Error::MissingVariable`].
    pub fn render(&self, vars: &Variables) -> Result<String> {
        if let [Segment::Text(text)] = self.segments.as_slice() {
            return Ok(text.clone());
        }
        let values = vars.lock();
        let mut out = String::with_capacity(self.text.len());
        for segment in &self.segments {
            match segment {
                Segment::Text(t) => out.push_str(t),
                Segment::Var(name) => match values.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        return Err(Error::MissingVariable {
                            name: name.clone(),
                            template: self.text.clone(),
                        });
                    }
                },
            }
        }
        Ok(out)
    }
}

fn parse(template: &str) -> Result<Vec<Segment>> {
    let bad = |reason: String| Error::Template {
        template: template.to_owned(),
        reason,
    };
    let mut segments = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            segments.push(Segment::Text(rest[..start].to_owned()));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(bad(format!(
                "`{{{{` at byte {} is never closed with `}}}}`",
                offset + start
            )));
        };
        let name = after[..end].trim();
        if name.is_empty() {
            return Err(bad(format!("empty `{{{{}}}}` at byte {}", offset + start)));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
        {
            return Err(bad(format!(
                "character `{c}` in variable name `{name}` (use letters, digits, `_`, `-`, `.`)"
            )));
        }
        segments.push(Segment::Var(name.to_owned()));
        let consumed = start + 2 + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest.to_owned()));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_basics() {
        let vars = Variables::new();
        assert!(vars.is_empty());
        vars.set("a", "1");
        let clone = vars.clone();
        clone.set("b", "2");
        assert_eq!(vars.len(), 2);
        assert_eq!(vars.get("b").as_deref(), Some("2"));
        assert!(vars.contains("a"));
        assert_eq!(vars.remove("a").as_deref(), Some("1"));
        assert!(!vars.contains("a"));
        assert_eq!(format!("{vars:?}"), "{\"b\": \"2\"}");
        vars.set("c", "3");
        assert_eq!(
            vars.snapshot().into_iter().collect::<Vec<_>>(),
            [("b".into(), "2".into()), ("c".into(), "3".into())]
        );
    }

    #[test]
    fn templates_render_and_name_missing_variables() {
        let vars = Variables::new();
        let d = Template::new("show {{ what }} | include {{pat}}!").unwrap();
        assert_eq!(d.variables().collect::<Vec<_>>(), ["what", "pat"]);
        assert_eq!(d.text(), "show {{ what }} | include {{pat}}!");
        match d.render(&vars) {
            Err(Error::MissingVariable { name, template }) => {
                assert_eq!(name, "what");
                assert_eq!(template, "show {{ what }} | include {{pat}}!");
            }
            other => panic!("{other:?}"),
        }
        vars.set("what", "version");
        vars.set("pat", "IOS");
        assert_eq!(d.render(&vars).unwrap(), "show version | include IOS!");
        // A literal is never parsed: its braces stay.
        let literal = Template::literal("echo {{not a template");
        assert_eq!(literal.render(&vars).unwrap(), "echo {{not a template");
        assert_eq!(literal.variables().count(), 0);
        assert_eq!(literal.text(), "echo {{not a template");
        assert_eq!(vars.render("plain text").unwrap(), "plain text");
        assert_eq!(vars.render("{{what}}{{pat}}").unwrap(), "versionIOS");
        assert_eq!(vars.render("").unwrap(), "");
        // Unicode text around placeholders is kept.
        assert_eq!(vars.render("é{{pat}}ü").unwrap(), "éIOSü");
    }

    #[test]
    fn malformed_templates() {
        for (template, reason) in [
            ("ping {{peer", "never closed"),
            ("ping {{ }}", "empty"),
            ("ping {{a b}}", "character ` `"),
            ("x {{a}} {{", "at byte 8"),
        ] {
            match Template::new(template) {
                Err(Error::Template {
                    template: t,
                    reason: r,
                }) => {
                    assert_eq!(t, template);
                    assert!(r.contains(reason), "{r}");
                }
                other => panic!("{template}: {other:?}"),
            }
        }
    }
}
