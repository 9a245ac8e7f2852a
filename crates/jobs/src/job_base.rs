//! What [`SessionJob`](crate::session_job::SessionJob) and
//! [`SshJob`](crate::ssh::SshJob) share: the variables map, the label, and
//! the templates of deferred commands, parsed when a command is added.

use crate::error::{Error, Result};
use crate::vars::{Template, Variables};

/// The shared part of a command job.
#[derive(Clone, Debug, Default)]
pub(crate) struct JobBase {
    /// Where captures go and deferred commands are rendered from.
    pub(crate) vars: Variables,
    /// The label given with `with_label`.
    pub(crate) label: Option<String>,
    /// The first malformed template among the commands: the job cannot run.
    pub(crate) problem: Option<Error>,
}

impl JobBase {
    /// `text` as a command template: parsed when `deferred`, else used as
    /// it is. A malformed template becomes the job's problem (reported
    /// when the job or its graph is checked, before anything runs).
    pub(crate) fn template(&mut self, text: &str, deferred: bool) -> Template {
        if !deferred {
            return Template::literal(text);
        }
        Template::new(text).unwrap_or_else(|e| {
            self.problem.get_or_insert(e);
            Template::literal(text)
        })
    }

    /// Fails with the job's problem, if it has one.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.problem {
            Some(problem) => Err(problem.clone()),
            None => Ok(()),
        }
    }

    /// The label: the one given, else `node: first command`, with the
    /// number of further commands.
    pub(crate) fn label(
        &self,
        node: &str,
        mut commands: impl ExactSizeIterator<Item = String>,
    ) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let more = commands.len().saturating_sub(1);
        match commands.next() {
            None => format!("{node}: (no command)"),
            Some(first) if more == 0 => format!("{node}: {first}"),
            Some(first) => format!("{node}: {first} (+{more} more)"),
        }
    }

    /// Stores a command's output in `var`, trailing whitespace removed.
    pub(crate) fn store(&self, var: &str, output: &str) {
        self.vars.set(var, output.trim_end());
    }
}

/// The builder methods and accessors of a command job type with a `base:
/// JobBase` field, a `commands` list of values with `describe()`, and a
/// `node_label()` method.
macro_rules! job_base_methods {
    ($ty:ident) => {
        impl $ty {
            /// Uses `vars` for captures and deferred commands (share one
            /// map between the jobs that exchange values).
            pub fn with_variables(mut self, vars: &$crate::vars::Variables) -> $ty {
                self.base.vars = vars.clone();
                self
            }

            /// Sets the label (default: `host: first command`, with the
            /// number of further commands).
            pub fn with_label(mut self, label: impl Into<String>) -> $ty {
                self.base.label = Some(label.into());
                self
            }

            /// The variables map.
            pub fn variables(&self) -> &$crate::vars::Variables {
                &self.base.vars
            }

            /// The label.
            pub fn label(&self) -> String {
                self.base.label(
                    self.node_label(),
                    self.commands.iter().map(|c| c.describe()),
                )
            }

            /// Checks the job as built: fails with [`Error::Template`](crate::Error::Template)
            /// for a malformed deferred template (or another problem found
            /// when a command was added). Running the job, or its graph,
            /// checks this first.
            pub fn check(&self) -> $crate::Result<()> {
                self.base.check()
            }
        }
    };
}

pub(crate) use job_base_methods;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_templates_and_problems() {
        let mut base = JobBase::default();
        let none = std::iter::empty::<String>;
        assert_eq!(base.label("r1", none()), "r1: (no command)");
        assert_eq!(base.label("r1", ["a".to_owned()].into_iter()), "r1: a");
        assert_eq!(
            base.label("r1", ["a", "b", "c"].map(str::to_owned).into_iter()),
            "r1: a (+2 more)"
        );
        let literal = base.template("echo {{x", false);
        assert_eq!(literal.text(), "echo {{x");
        assert!(base.check().is_ok(), "literal text is never parsed");
        let parsed = base.template("echo {{x}}", true);
        assert_eq!(parsed.variables().collect::<Vec<_>>(), ["x"]);
        base.template("echo {{x", true);
        base.template("echo {{}}", true);
        match base.check() {
            Err(Error::Template { template, .. }) => assert_eq!(template, "echo {{x"),
            other => panic!("{other:?}"),
        }
        base.label = Some("mine".into());
        assert_eq!(base.label("r1", none()), "mine");
        base.store("v", "out \r\n");
        assert_eq!(base.vars.get("v").as_deref(), Some("out"));
    }
}
