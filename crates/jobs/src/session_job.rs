//! [`SessionJob`]: a list of commands run on a [`Node`], as a graph job
//! (apssh's `SshJob`, for any protocol).
//!
//! ```no_run
//! use oxscript_jobs::graph::{Scheduler, Sequence};
//! use oxscript_jobs::node::Node;
//! use oxscript_jobs::session_job::SessionJob;
//! use oxscript_jobs::vars::Variables;
//!
//! # async fn demo() -> oxscript_jobs::Result<()> {
//! let vars = Variables::new();
//! let r1 = Node::from_url("telnet://admin:secret@r1")?;
//! let r2 = Node::from_url("telnet://admin:secret@r2")?;
//! let scheduler = Scheduler::new();
//! scheduler.add_sequence(&Sequence::new([
//!     // Store r1's loopback address in the variable `lo`...
//!     SessionJob::new(&r1)
//!         .capture("show run | include ip address 10.255", "lo")
//!         .with_variables(&vars)
//!         .into_job(),
//!     // ...and use it on r2 once it is known.
//!     SessionJob::new(&r2)
//!         .run_deferred("ping {{lo}}")
//!         .with_variables(&vars)
//!         .into_job(),
//! ]));
//! scheduler.run().await?;
//! # Ok(()) }
//! ```

use std::fmt;

use crate::error::Result;
use crate::graph::Job;
use crate::job_base::{JobBase, job_base_methods};
use crate::node::Node;
use crate::value::Value;
use crate::vars::Template;

/// One step of a [`SessionJob`].
///
/// Scripts, file transfers and remote commands with exit codes run on SSH
/// exec channels instead: see [`SshJob`](crate::ssh::SshJob) and its
/// [`SshCommand`](crate::ssh::SshCommand). Match with a wildcard arm.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Runs a command ([`Session::execute`](oxscript_transport::Session::execute)).
    Run(String),
    /// Runs a command (first field) and stores its output, trailing
    /// whitespace removed, in a variable (second field).
    Capture(String, String),
    /// Runs a [template](crate::vars::Template) rendered from the job's
    /// variables when its turn comes; a variable without value fails the
    /// job. The template is parsed when the command is added: a malformed
    /// one is reported before anything runs.
    RunDeferred(String),
}

impl Command {
    /// How the command shows in labels.
    pub fn describe(&self) -> String {
        match self {
            Command::Run(c) => c.clone(),
            Command::Capture(c, var) => format!("{c} > {{{{{var}}}}}"),
            Command::RunDeferred(t) => t.clone(),
        }
    }
}

/// Commands run one after the other on a node's shared connection; see
/// the [module docs](self).
///
/// The output lines of each command go to the node's
/// [formatter](crate::node::NodeOptions::formatter). As a graph job
/// ([`into_job`](SessionJob::into_job)) its result is the list of the
/// commands' outputs; the first failing command fails the job.
#[derive(Clone)]
pub struct SessionJob {
    node: Node,
    commands: Vec<Command>,
    /// What each command sends, parsed when it was added.
    texts: Vec<Template>,
    base: JobBase,
}

impl fmt::Debug for SessionJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionJob")
            .field("node", &self.node.name())
            .field("commands", &self.commands)
            .field("label", &self.base.label)
            .finish_non_exhaustive()
    }
}

job_base_methods!(SessionJob);

impl SessionJob {
    /// An empty job on `node`, with a variables map of its own.
    pub fn new(node: &Node) -> SessionJob {
        SessionJob {
            node: node.clone(),
            commands: Vec::new(),
            texts: Vec::new(),
            base: JobBase::default(),
        }
    }

    /// Adds a [`Command::Run`].
    pub fn run(self, command: impl Into<String>) -> SessionJob {
        self.command(Command::Run(command.into()))
    }

    /// Adds a [`Command::Capture`]: runs `command`, stores its output in `var`.
    pub fn capture(self, command: impl Into<String>, var: impl Into<String>) -> SessionJob {
        self.command(Command::Capture(command.into(), var.into()))
    }

    /// Adds a [`Command::RunDeferred`].
    pub fn run_deferred(self, template: impl Into<String>) -> SessionJob {
        self.command(Command::RunDeferred(template.into()))
    }

    /// Adds any command.
    pub fn command(mut self, command: Command) -> SessionJob {
        let text = match &command {
            Command::Run(c) | Command::Capture(c, _) => self.base.template(c, false),
            Command::RunDeferred(t) => self.base.template(t, true),
        };
        self.commands.push(command);
        self.texts.push(text);
        self
    }

    /// Adds several commands.
    pub fn commands(self, commands: impl IntoIterator<Item = Command>) -> SessionJob {
        commands.into_iter().fold(self, SessionJob::command)
    }

    /// The commands.
    pub fn command_list(&self) -> &[Command] {
        &self.commands
    }

    /// The node.
    pub fn node(&self) -> &Node {
        &self.node
    }

    fn node_label(&self) -> &str {
        self.node.name()
    }

    /// Runs the commands now, on the node's connection (opened if needed;
    /// a reused connection the device closed meanwhile is reopened, see
    /// [`NodeSession::execute`](crate::node::NodeSession::execute));
    /// returns their outputs as a [`Value::List`] of texts.
    pub async fn execute(&self) -> Result<Value> {
        self.check()?;
        let mut session = self.node.session().await?;
        let formatter = self.node.options().formatter.clone();
        let host = self.node.name();
        let mut outputs = Vec::with_capacity(self.commands.len());
        for (command, text) in self.commands.iter().zip(&self.texts) {
            let text = text.render(&self.base.vars)?;
            let response = session.execute(&text).await?;
            if let Some(formatter) = &formatter {
                for line in response.lines() {
                    formatter.line(host, line);
                }
            }
            if let Command::Capture(_, var) = command {
                self.base.store(var, response.text());
            }
            outputs.push(Value::Text(response.text().to_owned()));
        }
        Ok(Value::List(outputs))
    }

    /// A graph job running [`execute`](SessionJob::execute). The scheduler
    /// that runs it closes the node's connection once no job of its run
    /// needs it any more (unless the node keeps it). A malformed deferred
    /// template fails the graph's check, before anything runs.
    pub fn into_job(self) -> Job {
        let label = self.label();
        let node = self.node.clone();
        let job = Job::new_checked(label, self.base.problem.clone(), move || {
            let this = self.clone();
            async move { this.execute().await }
        });
        job.attach(node.attachment());
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_commands() {
        let node = Node::from_url("telnet://r1").unwrap();
        let job = SessionJob::new(&node);
        assert_eq!(job.label(), "r1: (no command)");
        let job = job.run("show version");
        assert_eq!(job.label(), "r1: show version");
        let job = job
            .capture("show clock", "clock")
            .run_deferred("ping {{peer}}");
        assert_eq!(job.label(), "r1: show version (+2 more)");
        assert_eq!(
            job.command_list(),
            [
                Command::Run("show version".into()),
                Command::Capture("show clock".into(), "clock".into()),
                Command::RunDeferred("ping {{peer}}".into()),
            ]
        );
        assert_eq!(job.command_list()[1].describe(), "show clock > {{clock}}");
        let job = job.with_label("probe");
        assert_eq!(job.label(), "probe");
        assert_eq!(job.node().name(), "r1");
        assert!(job.variables().is_empty());
        assert!(format!("{job:?}").contains("probe"));
        assert!(job.check().is_ok());
    }

    #[tokio::test]
    async fn malformed_templates_are_found_when_the_job_is_built() {
        let node = Node::from_url("telnet://127.0.0.1:1").unwrap();
        let job = SessionJob::new(&node)
            .run("show {{ not a template")
            .commands([Command::RunDeferred("ping {{peer".into())]);
        match job.check() {
            Err(crate::Error::Template { template, reason }) => {
                assert_eq!(template, "ping {{peer");
                assert!(reason.contains("never closed"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // Running it fails the same way, before connecting.
        let err = job.execute().await.unwrap_err();
        assert!(matches!(err, crate::Error::Template { .. }), "{err}");
        assert_eq!(node.connections_opened(), 0);
        // In a graph, the check fails before any job runs.
        let scheduler = crate::graph::Scheduler::new();
        scheduler.add(job.into_job());
        let err = scheduler.check().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("job `127.0.0.1: show {{ not a template (+1 more)` cannot run: invalid template `ping {{peer`"),
            "{err}"
        );
    }
}
