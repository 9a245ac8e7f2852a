//! [`LocalNode`]: commands of an [`SshJob`](super::SshJob) run on this
//! machine (apssh `LocalNode`).

use std::fmt;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use oxscript_transport::ssh::{ExecOutput, LineSplitter, OutputStream};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::target::{ScriptRun, with_args};
use super::util::{random_token, shell_word};
use crate::error::{Error, Result};
use crate::format::{SharedFormatter, send_line};

struct Inner {
    label: String,
    shell: String,
    timeout: Duration,
    formatter: Option<SharedFormatter>,
}

/// This machine, as a node of [`SshJob`](super::SshJob)s (apssh
/// `LocalNode`). Clones are handles to the same node.
///
/// Commands run with `sh -c` (see [`with_shell`](LocalNode::with_shell)),
/// stdin closed, with the same semantics as on an [`SshNode`](super::SshNode):
/// output lines go to the node's formatter as they arrive, a status
/// outside the allowed exits fails the job, stdout can be captured, and
/// [scripts](super::Script) are copied with their includes into a
/// temporary directory that is removed afterwards. File transfers ([`Push`](super::Push),
/// [`Pull`](super::Pull)) need an SSH node.
///
/// ```
/// use oxscript_jobs::ssh::{LocalNode, SshJob};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> oxscript_jobs::Result<()> {
/// let local = LocalNode::new();
/// let job = SshJob::new(&local).capture("echo hello", "greeting");
/// job.execute().await?;
/// assert_eq!(job.variables().get("greeting").as_deref(), Some("hello"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LocalNode(Arc<Inner>);

impl fmt::Debug for LocalNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalNode")
            .field("label", &self.0.label)
            .field("shell", &self.0.shell)
            .field("timeout", &self.0.timeout)
            .field("formatter", &self.0.formatter.is_some())
            .finish()
    }
}

impl Default for LocalNode {
    fn default() -> Self {
        LocalNode::new()
    }
}

impl LocalNode {
    /// A local node labelled `localhost`, running commands with `sh -c`,
    /// each within 10 minutes, without formatter.
    pub fn new() -> LocalNode {
        LocalNode(Arc::new(Inner {
            label: "localhost".to_owned(),
            shell: "sh".to_owned(),
            timeout: Duration::from_secs(600),
            formatter: None,
        }))
    }

    fn map(self, f: impl FnOnce(&mut Inner)) -> LocalNode {
        let mut inner = Inner {
            label: self.0.label.clone(),
            shell: self.0.shell.clone(),
            timeout: self.0.timeout,
            formatter: self.0.formatter.clone(),
        };
        f(&mut inner);
        LocalNode(Arc::new(inner))
    }

    /// Sets the label of output lines and errors (default `localhost`).
    pub fn with_label(self, label: impl Into<String>) -> LocalNode {
        let label = label.into();
        self.map(|i| i.label = label)
    }

    /// Sets where output lines go.
    pub fn with_formatter(self, formatter: SharedFormatter) -> LocalNode {
        self.map(|i| i.formatter = Some(formatter))
    }

    /// Sets the shell commands run with (`<shell> -c <command>`; default `sh`).
    pub fn with_shell(self, shell: impl Into<String>) -> LocalNode {
        let shell = shell.into();
        self.map(|i| i.shell = shell)
    }

    /// Sets how long a command may take when it sets no timeout of its own.
    pub fn with_timeout(self, timeout: Duration) -> LocalNode {
        self.map(|i| i.timeout = timeout)
    }

    /// The label.
    pub fn label(&self) -> &str {
        &self.0.label
    }

    /// The formatter, if any.
    pub fn formatter(&self) -> Option<&SharedFormatter> {
        self.0.formatter.as_ref()
    }

    /// Runs `command` and collects its output and status; lines go to
    /// `formatter` as they arrive. The exit status is not judged here.
    pub(crate) async fn exec(
        &self,
        command: &str,
        timeout: Option<Duration>,
        formatter: Option<&SharedFormatter>,
    ) -> Result<ExecOutput> {
        let label = &self.0.label;
        let mut child = tokio::process::Command::new(&self.0.shell)
            .arg("-c")
            .arg(command)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                Error::io(
                    format!("starting `{command}` on {label} with {}", self.0.shell),
                    e,
                )
            })?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let limit = timeout.unwrap_or(self.0.timeout);
        let work = async {
            let (out, err) = tokio::join!(
                read_all(stdout, OutputStream::Stdout, label, formatter),
                read_all(stderr, OutputStream::Stderr, label, formatter),
            );
            let status = child.wait().await;
            (out, err, status)
        };
        let (out, err, status) = match tokio::time::timeout(limit, work).await {
            Ok(done) => done,
            Err(_) => {
                // kill_on_drop ends the process with `child`.
                return Err(Error::msg(format!(
                    "command `{command}` on {label} did not finish within {limit:?}"
                )));
            }
        };
        let read = |what: &str, e: std::io::Error| {
            Error::io(format!("reading the {what} of `{command}` on {label}"), e)
        };
        let stdout = out.map_err(|e| read("stdout", e))?;
        let stderr = err.map_err(|e| read("stderr", e))?;
        let status = status.map_err(|e| read("exit status", e))?;
        Ok(ExecOutput {
            stdout,
            stderr,
            exit_status: status.code().map(|c| c as u32),
            exit_signal: signal_of(&status),
        })
    }

    /// Copies a script and its includes into a fresh temporary directory,
    /// runs it, removes the directory.
    pub(crate) async fn run_script(&self, script: &ScriptRun<'_>) -> Result<(String, ExecOutput)> {
        let dir = std::env::temp_dir().join(format!("oxscript-local-{}", random_token()));
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let result = self.install_and_run(&dir, script).await;
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await {
            tracing::debug!(dir = %dir.display(), error = %e, "removing a script directory");
        }
        result
    }

    async fn install_and_run(
        &self,
        dir: &Path,
        run: &ScriptRun<'_>,
    ) -> Result<(String, ExecOutput)> {
        for include in run.includes {
            let Some(file_name) = include.file_name() else {
                return Err(Error::msg(format!(
                    "include `{}` has no file name",
                    include.display()
                )));
            };
            let target = dir.join(file_name);
            tokio::fs::copy(include, &target).await.map_err(|e| {
                Error::io(
                    format!("copying {} to {}", include.display(), target.display()),
                    e,
                )
            })?;
        }
        let script = dir.join(run.name);
        tokio::fs::write(&script, run.content)
            .await
            .map_err(|e| Error::io(format!("writing {}", script.display()), e))?;
        make_executable(&script).await?;
        let command = with_args(shell_word(&script.display().to_string()), run.args);
        let output = self.exec(&command, run.timeout, run.formatter).await?;
        Ok((command, output))
    }
}

async fn read_all(
    stream: Option<impl AsyncRead + Unpin>,
    which: OutputStream,
    label: &str,
    formatter: Option<&SharedFormatter>,
) -> std::io::Result<Vec<u8>> {
    let Some(mut stream) = stream else {
        return Ok(Vec::new());
    };
    let mut all = Vec::new();
    let mut lines = LineSplitter::default();
    let mut buf = vec![0u8; 8192];
    let emit = |line: &str| {
        if let Some(f) = formatter {
            send_line(&**f, label, which, line);
        }
    };
    loop {
        let n = stream.read(&mut buf).await?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            break;
        };
        lines.feed(chunk, emit);
        all.extend_from_slice(chunk);
    }
    lines.finish(emit);
    Ok(all)
}

#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    status.signal().map(|s| s.to_string())
}

#[cfg(not(unix))]
fn signal_of(_status: &std::process::ExitStatus) -> Option<String> {
    None
}

#[cfg(unix)]
async fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .await
        .map_err(|e| Error::io(format!("making {} executable", path.display()), e))
}

#[cfg(not(unix))]
async fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::CaptureFormatter;

    #[tokio::test]
    async fn output_status_and_lines() {
        let capture = Arc::new(CaptureFormatter::new());
        let node = LocalNode::new()
            .with_label("here")
            .with_formatter(capture.clone())
            .with_timeout(Duration::from_secs(30));
        assert_eq!(node.label(), "here");
        let out = node
            .exec(
                "printf 'a\\nb'; echo oops >&2; exit 3",
                None,
                node.formatter(),
            )
            .await
            .unwrap();
        assert_eq!(out.stdout, b"a\nb");
        assert_eq!(out.stderr, b"oops\n");
        assert_eq!(out.exit_status, Some(3));
        assert_eq!(out.exit_signal, None);
        assert_eq!(out.status_text(), "status 3");
        assert!(out.allows(&[3]) && !out.success());
        let mut lines = capture.lines_of("here");
        lines.sort();
        assert_eq!(lines, ["a", "b", "oops"]);
        assert!(format!("{node:?}").contains("here"));
    }

    #[tokio::test]
    async fn timeouts_and_missing_shells_are_errors() {
        let node = LocalNode::new();
        let err = node
            .exec("sleep 5", Some(Duration::from_millis(50)), None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("did not finish within"), "{err}");
        let err = LocalNode::new()
            .with_shell("/nonexistent/shell")
            .exec("true", None, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/shell"), "{err}");
    }
}
