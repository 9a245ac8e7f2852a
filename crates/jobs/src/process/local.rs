//! Local processes: `tokio::process` in a process group of their own (or
//! a session of their own on a pseudo-terminal), so a kill reaches their
//! children too.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;

use oxscript_core::time::deadline_after;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::core::Core;
use super::output::Stream;
use super::pty::{Pty, PtyMaster};
use super::signal::{Signal, signal_name};
use super::{Ctl, Stdin};

/// What a local process runs.
#[derive(Clone, Debug)]
pub(crate) struct LocalSpec {
    pub(crate) program: String,
    pub(crate) args: Vec<String>,
    pub(crate) pty: bool,
    pub(crate) kill_subprocesses: bool,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) cwd: Option<PathBuf>,
}

/// Where signals go: the process group (leader `pid`) or the process.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KillTarget {
    pub(crate) pid: i32,
    pub(crate) group: bool,
}

impl KillTarget {
    pub(crate) fn send(self, signal: Signal) {
        let sig = signal.to_nix();
        let pid = nix::unistd::Pid::from_raw(self.pid);
        let result = if self.group {
            nix::sys::signal::killpg(pid, sig)
        } else {
            nix::sys::signal::kill(pid, sig)
        };
        if let Err(e) = result {
            // ESRCH: it ended meanwhile.
            tracing::debug!(pid = self.pid, group = self.group, %signal, error = %e, "sending a signal");
        }
    }
}

type Reader = Box<dyn AsyncRead + Send + Unpin>;

/// Spawns the process and its driver task. A process that cannot start
/// is recorded as ended in error (no task).
pub(crate) fn start(
    core: &Arc<Core>,
    spec: &LocalSpec,
    rx: mpsc::UnboundedReceiver<Ctl>,
) -> (Stdin, Option<JoinHandle<()>>, Option<KillTarget>) {
    match spawn(spec) {
        Ok((child, stdin, out, err)) => {
            let pid = child.id();
            let target = pid
                .and_then(|p| i32::try_from(p).ok())
                .map(|pid| KillTarget {
                    pid,
                    // A pty child leads its own session, hence its own group.
                    group: spec.kill_subprocesses || spec.pty,
                });
            core.started(pid, None);
            let task = tokio::spawn(drive(core.clone(), child, out, err, target, rx));
            (stdin, Some(task), target)
        }
        Err(e) => {
            core.started(None, Some(format!("cannot start {}: {e}", spec.program)));
            (Stdin::None, None, None)
        }
    }
}

fn spawn(spec: &LocalSpec) -> std::io::Result<(Child, Stdin, Option<Reader>, Option<Reader>)> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    if let Some(dir) = &spec.cwd {
        cmd.current_dir(dir);
    }
    if spec.pty {
        let pty = Pty::open()?;
        cmd.stdin(Stdio::from(pty.slave.try_clone()?))
            .stdout(Stdio::from(pty.slave.try_clone()?));
        // SAFETY: between fork and exec the closure only calls setsid(2)
        // and ioctl(2), both async-signal-safe, and allocates nothing.
        unsafe {
            cmd.pre_exec(|| {
                nix::unistd::setsid().map_err(std::io::Error::from)?;
                if nix::libc::ioctl(0, nix::libc::TIOCSCTTY as _, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn()?;
        // Our copies of the slave must go, or reading the master never ends.
        drop(cmd);
        drop(pty.slave);
        let master = PtyMaster::new(pty.master)?;
        let (read, write) = tokio::io::split(master);
        let err = child.stderr.take().map(|e| Box::new(e) as Reader);
        Ok((
            child,
            Stdin::Pty(tokio::sync::Mutex::new(Some(write))),
            Some(Box::new(read)),
            err,
        ))
    } else {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn()?;
        let stdin = Stdin::Pipe(tokio::sync::Mutex::new(child.stdin.take()));
        let out = child.stdout.take().map(|o| Box::new(o) as Reader);
        let err = child.stderr.take().map(|e| Box::new(e) as Reader);
        Ok((child, stdin, out, err))
    }
}

async fn read_some(reader: &mut Option<Reader>, buf: &mut [u8]) -> std::io::Result<usize> {
    match reader {
        Some(r) => r.read(buf).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Reads both streams, waits for the exit, applies the timeout and the
/// kills; ends when the process exited and both streams are closed.
async fn drive(
    core: Arc<Core>,
    mut child: Child,
    mut out: Option<Reader>,
    mut err: Option<Reader>,
    target: Option<KillTarget>,
    mut rx: mpsc::UnboundedReceiver<Ctl>,
) {
    let options = core.options();
    let mut timeout_at = options.timeout.map(deadline_after);
    let mut force_at: Option<Instant> = None;
    let mut status: Option<std::io::Result<ExitStatus>> = None;
    let mut rx_open = true;
    let mut out_buf = vec![0u8; 16 * 1024];
    let mut err_buf = vec![0u8; 16 * 1024];
    // Signals go to a group while any member may still hold a stream open,
    // to a lone process only until it is reaped.
    let alive = |status: &Option<_>, out: &Option<Reader>, err: &Option<Reader>| {
        status.is_none() || (target.is_some_and(|t| t.group) && (out.is_some() || err.is_some()))
    };
    let signal = |sig: Signal| {
        if let Some(t) = target {
            t.send(sig);
        }
    };
    loop {
        if status.is_some() && out.is_none() && err.is_none() {
            break;
        }
        tokio::select! {
            ctl = rx.recv(), if rx_open => match ctl {
                Some(Ctl::Signal { signal: sig, force_after, by_user }) => {
                    if alive(&status, &out, &err) {
                        signal(sig);
                        core.update(|s| { s.killed = true; s.killed_by_user |= by_user; });
                        if let Some(after) = force_after {
                            force_at = Some(deadline_after(after));
                        }
                    }
                }
                None => {
                    // Every handle was dropped: end it now.
                    rx_open = false;
                    if alive(&status, &out, &err) {
                        signal(Signal::Kill);
                        core.update(|s| { s.killed = true; s.killed_by_user = true; });
                    }
                }
            },
            r = read_some(&mut out, &mut out_buf) => {
                match r {
                    Ok(n) if n > 0 => core.output(Stream::Stdout, out_buf.get(..n).unwrap_or_default()),
                    _ => { out = None; core.stream_end(Stream::Stdout); }
                }
            }
            r = read_some(&mut err, &mut err_buf) => {
                match r {
                    Ok(n) if n > 0 => core.output(Stream::Stderr, err_buf.get(..n).unwrap_or_default()),
                    _ => { err = None; core.stream_end(Stream::Stderr); }
                }
            }
            s = child.wait(), if status.is_none() => status = Some(s),
            () = sleep_until(timeout_at), if timeout_at.is_some() && alive(&status, &out, &err) => {
                timeout_at = None;
                core.update(|s| { s.timed_out = true; s.killed = true; });
                signal(Signal::Term);
                force_at = Some(deadline_after(options.kill_timeout));
            }
            () = sleep_until(force_at), if force_at.is_some() && alive(&status, &out, &err) => {
                force_at = None;
                core.update(|s| s.forced_kill = true);
                signal(Signal::Kill);
            }
        }
    }
    let (code, sig) = match status {
        Some(Ok(st)) => exit_of(&st),
        Some(Err(e)) => {
            tracing::warn!(process = %core.name(), error = %e, "cannot read the exit status of a local process");
            (None, None)
        }
        None => (None, None),
    };
    core.finish(code, sig);
}

#[cfg(unix)]
fn exit_of(status: &ExitStatus) -> (Option<i32>, Option<String>) {
    use std::os::unix::process::ExitStatusExt;
    (status.code(), status.signal().map(signal_name))
}
