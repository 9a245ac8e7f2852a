//! Remote commands on exec channels: output, exit status, streaming lines.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use russh::ChannelMsg;
use tokio::sync::mpsc;

use super::SshConnection;
use crate::error::{Expected, Tail};
use crate::{Error, Result};

/// Which output stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// What a remote command produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// The exit status, if the server sent one (some network devices never do).
    pub exit_status: Option<u32>,
    /// The signal that killed the command (e.g. `TERM`), if any.
    pub exit_signal: Option<String>,
}

impl ExecOutput {
    /// stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Exit status 0 and no signal.
    pub fn success(&self) -> bool {
        self.exit_status == Some(0) && self.exit_signal.is_none()
    }

    /// Whether the command exited (no signal) with one of `codes`.
    ///
    /// ```
    /// use oxscript_transport::ssh::ExecOutput;
    ///
    /// let out = ExecOutput { exit_status: Some(1), ..ExecOutput::default() };
    /// assert!(out.allows(&[0, 1]) && !out.allows(&[0]));
    /// let killed = ExecOutput { exit_signal: Some("TERM".into()), ..ExecOutput::default() };
    /// assert!(!killed.allows(&[0]));
    /// ```
    pub fn allows(&self, codes: &[u32]) -> bool {
        self.exit_signal.is_none() && self.exit_status.is_some_and(|s| codes.contains(&s))
    }

    /// How the command ended, as errors word it: `status N`, `signal X`,
    /// or `no exit status` (some network devices never send one).
    ///
    /// ```
    /// use oxscript_transport::ssh::ExecOutput;
    ///
    /// let out = ExecOutput { exit_status: Some(3), ..ExecOutput::default() };
    /// assert_eq!(out.status_text(), "status 3");
    /// assert_eq!(ExecOutput::default().status_text(), "no exit status");
    /// ```
    pub fn status_text(&self) -> String {
        match (&self.exit_signal, self.exit_status) {
            (Some(signal), _) => format!("signal {signal}"),
            (None, Some(code)) => format!("status {code}"),
            (None, None) => "no exit status".to_owned(),
        }
    }
}

/// Splits a byte stream into lines, joining lines split across reads or
/// packets (how [`Exec::on_line`] sees output; usable for any stream).
///
/// ```
/// use oxscript_transport::ssh::LineSplitter;
///
/// let mut lines = Vec::new();
/// let mut splitter = LineSplitter::default();
/// for chunk in [&b"fir"[..], b"st\r\nsec", b"ond\nlast"] {
///     splitter.feed(chunk, |line| lines.push(line.to_owned()));
/// }
/// splitter.finish(|line| lines.push(line.to_owned()));
/// assert_eq!(lines, ["first", "second", "last"]);
/// ```
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Feeds `data`; calls `emit` for each complete line (without `\n` /
    /// `\r\n`; invalid UTF-8 replaced).
    pub fn feed(&mut self, data: &[u8], mut emit: impl FnMut(&str)) {
        let mut rest = data;
        while let Some(pos) = memchr::memchr(b'\n', rest) {
            self.pending.extend_from_slice(&rest[..pos]);
            if self.pending.last() == Some(&b'\r') {
                self.pending.pop();
            }
            emit(&String::from_utf8_lossy(&self.pending));
            self.pending.clear();
            rest = &rest[pos + 1..];
        }
        self.pending.extend_from_slice(rest);
    }

    /// Emits the last line if it had no newline.
    pub fn finish(&mut self, mut emit: impl FnMut(&str)) {
        if !self.pending.is_empty() {
            emit(&String::from_utf8_lossy(&self.pending));
            self.pending.clear();
        }
    }
}

type LineCallback = Box<dyn FnMut(OutputStream, &str) + Send>;

/// A remote command being prepared (see [`SshConnection::exec`]).
///
/// ```no_run
/// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
/// use oxscript_transport::ssh::OutputStream;
///
/// let out = ssh
///     .exec("grep -c root /etc/passwd")
///     .allowed_exit_codes([0, 1]) // grep exits 1 when nothing matches
///     .on_line(|stream, line| if stream == OutputStream::Stdout { println!("{line}") })
///     .run()
///     .await?;
/// # let _ = out; Ok(()) }
/// ```
pub struct Exec {
    connection: SshConnection,
    command: String,
    stdin: Option<Vec<u8>>,
    allowed: Option<Vec<u32>>,
    on_line: Option<LineCallback>,
    timeout: Duration,
}

impl std::fmt::Debug for Exec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exec")
            .field("host", &self.connection.label())
            .field("command", &self.command)
            .field("allowed", &self.allowed)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Exec {
    pub(crate) fn new(connection: SshConnection, command: String, timeout: Duration) -> Exec {
        Exec {
            connection,
            command,
            stdin: None,
            allowed: None,
            on_line: None,
            timeout,
        }
    }

    /// Data written to the command's stdin (then closed). Without it, stdin
    /// is closed at once, so commands reading it do not hang.
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Exec {
        self.stdin = Some(data.into());
        self
    }

    /// Exit codes that count as success; any other status (or a signal) is
    /// [`Error::CommandFailed`]. Without this, every status is accepted and
    /// left to the caller (apssh `allowed_exits`).
    pub fn allowed_exit_codes(mut self, codes: impl IntoIterator<Item = u32>) -> Exec {
        self.allowed = Some(codes.into_iter().collect());
        self
    }

    /// Called with each complete line of output as it arrives (lines split
    /// across packets are joined first).
    pub fn on_line(mut self, callback: impl FnMut(OutputStream, &str) + Send + 'static) -> Exec {
        self.on_line = Some(Box::new(callback));
        self
    }

    /// The deadline of the whole command (default [`super::SshOptions::exec_timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> Exec {
        self.timeout = timeout;
        self
    }

    /// Runs the command to completion.
    pub async fn run(mut self) -> Result<ExecOutput> {
        let label = self.connection.label().to_owned();
        let mut channel = self.connection.open_session_channel().await?;
        channel
            .exec(true, self.command.as_bytes())
            .await
            .map_err(|e| self.connection.ssh_error(e))?;
        if let Some(input) = self.stdin.take() {
            channel
                .data(&input[..])
                .await
                .map_err(|e| self.connection.ssh_error(e))?;
        }
        channel
            .eof()
            .await
            .map_err(|e| self.connection.ssh_error(e))?;

        let deadline = oxscript_core::time::deadline_after(self.timeout);
        let mut output = ExecOutput::default();
        // Until the server answers the exec request, a Failure is its refusal
        // (the channel may legally stay open afterwards: do not wait on it).
        let mut accepted = false;
        let mut out_lines = LineSplitter::default();
        let mut err_lines = LineSplitter::default();
        let mut on_line = self.on_line.take();
        loop {
            let message = match tokio::time::timeout_at(deadline, channel.wait()).await {
                Ok(Some(message)) => message,
                Ok(None) => break,
                Err(_) => {
                    let mut seen = output.stdout.clone();
                    seen.extend_from_slice(&output.stderr);
                    return Err(Error::Timeout {
                        during: format!("running `{}` on {label}", self.command),
                        expected: Expected(vec!["exit".into()]),
                        timeout: self.timeout,
                        tail: Tail::of(&seen),
                    });
                }
            };
            // Do not stop at ExitStatus or Eof: their order against the last
            // data is server-dependent; the channel ends with None.
            match message {
                ChannelMsg::Success => accepted = true,
                ChannelMsg::Failure if !accepted => {
                    let _ = channel.close().await;
                    return Err(Error::Ssh {
                        host: label,
                        reason: format!("the server refused to run `{}`", self.command),
                    });
                }
                ChannelMsg::Data { data } => {
                    accepted = true;
                    if let Some(cb) = on_line.as_mut() {
                        out_lines.feed(&data, |l| cb(OutputStream::Stdout, l));
                    }
                    output.stdout.extend_from_slice(&data);
                }
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    accepted = true;
                    if let Some(cb) = on_line.as_mut() {
                        err_lines.feed(&data, |l| cb(OutputStream::Stderr, l));
                    }
                    output.stderr.extend_from_slice(&data);
                }
                ChannelMsg::ExitStatus { exit_status } => output.exit_status = Some(exit_status),
                ChannelMsg::ExitSignal { signal_name, .. } => {
                    output.exit_signal = Some(format!("{signal_name:?}"))
                }
                _ => {}
            }
        }
        if let Some(cb) = on_line.as_mut() {
            out_lines.finish(|l| cb(OutputStream::Stdout, l));
            err_lines.finish(|l| cb(OutputStream::Stderr, l));
        }
        if let Some(allowed) = &self.allowed
            && !output.allows(allowed)
        {
            return Err(Error::CommandFailed {
                host: label,
                command: self.command.clone(),
                status: output.status_text(),
                stderr: Tail::of(&output.stderr),
            });
        }
        Ok(output)
    }

    /// Runs the command on its own task and returns its lines as a stream,
    /// ending with the [`ExecEvent::Exit`] (or [`ExecEvent::Failed`]) event.
    pub fn stream(self) -> ExecStream {
        let (tx, rx) = mpsc::unbounded_channel();
        let lines = tx.clone();
        let exec = self.on_line(move |stream, line| {
            let _ = lines.send(ExecEvent::Line(stream, line.to_owned()));
        });
        let task = tokio::spawn(async move {
            let event = match exec.run().await {
                Ok(output) => ExecEvent::Exit(output),
                Err(e) => ExecEvent::Failed(e.to_string()),
            };
            let _ = tx.send(event);
        });
        ExecStream { rx, _task: task }
    }
}

/// An event of [`Exec::stream`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecEvent {
    /// One line of output.
    Line(OutputStream, String),
    /// The command ended (the output also holds every line).
    Exit(ExecOutput),
    /// The command could not run or was refused (the error's message).
    Failed(String),
}

/// The lines of a running command (a `futures::Stream`).
#[derive(Debug)]
pub struct ExecStream {
    rx: mpsc::UnboundedReceiver<ExecEvent>,
    _task: tokio::task::JoinHandle<()>,
}

impl futures::Stream for ExecStream {
    type Item = ExecEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ExecEvent>> {
        self.rx.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::{ExecOutput, LineSplitter};

    #[test]
    fn statuses_are_judged_and_worded() {
        let status = |code| ExecOutput {
            exit_status: Some(code),
            ..ExecOutput::default()
        };
        assert!(status(0).allows(&[0]) && status(0).success());
        assert!(!status(2).allows(&[0, 1]));
        assert!(status(2).allows(&[2]));
        assert!(
            !ExecOutput::default().allows(&[0]),
            "no status is no success"
        );
        let killed = ExecOutput {
            exit_status: Some(0),
            exit_signal: Some("KILL".into()),
            ..ExecOutput::default()
        };
        assert!(!killed.allows(&[0]));
        assert_eq!(killed.status_text(), "signal KILL");
        assert_eq!(status(127).status_text(), "status 127");
    }

    #[test]
    fn lines_split_across_packets_are_joined() {
        let mut s = LineSplitter::default();
        let mut lines = Vec::new();
        for chunk in [&b"first li"[..], b"ne\r\nsecond\n", b"", b"thi", b"rd"] {
            s.feed(chunk, |l| lines.push(l.to_owned()));
        }
        s.finish(|l| lines.push(l.to_owned()));
        assert_eq!(lines, ["first line", "second", "third"]);
    }
}
