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
use crate::node::Node;
use crate::value::Value;
use crate::vars::Variables;

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
    /// Renders a template from the job's variables when its turn comes,
    /// then runs it; a variable without value fails the job.
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
    vars: Variables,
    label: Option<String>,
}

impl fmt::Debug for SessionJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionJob")
            .field("node", &self.node.name())
            .field("commands", &self.commands)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl SessionJob {
    /// An empty job on `node`, with a variables map of its own.
    pub fn new(node: &Node) -> SessionJob {
        SessionJob {
            node: node.clone(),
            commands: Vec::new(),
            vars: Variables::new(),
            label: None,
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
        self.commands.push(command);
        self
    }

    /// Adds several commands.
    pub fn commands(mut self, commands: impl IntoIterator<Item = Command>) -> SessionJob {
        self.commands.extend(commands);
        self
    }

    /// Uses `vars` for captures and deferred commands (share one map
    /// between the jobs that exchange values).
    pub fn with_variables(mut self, vars: &Variables) -> SessionJob {
        self.vars = vars.clone();
        self
    }

    /// Sets the label (default: `host: first command`, with the number of
    /// further commands).
    pub fn with_label(mut self, label: impl Into<String>) -> SessionJob {
        self.label = Some(label.into());
        self
    }

    /// The commands.
    pub fn command_list(&self) -> &[Command] {
        &self.commands
    }

    /// The node.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The variables map.
    pub fn variables(&self) -> &Variables {
        &self.vars
    }

    /// The label.
    pub fn label(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let name = self.node.name();
        match self.commands.as_slice() {
            [] => format!("{name}: (no command)"),
            [one] => format!("{name}: {}", one.describe()),
            [first, rest @ ..] => format!("{name}: {} (+{} more)", first.describe(), rest.len()),
        }
    }

    /// Runs the commands now, on the node's connection (opened if needed);
    /// returns their outputs as a [`Value::List`] of texts.
    pub async fn execute(&self) -> Result<Value> {
        let mut session = self.node.session().await?;
        let formatter = self.node.options().formatter.clone();
        let host = self.node.name();
        let mut outputs = Vec::with_capacity(self.commands.len());
        for (i, command) in self.commands.iter().enumerate() {
            let (text, capture) = match command {
                Command::Run(c) => (c.clone(), None),
                Command::Capture(c, var) => (c.clone(), Some(var)),
                Command::RunDeferred(template) => (self.vars.render(template)?, None),
            };
            let response = match session.execute(&text).await {
                Ok(r) => r,
                // A reused connection the device closed since its last use
                // (noticed only now): reconnect once and try again.
                Err(e) if i == 0 && !session.is_fresh() && is_closed(&e) => {
                    drop(session);
                    self.node.close().await;
                    session = self.node.session().await?;
                    session.execute(&text).await?
                }
                Err(e) => return Err(e.into()),
            };
            if let Some(formatter) = &formatter {
                for line in response.lines() {
                    formatter.line(host, line);
                }
            }
            if let Some(var) = capture {
                self.vars.set(var.clone(), response.text().trim_end());
            }
            outputs.push(Value::Text(response.text().to_owned()));
        }
        Ok(Value::List(outputs))
    }

    /// A graph job running [`execute`](SessionJob::execute). The scheduler
    /// that runs it closes the node's connection at the end of its run
    /// (unless the node keeps it).
    pub fn into_job(self) -> Job {
        let label = self.label();
        let node = self.node.clone();
        let job = Job::new(label, move || {
            let this = self.clone();
            async move { this.execute().await }
        });
        job.attach_node(node);
        job
    }
}

fn is_closed(e: &oxscript_transport::Error) -> bool {
    matches!(
        e,
        oxscript_transport::Error::ConnectionClosed { .. }
            | oxscript_transport::Error::Closed { .. }
    )
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
    }
}
