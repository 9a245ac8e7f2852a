//! Variables filled while jobs run, and command templates rendered from
//! them later (apssh's `Variables`, `Capture` and `Deferred`).
//!
//! A job graph is built before anything runs, so a command that needs the
//! output of an earlier command cannot be written as a plain string. A
//! [`Capture`] stores a command's output in a [`Variables`] map; a
//! [`Deferred`] template such as `ping {{peer}}` is rendered from that map
//! only when its command is about to be sent. A variable that has no value
//! by then is a clear error naming it.
//!
//! ```
//! use oxscript_jobs::vars::{Deferred, Variables};
//!
//! let vars = Variables::new();
//! let ping = Deferred::new("ping {{ peer }} repeat {{count}}", &vars)?;
//! vars.set("peer", "10.0.0.2");
//! assert!(ping.render().is_err()); // count is not set yet
//! vars.capture("count").store("5");
//! assert_eq!(ping.render()?, "ping 10.0.0.2 repeat 5");
//! # Ok::<(), oxscript_jobs::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// A [`Capture`] that stores into `name` of this map.
    pub fn capture(&self, name: impl Into<String>) -> Capture {
        Capture::new(name, self)
    }

    /// A [`Deferred`] template rendered from this map.
    pub fn deferred(&self, template: impl Into<String>) -> Result<Deferred> {
        Deferred::new(template, self)
    }

    /// Renders `template` (`{{name}}` placeholders) from this map now.
    pub fn render(&self, template: &str) -> Result<String> {
        Template::parse(template)?.render(template, self)
    }
}

/// Where a command's output goes: a variable of a [`Variables`] map.
#[derive(Clone, Debug)]
pub struct Capture {
    name: String,
    vars: Variables,
}

impl Capture {
    /// Captures into `name` of `vars`.
    pub fn new(name: impl Into<String>, vars: &Variables) -> Capture {
        Capture {
            name: name.into(),
            vars: vars.clone(),
        }
    }

    /// The variable's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Stores `value` in the variable.
    pub fn store(&self, value: impl Into<String>) {
        self.vars.set(self.name.clone(), value);
    }
}

/// A command template rendered from a [`Variables`] map when it is used.
///
/// Placeholders are `{{name}}` (spaces inside the braces are ignored);
/// names are made of letters, digits, `_`, `-` and `.`. There is no other
/// syntax: the text between placeholders is used as it is.
#[derive(Clone, Debug)]
pub struct Deferred {
    template: String,
    parsed: Template,
    vars: Variables,
}

impl Deferred {
    /// Parses `template`; fails on an unterminated or empty placeholder.
    pub fn new(template: impl Into<String>, vars: &Variables) -> Result<Deferred> {
        let template = template.into();
        let parsed = Template::parse(&template)?;
        Ok(Deferred {
            template,
            parsed,
            vars: vars.clone(),
        })
    }

    /// The template text.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The names of the variables it uses, in order of appearance.
    pub fn variables(&self) -> Vec<&str> {
        self.parsed
            .0
            .iter()
            .filter_map(|s| match s {
                Segment::Var(name) => Some(name.as_str()),
                Segment::Text(_) => None,
            })
            .collect()
    }

    /// Renders the template from the variables' current values.
    pub fn render(&self) -> Result<String> {
        self.parsed.render(&self.template, &self.vars)
    }
}

#[derive(Clone, Debug)]
enum Segment {
    Text(String),
    Var(String),
}

/// A parsed template.
#[derive(Clone, Debug)]
pub(crate) struct Template(Vec<Segment>);

impl Template {
    pub(crate) fn parse(template: &str) -> Result<Template> {
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
        Ok(Template(segments))
    }

    fn render(&self, template: &str, vars: &Variables) -> Result<String> {
        let values = vars.lock();
        let mut out = String::with_capacity(template.len());
        for segment in &self.0 {
            match segment {
                Segment::Text(t) => out.push_str(t),
                Segment::Var(name) => match values.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        return Err(Error::MissingVariable {
                            name: name.clone(),
                            template: template.to_owned(),
                        });
                    }
                },
            }
        }
        Ok(out)
    }
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
        let cap = vars.capture("c");
        assert_eq!(cap.name(), "c");
        cap.store("3");
        assert_eq!(
            vars.snapshot().into_iter().collect::<Vec<_>>(),
            [("b".into(), "2".into()), ("c".into(), "3".into())]
        );
    }

    #[test]
    fn templates_render_and_name_missing_variables() {
        let vars = Variables::new();
        let d = vars.deferred("show {{ what }} | include {{pat}}!").unwrap();
        assert_eq!(d.variables(), ["what", "pat"]);
        assert_eq!(d.template(), "show {{ what }} | include {{pat}}!");
        match d.render() {
            Err(Error::MissingVariable { name, template }) => {
                assert_eq!(name, "what");
                assert_eq!(template, "show {{ what }} | include {{pat}}!");
            }
            other => panic!("{other:?}"),
        }
        vars.set("what", "version");
        vars.set("pat", "IOS");
        assert_eq!(d.render().unwrap(), "show version | include IOS!");
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
            match Template::parse(template) {
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
