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

/// One node's file copy.
#[derive(Clone)]
enum NodeCopy {
    /// Local files into a remote directory.
    Push(Vec<PathBuf>, String),
    /// Remote files into a local directory.
    Pull(Vec<String>, PathBuf),
}

impl NodeCopy {
    fn description(&self) -> String {
        match self {
            NodeCopy::Push(locals, dir) => {
                let names: Vec<String> = locals.iter().map(|p| p.display().to_string()).collect();
                format!("put {} -> {dir}", names.join(" "))
            }
            NodeCopy::Pull(remotes, dir) => {
                format!("get {} -> {}", remotes.join(" "), dir.display())
            }
        }
    }
}

/// An action of one copy process per node (exit code 0 with
/// `F files, N bytes` on stdout, or 1 with the error on stderr).
fn copies(
    name: String,
    nodes: &[SshNode],
    options: &ProcessOptions,
    mut plan: impl FnMut(usize) -> Result<NodeCopy>,
) -> Result<Action> {
    let mut processes = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let copy = plan(i)?;
        let description = copy.description();
        let (target, what) = (JobNode::from(node), description.clone());
        let work: TaskFn = Arc::new(move |out| {
            let (target, copy, what) = (target.clone(), copy.clone(), what.clone());
            Box::pin(async move {
                let done = match &copy {
                    NodeCopy::Push(locals, dir) => target.push(&what, locals, dir).await?,
                    NodeCopy::Pull(remotes, dir) => target.pull(&what, remotes, dir).await?,
                };
                out.stdout(&format!("{} files, {} bytes\n", done.files, done.bytes));
                Ok(())
            })
        });
        processes.push(
            Process::task(Some(node.name().to_owned()), description, work)
                .with_options(options.clone()),
        );
    }
    Ok(Action::from_processes(name, processes))
}

/// What [`Put`] and [`Get`] share: the nodes, the files and directory
/// (substituted per node), the flags of each copy.
#[derive(Clone, Debug)]
struct Copies {
    nodes: Vec<SshNode>,
    files: Vec<String>,
    dir: String,
    substitutions: Substitutions,
    options: ProcessOptions,
}

impl Copies {
    fn new<I, S>(nodes: &[SshNode], files: I, dir: String) -> Copies
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Copies {
            nodes: nodes.to_vec(),
            files: files.into_iter().map(Into::into).collect(),
            dir,
            substitutions: Substitutions::new(),
            options: ProcessOptions::default(),
        }
    }

    /// The action: the files and directory substituted for each node,
    /// then made into that node's copy by `copy`.
    fn build(
        &self,
        name: String,
        copy: impl Fn(Vec<String>, String) -> NodeCopy,
    ) -> Result<Action> {
        let hosts = addresses(&self.nodes);
        let subs = &self.substitutions;
        copies(name, &self.nodes, &self.options, |i| {
            let files = self
                .files
                .iter()
                .map(|f| subs.apply(f, &hosts, i))
                .collect::<Result<_>>()?;
            Ok(copy(files, subs.apply(&self.dir, &hosts, i)?))
        })
    }
}

/// The setters [`Put`] and [`Get`] share.
macro_rules! copy_setters {
    ($name:ident) => {
        impl $name {
            /// The named lists of `{{name}}` substitutions.
            pub fn substitutions(mut self, substitutions: Substitutions) -> $name {
                self.0.substitutions = substitutions;
                self
            }

            /// The flags of every copy (a timeout, say).
            pub fn options(mut self, options: ProcessOptions) -> $name {
                self.0.options = options;
                self
            }
        }
    };
}

/// Copies local files to a directory of every node (execo `Put`), over
/// SFTP on each node's shared connection; the directory is created if
/// needed. Paths are [substituted](Substitutions) per node. Each node's
/// copy is a process of the action (exit code 0 when every file arrived,
/// 1 with the error on stderr otherwise).
#[derive(Clone, Debug)]
pub struct Put(Copies);

copy_setters!(Put);

impl Put {
    /// `local_files` into `remote_dir` (relative to the login directory
    /// unless absolute; `.` for the login directory) on every node.
    pub fn new<I, S>(nodes: &[SshNode], local_files: I, remote_dir: impl Into<String>) -> Put
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Put(Copies::new(nodes, local_files, remote_dir.into()))
    }

    /// The action, one copy per node. `Err` when a substitution fails.
    pub fn build(self) -> Result<Action> {
        self.0
            .build(format!("put -> {}", self.0.dir), |locals, dir| {
                NodeCopy::Push(locals.into_iter().map(PathBuf::from).collect(), dir)
            })
    }
}

/// Copies files of every node into a local directory (execo `Get`), over
/// SFTP on each node's shared connection; the directory is created if
/// needed. Paths are [substituted](Substitutions) per node: put
/// `{{{host}}}` in the local directory to keep the nodes' files apart.
#[derive(Clone, Debug)]
pub struct Get(Copies);

copy_setters!(Get);

impl Get {
    /// `remote_files` of every node into `local_dir`.
    pub fn new<I, S>(nodes: &[SshNode], remote_files: I, local_dir: impl Into<String>) -> Get
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Get(Copies::new(nodes, remote_files, local_dir.into()))
    }

    /// The action, one copy per node. `Err` when a substitution fails.
    pub fn build(self) -> Result<Action> {
        self.0
            .build(format!("get -> {}", self.0.dir), |remotes, dir| {
                NodeCopy::Pull(remotes, PathBuf::from(dir))
            })
    }
}
