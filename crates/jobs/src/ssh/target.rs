//! [`JobNode`]: where an [`SshJob`](super::SshJob) runs, an SSH node or
//! this machine, and what it does there.

use std::path::{Path, PathBuf};
use std::time::Duration;

use oxscript_transport::ssh::{ExecOutput, OutputStream, SshConnection, Transfer};

use super::local::LocalNode;
use super::node::SshNode;
use super::util::{random_token, shell_word};
use crate::error::{Error, Result};
use crate::format::{SharedFormatter, send_line};
use crate::graph::Attachment;

/// The remote directory scripts are copied under (relative to the login
/// directory, like apssh's `~/.apssh-remote`).
pub(crate) const REMOTE_SCRIPT_DIR: &str = ".oxscript-remote";

/// A script to copy to a node and run ([`Script`](super::Script)).
pub(crate) struct ScriptRun<'a> {
    /// Its file name on the node.
    pub(crate) name: &'a str,
    /// Its content.
    pub(crate) content: &'a [u8],
    /// Local files copied beside it.
    pub(crate) includes: &'a [PathBuf],
    /// The arguments, joined with spaces.
    pub(crate) args: &'a str,
    /// How long it may run.
    pub(crate) timeout: Option<Duration>,
    /// Where its output lines go.
    pub(crate) formatter: Option<&'a SharedFormatter>,
}

/// The node of an [`SshJob`](super::SshJob): a remote host over SSH or
/// this machine. Made from either with `From`, so `SshJob::new(&node)`
/// takes both.
#[derive(Clone, Debug)]
pub enum JobNode {
    /// A host over SSH.
    Ssh(SshNode),
    /// This machine.
    Local(LocalNode),
}

impl From<SshNode> for JobNode {
    fn from(n: SshNode) -> JobNode {
        JobNode::Ssh(n)
    }
}

impl From<&SshNode> for JobNode {
    fn from(n: &SshNode) -> JobNode {
        JobNode::Ssh(n.clone())
    }
}

impl From<LocalNode> for JobNode {
    fn from(n: LocalNode) -> JobNode {
        JobNode::Local(n)
    }
}

impl From<&LocalNode> for JobNode {
    fn from(n: &LocalNode) -> JobNode {
        JobNode::Local(n.clone())
    }
}

impl JobNode {
    /// The label of output lines and errors: the host's name, or the local
    /// node's label.
    pub fn label(&self) -> &str {
        match self {
            JobNode::Ssh(n) => n.name(),
            JobNode::Local(n) => n.label(),
        }
    }

    /// The SSH node, if this is one.
    pub fn as_ssh(&self) -> Option<&SshNode> {
        match self {
            JobNode::Ssh(n) => Some(n),
            JobNode::Local(_) => None,
        }
    }

    /// The node as the attachment a scheduler run claims and closes
    /// (none for this machine).
    pub(crate) fn attachment(&self) -> Option<std::sync::Arc<dyn Attachment>> {
        self.as_ssh().map(SshNode::attachment)
    }

    /// The node's formatter, if any.
    pub fn formatter(&self) -> Option<&SharedFormatter> {
        match self {
            JobNode::Ssh(n) => n.options().formatter.as_ref(),
            JobNode::Local(n) => n.formatter(),
        }
    }

    /// Runs `command`: output lines go to `formatter` as they arrive; the
    /// status is not judged here.
    pub(crate) async fn exec(
        &self,
        command: &str,
        timeout: Option<Duration>,
        formatter: Option<&SharedFormatter>,
    ) -> Result<ExecOutput> {
        match self {
            JobNode::Local(local) => local.exec(command, timeout, formatter).await,
            JobNode::Ssh(node) => {
                let conn = node.connection().await?;
                ssh_exec(&conn, node, command, timeout, formatter).await
            }
        }
    }

    /// Copies a script and its includes to the node, runs it, removes
    /// it. Returns the command line that ran and its output.
    pub(crate) async fn run_script(&self, script: &ScriptRun<'_>) -> Result<(String, ExecOutput)> {
        match self {
            JobNode::Local(local) => local.run_script(script).await,
            JobNode::Ssh(node) => {
                let conn = node.connection().await?;
                let dir = format!("{REMOTE_SCRIPT_DIR}/{}", random_token());
                let result = match upload(&conn, node, &dir, script).await {
                    Ok(path) => {
                        let line = with_args(shell_word(&path), script.args);
                        // The command removes the directory itself, keeping
                        // the script's status: no second round trip.
                        let command =
                            format!("{line}; rc=$?; rm -rf {}; exit $rc", shell_word(&dir));
                        ssh_exec(&conn, node, &command, script.timeout, script.formatter)
                            .await
                            .map(|output| (line, output))
                    }
                    Err(e) => Err(e),
                };
                if result.is_err() {
                    // The upload failed half way, or the command did not
                    // complete (timeout, lost connection): remove apart.
                    remove_dir(&conn, node, &dir).await;
                }
                result
            }
        }
    }

    /// Copies local paths into a remote directory (created if needed).
    pub(crate) async fn push(
        &self,
        what: &str,
        locals: &[PathBuf],
        remote_dir: &str,
    ) -> Result<Transfer> {
        let JobNode::Ssh(node) = self else {
            return Err(self.unsupported(what));
        };
        let conn = node.connection().await?;
        let sftp = conn.sftp().await?;
        let result = async {
            sftp.mkdir_p(remote_dir).await?;
            let mut total = Transfer::default();
            for local in locals {
                add(&mut total, sftp.put(local, remote_dir).await?);
            }
            Ok::<_, Error>(total)
        }
        .await;
        close_sftp(sftp, node).await;
        result
    }

    /// Copies remote paths into a local directory (created if needed).
    pub(crate) async fn pull(
        &self,
        what: &str,
        remotes: &[String],
        local_dir: &Path,
    ) -> Result<Transfer> {
        let JobNode::Ssh(node) = self else {
            return Err(self.unsupported(what));
        };
        tokio::fs::create_dir_all(local_dir)
            .await
            .map_err(|e| Error::io(format!("creating {}", local_dir.display()), e))?;
        let conn = node.connection().await?;
        let sftp = conn.sftp().await?;
        let result = async {
            let mut total = Transfer::default();
            for remote in remotes {
                add(&mut total, sftp.get(remote, local_dir).await?);
            }
            Ok::<_, Error>(total)
        }
        .await;
        close_sftp(sftp, node).await;
        result
    }

    fn unsupported(&self, what: &str) -> Error {
        Error::Unsupported {
            command: what.to_owned(),
            node: self.label().to_owned(),
            reason: "file transfers need an SSH node".to_owned(),
        }
    }
}

fn add(total: &mut Transfer, t: Transfer) {
    total.files += t.files;
    total.directories += t.directories;
    total.bytes += t.bytes;
}

async fn close_sftp(sftp: oxscript_transport::ssh::Sftp, node: &SshNode) {
    if let Err(e) = sftp.close().await {
        tracing::debug!(node = %node.name(), error = %e, "closing an sftp session");
    }
}

/// Runs `command` on `conn`, sending its lines to `formatter`.
async fn ssh_exec(
    conn: &SshConnection,
    node: &SshNode,
    command: &str,
    timeout: Option<Duration>,
    formatter: Option<&SharedFormatter>,
) -> Result<ExecOutput> {
    let mut exec = conn.exec(command);
    if let Some(t) = timeout {
        exec = exec.timeout(t);
    }
    if let Some(formatter) = formatter {
        let (formatter, label) = (formatter.clone(), node.name().to_owned());
        exec = exec.on_line(move |stream: OutputStream, line: &str| {
            send_line(&*formatter, &label, stream, line)
        });
    }
    Ok(exec.run().await?)
}

/// `line` followed by `args` (already joined), if any.
pub(crate) fn with_args(line: String, args: &str) -> String {
    if args.is_empty() {
        line
    } else {
        format!("{line} {args}")
    }
}

/// Removes a script directory with a command of its own (best effort).
async fn remove_dir(conn: &SshConnection, node: &SshNode, dir: &str) {
    match conn.exec(format!("rm -rf {}", shell_word(dir))).run().await {
        Ok(out) if out.success() => {}
        Ok(out) => {
            tracing::debug!(node = %node.name(), dir, status = %out.status_text(), "removing a script directory")
        }
        Err(e) => {
            tracing::debug!(node = %node.name(), dir, error = %e, "removing a script directory")
        }
    }
}

/// Copies the script (mode 755) and its includes into `dir`; returns the
/// script's path.
async fn upload(
    conn: &SshConnection,
    node: &SshNode,
    dir: &str,
    run: &ScriptRun<'_>,
) -> Result<String> {
    let sftp = conn.sftp().await?;
    let script = format!("{dir}/{}", run.name);
    let upload = async {
        sftp.mkdir_p(dir).await?;
        for include in run.includes {
            let file_name = include
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| {
                    Error::msg(format!(
                        "include `{}` has no UTF-8 file name",
                        include.display()
                    ))
                })?;
            sftp.put_file(include, &format!("{dir}/{file_name}"))
                .await?;
        }
        sftp.put_string(run.content, &script, 0o755).await?;
        Ok::<_, Error>(())
    }
    .await;
    close_sftp(sftp, node).await;
    upload.map(|()| script)
}
