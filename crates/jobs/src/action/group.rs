//! Actions over host groups: [`Remote`], [`Local`], [`Put`], [`Get`].

use std::path::PathBuf;
use std::sync::Arc;

use super::{Action, Substitutions};
use crate::error::Result;
use crate::process::{Process, ProcessOptions, TaskFn};
use crate::ssh::{JobNode, SshNode};

fn addresses(nodes: &[SshNode]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n.host().address().to_owned())
        .collect()
}

/// A command on every node of a group (execo `Remote`): one
/// [`Process::ssh`] per node, each on the node's shared connection.
/// `{{{host}}}` and `{{list}}` in the command are [substituted](Substitutions)
/// per node.
///
/// ```no_run
/// use oxscript_jobs::action::Remote;
/// use oxscript_jobs::process::ProcessOptions;
/// # async fn demo(nodes: Vec<oxscript_jobs::ssh::SshNode>) -> oxscript_jobs::Result<()> {
/// let uname = Remote::new("uname -n; echo I am {{{host}}}", &nodes)
///     .options(ProcessOptions { ignore_exit_code: true, ..ProcessOptions::default() })
///     .build()?;
/// uname.run().await?;
/// for p in uname.processes() {
///     println!("{}: {}", p.host().unwrap_or("?"), p.stdout_text());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Remote {
    command: String,
    nodes: Vec<SshNode>,
    substitutions: Substitutions,
    options: ProcessOptions,
    pty: bool,
    name: Option<String>,
}

impl Remote {
    /// `command` on every node of `nodes`.
    pub fn new(command: impl Into<String>, nodes: &[SshNode]) -> Remote {
        Remote {
            command: command.into(),
            nodes: nodes.to_vec(),
            substitutions: Substitutions::new(),
            options: ProcessOptions::default(),
            pty: false,
            name: None,
        }
    }

    /// The named lists of `{{name}}` substitutions.
    pub fn substitutions(mut self, substitutions: Substitutions) -> Remote {
        self.substitutions = substitutions;
        self
    }

    /// The flags of every process (execo `process_args`).
    pub fn options(mut self, options: ProcessOptions) -> Remote {
        self.options = options;
        self
    }

    /// Runs each command on a pseudo-terminal.
    pub fn pty(mut self, on: bool) -> Remote {
        self.pty = on;
        self
    }

    /// The action's name (default: `remote: <command>`).
    pub fn name(mut self, name: impl Into<String>) -> Remote {
        self.name = Some(name.into());
        self
    }

    /// The action, one process per node. `Err` when a substitution fails.
    pub fn build(self) -> Result<Action> {
        let hosts = addresses(&self.nodes);
        let mut processes = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            let command = self.substitutions.apply(&self.command, &hosts, i)?;
            processes.push(
                Process::ssh(node, command)
                    .pty(self.pty)
                    .with_options(self.options.clone()),
            );
        }
        let name = self
            .name
            .unwrap_or_else(|| format!("remote: {}", self.command));
        Ok(Action::from_processes(name, processes))
    }
}

/// A command on this machine (execo `Local`): one [`Process::local`].
#[derive(Clone, Debug)]
pub struct Local {
    command: String,
    options: ProcessOptions,
    pty: bool,
}

impl Local {
    /// `command`, run with `sh -c`.
    pub fn new(command: impl Into<String>) -> Local {
        Local {
            command: command.into(),
            options: ProcessOptions::default(),
            pty: false,
        }
    }

    /// The process's flags.
    pub fn options(mut self, options: ProcessOptions) -> Local {
        self.options = options;
        self
    }

    /// Runs it on a pseudo-terminal.
    pub fn pty(mut self, on: bool) -> Local {
        self.pty = on;
        self
    }

    /// The action.
    pub fn build(self) -> Action {
        let process = Process::local(self.command.clone())
            .pty(self.pty)
            .with_options(self.options);
        Action::from_processes(format!("local: {}", self.command), vec![process])
    }
}

/// A file-transfer process of a node: the description, then the work.
fn transfer(
    node: &SshNode,
    description: String,
    work: TaskFn,
    options: &ProcessOptions,
) -> Process {
    Process::task(Some(node.name().to_owned()), description, work).with_options(options.clone())
}

/// Copies local files to a directory of every node (execo `Put`), over
/// SFTP on each node's shared connection; the directory is created if
/// needed. Paths are [substituted](Substitutions) per node. Each node's
/// copy is a process of the action (exit code 0 when every file arrived,
/// 1 with the error on stderr otherwise).
#[derive(Clone, Debug)]
pub struct Put {
    nodes: Vec<SshNode>,
    local_files: Vec<String>,
    remote_dir: String,
    substitutions: Substitutions,
    options: ProcessOptions,
}

impl Put {
    /// `local_files` into `remote_dir` (relative to the login directory
    /// unless absolute; `.` for the login directory) on every node.
    pub fn new<I, S>(nodes: &[SshNode], local_files: I, remote_dir: impl Into<String>) -> Put
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Put {
            nodes: nodes.to_vec(),
            local_files: local_files.into_iter().map(Into::into).collect(),
            remote_dir: remote_dir.into(),
            substitutions: Substitutions::new(),
            options: ProcessOptions::default(),
        }
    }

    /// The named lists of `{{name}}` substitutions.
    pub fn substitutions(mut self, substitutions: Substitutions) -> Put {
        self.substitutions = substitutions;
        self
    }

    /// The flags of every copy (a timeout, say).
    pub fn options(mut self, options: ProcessOptions) -> Put {
        self.options = options;
        self
    }

    /// The action, one copy per node. `Err` when a substitution fails.
    pub fn build(self) -> Result<Action> {
        let hosts = addresses(&self.nodes);
        let mut processes = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let locals: Vec<PathBuf> = self
                .local_files
                .iter()
                .map(|f| self.substitutions.apply(f, &hosts, i).map(PathBuf::from))
                .collect::<Result<_>>()?;
            let dir = self.substitutions.apply(&self.remote_dir, &hosts, i)?;
            let description = format!(
                "put {} -> {dir}",
                locals
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let target = JobNode::from(node);
            let what = description.clone();
            let work: TaskFn = Arc::new(move |out| {
                let (target, locals, dir, what) =
                    (target.clone(), locals.clone(), dir.clone(), what.clone());
                Box::pin(async move {
                    let done = target.push(&what, &locals, &dir).await?;
                    out.stdout(&format!("{} files, {} bytes\n", done.files, done.bytes));
                    Ok(())
                })
            });
            processes.push(transfer(node, description, work, &self.options));
        }
        Ok(Action::from_processes(
            format!("put -> {}", self.remote_dir),
            processes,
        ))
    }
}

/// Copies files of every node into a local directory (execo `Get`), over
/// SFTP on each node's shared connection; the directory is created if
/// needed. Paths are [substituted](Substitutions) per node: put
/// `{{{host}}}` in the local directory to keep the nodes' files apart.
#[derive(Clone, Debug)]
pub struct Get {
    nodes: Vec<SshNode>,
    remote_files: Vec<String>,
    local_dir: String,
    substitutions: Substitutions,
    options: ProcessOptions,
}

impl Get {
    /// `remote_files` of every node into `local_dir`.
    pub fn new<I, S>(nodes: &[SshNode], remote_files: I, local_dir: impl Into<String>) -> Get
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Get {
            nodes: nodes.to_vec(),
            remote_files: remote_files.into_iter().map(Into::into).collect(),
            local_dir: local_dir.into(),
            substitutions: Substitutions::new(),
            options: ProcessOptions::default(),
        }
    }

    /// The named lists of `{{name}}` substitutions.
    pub fn substitutions(mut self, substitutions: Substitutions) -> Get {
        self.substitutions = substitutions;
        self
    }

    /// The flags of every copy.
    pub fn options(mut self, options: ProcessOptions) -> Get {
        self.options = options;
        self
    }

    /// The action, one copy per node. `Err` when a substitution fails.
    pub fn build(self) -> Result<Action> {
        let hosts = addresses(&self.nodes);
        let mut processes = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let remotes: Vec<String> = self
                .remote_files
                .iter()
                .map(|f| self.substitutions.apply(f, &hosts, i))
                .collect::<Result<_>>()?;
            let dir = PathBuf::from(self.substitutions.apply(&self.local_dir, &hosts, i)?);
            let description = format!("get {} -> {}", remotes.join(" "), dir.display());
            let target = JobNode::from(node);
            let what = description.clone();
            let work: TaskFn = Arc::new(move |out| {
                let (target, remotes, dir, what) =
                    (target.clone(), remotes.clone(), dir.clone(), what.clone());
                Box::pin(async move {
                    let done = target.pull(&what, &remotes, &dir).await?;
                    out.stdout(&format!("{} files, {} bytes\n", done.files, done.bytes));
                    Ok(())
                })
            });
            processes.push(transfer(node, description, work, &self.options));
        }
        Ok(Action::from_processes(
            format!("get -> {}", self.local_dir),
            processes,
        ))
    }
}
