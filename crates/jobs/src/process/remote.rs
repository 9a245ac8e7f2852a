//! Remote processes (execo's `SshProcess`): a command on an exec channel
//! of the node's shared SSH connection (through its gateways).

use std::sync::Arc;
use std::time::Duration;

use oxscript_core::time::deadline_after;
use russh::client::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::core::Core;
use super::output::Stream;
use super::signal::{Signal, ssh_signal_name};
use super::{Ctl, Stdin};
use crate::ssh::SshNode;

/// What a remote process runs, and where.
#[derive(Clone, Debug)]
pub(crate) struct SshSpec {
    pub(crate) node: SshNode,
    pub(crate) command: String,
    pub(crate) pty: bool,
}

/// The terminal asked for with `pty`.
const TERM: &str = "xterm";

/// How long the server may take to answer the pty and exec requests.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) type WriteHalf = ChannelWriteHalf<Msg>;

/// Connects (or reuses the node's connection), opens a channel, runs the
/// command, and starts the driver task. A failure on the way is recorded
/// as a start error.
pub(crate) async fn start(
    core: &Arc<Core>,
    spec: &SshSpec,
    rx: mpsc::UnboundedReceiver<Ctl>,
) -> (Stdin, Option<JoinHandle<()>>) {
    match open(spec).await {
        Ok((read, write, early)) => {
            let write = Arc::new(write);
            core.started(None, None);
            for msg in early {
                // Output that arrived with the replies.
                handle(core, msg, &mut Exit::default());
            }
            let task = tokio::spawn(drive(core.clone(), read, write.clone(), rx));
            (Stdin::Ssh(write, Default::default()), Some(task))
        }
        Err(reason) => {
            core.started(None, Some(reason));
            (Stdin::None, None)
        }
    }
}

async fn open(spec: &SshSpec) -> Result<(ChannelReadHalf, WriteHalf, Vec<ChannelMsg>), String> {
    let host = spec.node.name().to_owned();
    let conn = spec.node.connection().await.map_err(|e| e.to_string())?;
    let channel = conn
        .open_session_channel()
        .await
        .map_err(|e| e.to_string())?;
    let ssh_err = |e: russh::Error| format!("{host}: {e}");
    let mut replies = 1;
    if spec.pty {
        channel
            .request_pty(true, TERM, 80, 24, 0, 0, &[])
            .await
            .map_err(ssh_err)?;
        replies += 1;
    }
    channel
        .exec(true, spec.command.as_bytes())
        .await
        .map_err(ssh_err)?;
    let (mut read, write) = channel.split();
    let mut early = Vec::new();
    let deadline = deadline_after(REQUEST_TIMEOUT);
    while replies > 0 {
        match tokio::time::timeout_at(deadline, read.wait()).await {
            Err(_) => {
                return Err(format!(
                    "{host}: no answer to the exec request within {REQUEST_TIMEOUT:?}"
                ));
            }
            Ok(None) => return Err(format!("{host}: the channel closed before the command ran")),
            Ok(Some(ChannelMsg::Success)) => replies -= 1,
            Ok(Some(ChannelMsg::Failure)) => {
                let _ = write.close().await;
                let what = if spec.pty && replies == 2 {
                    "a pseudo-terminal"
                } else {
                    "the command"
                };
                return Err(format!(
                    "{host}: the server refused {what} (`{}`)",
                    spec.command
                ));
            }
            Ok(Some(other)) => early.push(other),
        }
    }
    Ok((read, write, early))
}

#[derive(Default)]
struct Exit {
    code: Option<i32>,
    signal: Option<String>,
}

fn handle(core: &Core, msg: ChannelMsg, exit: &mut Exit) {
    match msg {
        ChannelMsg::Data { data } => core.output(Stream::Stdout, &data),
        ChannelMsg::ExtendedData { data, ext: 1 } => core.output(Stream::Stderr, &data),
        ChannelMsg::Eof => {
            core.stream_end(Stream::Stdout);
            core.stream_end(Stream::Stderr);
        }
        ChannelMsg::ExitStatus { exit_status } => exit.code = i32::try_from(exit_status).ok(),
        ChannelMsg::ExitSignal { signal_name, .. } => {
            exit.signal = Some(ssh_signal_name(&signal_name))
        }
        _ => {}
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn send(write: &WriteHalf, core: &Core, signal: Signal) {
    if let Err(e) = write.signal(signal.to_ssh()).await {
        tracing::debug!(process = %core.name(), %signal, error = %e, "sending a signal over SSH");
    }
}

/// Reads the channel until it closes; applies the timeout and the kills.
/// A server that ignores signals gets its channel closed one kill timeout
/// after SIGKILL (said with a warning).
async fn drive(
    core: Arc<Core>,
    mut read: ChannelReadHalf,
    write: Arc<WriteHalf>,
    mut rx: mpsc::UnboundedReceiver<Ctl>,
) {
    let options = core.options();
    let mut exit = Exit::default();
    let mut timeout_at = options.timeout.map(deadline_after);
    let mut force_at: Option<Instant> = None;
    let mut abandon_at: Option<Instant> = None;
    let mut rx_open = true;
    loop {
        tokio::select! {
            msg = read.wait() => match msg {
                Some(msg) => handle(&core, msg, &mut exit),
                None => break,
            },
            ctl = rx.recv(), if rx_open => match ctl {
                Some(Ctl::Signal { signal, force_after, by_user }) => {
                    send(&write, &core, signal).await;
                    core.update(|s| { s.killed = true; s.killed_by_user |= by_user; });
                    if let Some(after) = force_after {
                        force_at = Some(deadline_after(after));
                    }
                }
                None => {
                    // Every handle was dropped: end it now.
                    rx_open = false;
                    send(&write, &core, Signal::Kill).await;
                    core.update(|s| { s.killed = true; s.killed_by_user = true; });
                    let _ = write.close().await;
                    abandon_at = Some(deadline_after(options.kill_timeout));
                }
            },
            () = sleep_until(timeout_at), if timeout_at.is_some() => {
                timeout_at = None;
                core.update(|s| { s.timed_out = true; s.killed = true; });
                send(&write, &core, Signal::Term).await;
                force_at = Some(deadline_after(options.kill_timeout));
            }
            () = sleep_until(force_at), if force_at.is_some() => {
                force_at = None;
                core.update(|s| s.forced_kill = true);
                send(&write, &core, Signal::Kill).await;
                abandon_at = Some(deadline_after(options.kill_timeout));
            }
            () = sleep_until(abandon_at), if abandon_at.is_some() => {
                tracing::warn!(process = %core.name(), "the SSH server did not end the command after SIGKILL within {:?}; closing its channel", options.kill_timeout);
                let _ = write.close().await;
                break;
            }
        }
    }
    core.finish(exit.code, exit.signal);
}
