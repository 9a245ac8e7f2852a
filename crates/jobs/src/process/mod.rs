//! execo's processes: local or remote commands you start, steer and
//! judge (execo `Process`, `SshProcess`).
//!
//! A [`Process`] runs on this machine ([`Process::local`],
//! [`Process::argv`]; in a process group of its own, optionally on a
//! pseudo-terminal) or on an SSH node ([`Process::ssh`]; an exec channel
//! of the node's shared lazy connection, through its gateway chain). Once
//! [started](Process::start) you can [`expect`](Process::expect) on its
//! live stdout or stderr, [`write`](Process::write) to its stdin and
//! [close](Process::close_stdin) it, [`kill`](Process::kill) it with a
//! signal (its children too), [`wait`](Process::wait) for it, and read
//! its [`state`](Process::state): started, ended, error, timed out,
//! forced kill, exit code or signal, dates, and whether it is
//! [ok](ProcessState::ok) under its [flags](ProcessOptions).
//!
//! Dropping the last handle of a running process kills it (execo's
//! context manager): SIGKILL to its process group, or an SSH `KILL`
//! signal and the channel closed.
//!
//! ```
//! use std::time::Duration;
//! use oxscript_jobs::process::{Process, Stream};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> oxscript_jobs::Result<()> {
//! let p = Process::local("read name; echo hello $name; echo done >&2")
//!     .timeout(Duration::from_secs(30));
//! p.start().await?;
//! p.write("world\n").await?;
//! let m = p.expect(["hello (\\w+)"]).await?.into_result()?;
//! assert_eq!(m.groups[0].as_deref(), Some("world"));
//! p.wait().await;
//! assert!(p.finished_ok());
//! assert_eq!(p.stderr_text(), "done\n");
//! # Ok(()) }
//! ```

mod core;
mod expect;
mod local;
mod options;
pub mod output;
mod pty;
mod remote;
mod signal;
mod state;
mod task;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxscript_core::sync::lock;
use oxscript_transport::Tail;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use self::core::LifecycleHandler;
pub use expect::{ExpectMatch, ExpectOptions, ExpectOutcome};
pub use options::ProcessOptions;
pub use output::{OutputEvent, OutputHandler, Stream};
pub use signal::Signal;
pub use state::ProcessState;

use self::core::{Core, stream_index};
use self::local::{KillTarget, LocalSpec};
use self::remote::SshSpec;
pub(crate) use self::task::TaskFn;
use crate::error::{Error, Result};
use crate::ssh::SshNode;

/// Requests to a process's driver task.
pub(crate) enum Ctl {
    Signal {
        signal: Signal,
        force_after: Option<Duration>,
        by_user: bool,
    },
}

/// The stdin of a running process.
pub(crate) enum Stdin {
    None,
    Pipe(tokio::sync::Mutex<Option<tokio::process::ChildStdin>>),
    Pty(tokio::sync::Mutex<Option<tokio::io::WriteHalf<pty::PtyMaster>>>),
    Ssh(Arc<remote::WriteHalf>, AtomicBool),
}

/// A snapshot of a process for handlers and reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessInfo {
    /// Its name.
    pub name: String,
    /// The host's name for a remote process, `None` for a local one.
    pub host: Option<String>,
    /// The command (or the transfer's description).
    pub command: String,
    /// Its state.
    pub state: ProcessState,
    /// Whether it is ok under its flags.
    pub ok: bool,
}

#[derive(Clone)]
enum Spec {
    Local(LocalSpec),
    Ssh(SshSpec),
    Task(TaskFn),
}

struct Running {
    tx: mpsc::UnboundedSender<Ctl>,
    stdin: Arc<Stdin>,
    task: Option<JoinHandle<()>>,
    target: Option<KillTarget>,
}

/// Kills a running process when the last handle goes.
struct Guard {
    core: Arc<Core>,
    spec: Mutex<Spec>,
    running: Mutex<Option<Running>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let running = self
            .running
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(r) = running
            && !self.core.state().ended
        {
            // The driver kills too when it sees its channel closed; this
            // also works when no runtime is left to run it.
            if let Some(target) = r.target {
                target.send(Signal::Kill);
            }
            tracing::debug!(process = %self.core.name(), "process dropped while running: killed");
        }
    }
}

/// A local or remote process (execo's `Process` / `SshProcess`). Clones
/// are handles to the same process; dropping the last handle of a running
/// process kills it.
///
/// Configure it before [`start`](Process::start) with the builder
/// methods; the flags are execo's (see [`ProcessOptions`]).
#[derive(Clone)]
pub struct Process {
    core: Arc<Core>,
    guard: Arc<Guard>,
}

impl std::fmt::Debug for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Process")
            .field("name", &self.name())
            .field("host", &self.core.host)
            .field("command", &self.core.command)
            .field("state", &self.state().summary())
            .finish()
    }
}

impl Process {
    fn build(host: Option<String>, command: String, spec: Spec) -> Process {
        let core = Arc::new(Core::new(host, command.clone(), command));
        Process {
            guard: Arc::new(Guard {
                core: core.clone(),
                spec: Mutex::new(spec),
                running: Mutex::new(None),
            }),
            core,
        }
    }

    /// A local command line run by `sh -c` (execo `Process(cmd,
    /// shell=True)`), in a process group of its own: a kill reaches the
    /// children the shell starts.
    pub fn local(command: impl Into<String>) -> Process {
        let command = command.into();
        Process::build(
            None,
            command.clone(),
            Spec::Local(LocalSpec {
                program: "sh".to_owned(),
                args: vec!["-c".to_owned(), command],
                pty: false,
                kill_subprocesses: true,
                env: Vec::new(),
                cwd: None,
            }),
        )
    }

    /// A local program with its arguments, no shell (execo `Process`
    /// with a tuple). Signals go to the program only, unless
    /// [`kill_subprocesses`](Process::kill_subprocesses).
    pub fn argv<I, S>(program: impl Into<String>, args: I) -> Process
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let program = program.into();
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        let command = std::iter::once(program.as_str())
            .chain(args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        Process::build(
            None,
            command,
            Spec::Local(LocalSpec {
                program,
                args,
                pty: false,
                kill_subprocesses: false,
                env: Vec::new(),
                cwd: None,
            }),
        )
    }

    /// A command run on `node` over SSH (execo `SshProcess`): an exec
    /// channel of the node's shared connection, opened (through its
    /// gateways) on first use. The remote user's shell runs the line, so
    /// OpenSSH delivers [signals](Process::kill) to its process group.
    pub fn ssh(node: &SshNode, command: impl Into<String>) -> Process {
        let command = command.into();
        Process::build(
            Some(node.name().to_owned()),
            command.clone(),
            Spec::Ssh(SshSpec {
                node: node.clone(),
                command,
                pty: false,
            }),
        )
    }

    /// Async work with a process's life (file transfers).
    pub(crate) fn task(host: Option<String>, description: String, work: TaskFn) -> Process {
        Process::build(host, description, Spec::Task(work))
    }

    fn spec_mut(self, f: impl FnOnce(&mut Spec)) -> Process {
        f(&mut lock(&self.guard.spec));
        self
    }

    /// Runs it on a pseudo-terminal (execo `pty=True`): stdin and stdout
    /// are the terminal (which echoes what is written), stderr stays a
    /// pipe. A local process leads a session of its own; a remote one gets
    /// an `xterm` pty of 80×24, and sshd hangs it up when the channel closes.
    pub fn pty(self, on: bool) -> Process {
        self.spec_mut(|s| match s {
            Spec::Local(l) => l.pty = on,
            Spec::Ssh(r) => r.pty = on,
            Spec::Task(_) => {}
        })
    }

    /// Whether signals go to the whole process group of a local process
    /// (default: yes for [`local`](Process::local), no for
    /// [`argv`](Process::argv)).
    pub fn kill_subprocesses(self, on: bool) -> Process {
        self.spec_mut(|s| {
            if let Spec::Local(l) = s {
                l.kill_subprocesses = on;
            }
        })
    }

    /// Sets an environment variable of a local process.
    pub fn env(self, key: impl Into<String>, value: impl Into<String>) -> Process {
        let pair = (key.into(), value.into());
        self.spec_mut(|s| {
            if let Spec::Local(l) = s {
                l.env.push(pair);
            }
        })
    }

    /// Sets the working directory of a local process.
    pub fn current_dir(self, dir: impl Into<PathBuf>) -> Process {
        let dir = dir.into();
        self.spec_mut(|s| {
            if let Spec::Local(l) = s {
                l.cwd = Some(dir);
            }
        })
    }

    /// Replaces all flags.
    pub fn with_options(self, options: ProcessOptions) -> Process {
        self.core.set_options(|o| *o = options);
        self.core.reset_buffers();
        self
    }

    fn flag(self, f: impl FnOnce(&mut ProcessOptions)) -> Process {
        self.core.set_options(f);
        self.core.reset_buffers();
        self
    }

    /// Sets the timeout (SIGTERM, then SIGKILL after the kill timeout).
    pub fn timeout(self, timeout: Duration) -> Process {
        self.flag(|o| o.timeout = Some(timeout))
    }

    /// A non-zero exit code still counts as ok.
    pub fn ignore_exit_code(self, on: bool) -> Process {
        self.flag(|o| o.ignore_exit_code = on)
    }

    /// No warning for a non-zero exit code.
    pub fn nolog_exit_code(self, on: bool) -> Process {
        self.flag(|o| o.nolog_exit_code = on)
    }

    /// Reaching the timeout still counts as ok.
    pub fn ignore_timeout(self, on: bool) -> Process {
        self.flag(|o| o.ignore_timeout = on)
    }

    /// No warning when the timeout is reached.
    pub fn nolog_timeout(self, on: bool) -> Process {
        self.flag(|o| o.nolog_timeout = on)
    }

    /// A start error still counts as ok.
    pub fn ignore_error(self, on: bool) -> Process {
        self.flag(|o| o.ignore_error = on)
    }

    /// No warning for a start error.
    pub fn nolog_error(self, on: bool) -> Process {
        self.flag(|o| o.nolog_error = on)
    }

    /// A failed expect still counts as ok.
    pub fn ignore_expect_fail(self, on: bool) -> Process {
        self.flag(|o| o.ignore_expect_fail = on)
    }

    /// No warning for a failed expect.
    pub fn nolog_expect_fail(self, on: bool) -> Process {
        self.flag(|o| o.nolog_expect_fail = on)
    }

    /// A failed write still counts as ok.
    pub fn ignore_write_error(self, on: bool) -> Process {
        self.flag(|o| o.ignore_write_error = on)
    }

    /// No warning for a failed write.
    pub fn nolog_write_error(self, on: bool) -> Process {
        self.flag(|o| o.nolog_write_error = on)
    }

    /// The timeout of expects that set none.
    pub fn default_expect_timeout(self, timeout: Duration) -> Process {
        self.flag(|o| o.default_expect_timeout = Some(timeout))
    }

    /// The name shown in logs and reports (default: the command).
    pub fn name(&self) -> String {
        self.core.name()
    }

    /// Sets the name shown in logs and reports.
    pub fn named(self, name: impl Into<String>) -> Process {
        *lock(&self.core.name) = name.into();
        self
    }

    /// Adds a handler of stdout.
    pub fn on_stdout(self, handler: impl OutputHandler + 'static) -> Process {
        lock(&self.core.handlers).add(Some(Stream::Stdout), Box::new(handler));
        self
    }

    /// Adds a handler of stderr.
    pub fn on_stderr(self, handler: impl OutputHandler + 'static) -> Process {
        lock(&self.core.handlers).add(Some(Stream::Stderr), Box::new(handler));
        self
    }

    /// Adds a handler of both streams.
    pub fn on_output(self, handler: impl OutputHandler + 'static) -> Process {
        lock(&self.core.handlers).add(None, Box::new(handler));
        self
    }

    /// Adds a lifecycle handler.
    pub fn on_lifecycle(self, handler: Arc<dyn LifecycleHandler>) -> Process {
        lock(&self.core.lifecycle).push(handler);
        self
    }

    // ----- reading ------------------------------------------------------

    /// The host's name for a remote process, `None` for a local one.
    pub fn host(&self) -> Option<&str> {
        self.core.host.as_deref()
    }

    /// The command.
    pub fn command(&self) -> &str {
        &self.core.command
    }

    /// The flags.
    pub fn options(&self) -> ProcessOptions {
        self.core.options()
    }

    /// A copy of the state.
    pub fn state(&self) -> ProcessState {
        self.core.state()
    }

    /// A snapshot for reports and handlers.
    pub fn info(&self) -> ProcessInfo {
        self.core.info()
    }

    /// Whether it is ok under its flags (see [`ProcessState::ok`]).
    pub fn ok(&self) -> bool {
        self.state().ok(&self.options())
    }

    /// Started, ended and ok.
    pub fn finished_ok(&self) -> bool {
        self.state().finished_ok(&self.options())
    }

    /// Started and not yet ended.
    pub fn running(&self) -> bool {
        self.state().running()
    }

    /// stdout so far (the last [`output_cap`](ProcessOptions::output_cap) bytes).
    pub fn stdout(&self) -> Vec<u8> {
        self.core.data().out.text().to_vec()
    }

    /// stderr so far (the last `output_cap` bytes).
    pub fn stderr(&self) -> Vec<u8> {
        self.core.data().err.text().to_vec()
    }

    /// stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout()).into_owned()
    }

    /// stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr()).into_owned()
    }

    /// Bytes of `stream` not kept in memory (beyond the cap).
    pub fn dropped_bytes(&self, stream: Stream) -> u64 {
        self.core.data().buffer(stream).dropped()
    }

    // ----- life ----------------------------------------------------------

    /// Starts it. Returns once it runs (or failed to start: then its
    /// state says [`error`](ProcessState::error) and why; this is not an
    /// `Err`). A remote process connects first (within the node's connect
    /// timeout). `Err` only when it was already started: [`reset`](Process::reset) it first.
    pub async fn start(&self) -> Result<()> {
        if self.state().started {
            return Err(Error::msg(format!(
                "process `{}` was already started: reset it first",
                self.name()
            )));
        }
        let spec = lock(&self.guard.spec).clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let (stdin, task, target) = match &spec {
            Spec::Local(l) => local::start(&self.core, l, rx),
            Spec::Ssh(r) => {
                let (stdin, task) = remote::start(&self.core, r, rx).await;
                (stdin, task, None)
            }
            Spec::Task(work) => (Stdin::None, Some(task::start(&self.core, work, rx)), None),
        };
        *lock(&self.guard.running) = Some(Running {
            tx,
            stdin: Arc::new(stdin),
            task,
            target,
        });
        Ok(())
    }

    /// Waits until it has ended (exited and closed its output). Its
    /// [timeout](Process::timeout), when set, bounds the wait; see
    /// [`wait_for`](Process::wait_for) for a deadline of the caller's own.
    pub async fn wait(&self) {
        let mut rx = self.core.version.subscribe();
        loop {
            {
                let state = self.core.data().state.clone();
                if state.ended || !state.started {
                    return;
                }
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    /// Waits at most `timeout`; true if it has ended (or never started).
    pub async fn wait_for(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.wait()).await.is_ok()
    }

    /// Starts it and waits for its end.
    pub async fn run(&self) -> Result<()> {
        self.start().await?;
        self.wait().await;
        Ok(())
    }

    /// Sends `signal` (execo `kill`): to the process group of a local
    /// process (see [`kill_subprocesses`](Process::kill_subprocesses)), as
    /// an SSH signal request to a remote one; a task stops at once. After
    /// SIGTERM or SIGINT, a process still running after the
    /// [kill timeout](ProcessOptions::kill_timeout) gets SIGKILL. A killed
    /// process is no longer judged by its exit code. Does not wait.
    pub fn kill(&self, signal: Signal) {
        let force = signal.escalates().then(|| self.options().kill_timeout);
        self.send_signal(signal, force);
    }

    /// Sends `signal`, then SIGKILL after `force_after` if it still runs
    /// (`None`: never).
    pub fn kill_with(&self, signal: Signal, force_after: Option<Duration>) {
        self.send_signal(signal, force_after);
    }

    fn send_signal(&self, signal: Signal, force_after: Option<Duration>) {
        if let Some(r) = lock(&self.guard.running).as_ref() {
            let _ = r.tx.send(Ctl::Signal {
                signal,
                force_after,
                by_user: true,
            });
        }
    }

    fn stdin(&self) -> Option<Arc<Stdin>> {
        lock(&self.guard.running).as_ref().map(|r| r.stdin.clone())
    }

    /// Writes `data` to its stdin. A failure (not started, stdin closed,
    /// the process gone) sets [`write_error`](ProcessState::write_error),
    /// logs a warning unless `nolog_write_error`, and is returned.
    pub async fn write(&self, data: impl AsRef<[u8]>) -> Result<()> {
        let data = data.as_ref();
        let result = match self.stdin().as_deref() {
            None | Some(Stdin::None) => {
                Err("it has no stdin (not started, or failed to)".to_owned())
            }
            Some(Stdin::Pipe(pipe)) => match pipe.lock().await.as_mut() {
                Some(w) => w.write_all(data).await.map_err(|e| e.to_string()),
                None => Err("its stdin is closed".to_owned()),
            },
            Some(Stdin::Pty(pty)) => match pty.lock().await.as_mut() {
                Some(w) => w.write_all(data).await.map_err(|e| e.to_string()),
                None => Err("its stdin is closed".to_owned()),
            },
            Some(Stdin::Ssh(w, closed)) => {
                if closed.load(Ordering::SeqCst) {
                    Err("its stdin is closed".to_owned())
                } else {
                    w.data(data).await.map_err(|e| e.to_string())
                }
            }
        };
        result.map_err(|reason| {
            self.core.write_failed(&reason);
            Error::msg(format!("writing to `{}`: {reason}", self.name()))
        })
    }

    /// Closes its stdin (end of file for the process; on a pty, the
    /// terminal's EOF character).
    pub async fn close_stdin(&self) -> Result<()> {
        let Some(stdin) = self.stdin() else {
            return Ok(());
        };
        match &*stdin {
            Stdin::None => Ok(()),
            Stdin::Pipe(pipe) => {
                if let Some(mut w) = pipe.lock().await.take() {
                    let _ = w.shutdown().await;
                }
                Ok(())
            }
            Stdin::Pty(pty) => {
                let mut slot = pty.lock().await;
                if let Some(w) = slot.as_mut() {
                    // VEOF (Ctrl-D) at the start of a line: end of input.
                    let _ = w.write_all(b"\x04").await;
                }
                Ok(())
            }
            Stdin::Ssh(w, closed) => {
                if !closed.swap(true, Ordering::SeqCst) {
                    w.eof().await.map_err(|e| {
                        Error::msg(format!("closing the stdin of `{}`: {e}", self.name()))
                    })?;
                }
                Ok(())
            }
        }
    }

    /// Waits for any of `patterns` on stdout (see [`expect_with`](Process::expect_with)).
    pub async fn expect<I, S>(&self, patterns: I) -> Result<ExpectOutcome>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expect_with(ExpectOptions::new(patterns)).await
    }

    /// Waits for the first match of any pattern on the chosen stream
    /// (execo `expect`). Searches from the end of the previous match on
    /// that stream (the first time: its start, or its current end with
    /// [`start_from_current`](ExpectOptions::start_from_current)); each
    /// new chunk is searched with `backtrack` bytes before it. A timeout
    /// or the end of the stream before a match is an
    /// [`ExpectOutcome`] (and sets [`expect_fail`](ProcessState::expect_fail));
    /// `Err` only for invalid patterns.
    pub async fn expect_with(&self, options: ExpectOptions) -> Result<ExpectOutcome> {
        let regexes = options.compile()?;
        let timeout = options
            .timeout
            .unwrap_or_else(|| self.options().default_expect_timeout);
        let deadline = timeout.map(oxscript_core::time::deadline_after);
        let stream = options.stream;
        let slot = stream_index(stream);
        let mut rx = self.core.version.subscribe();
        let mut scanned: Option<u64> = None;
        loop {
            {
                let mut data = self.core.data();
                let end = data.buffer(stream).end();
                let from = *data.expect_from[slot].get_or_insert(if options.start_from_current {
                    end
                } else {
                    0
                });
                let look = scanned.map_or(from, |s| {
                    s.saturating_sub(options.backtrack as u64).max(from)
                });
                let buffer = data.buffer(stream);
                let (base, hay) = buffer.since(look);
                if let Some(m) = expect::search(&regexes, hay, base) {
                    data.expect_from[slot] = Some(m.end);
                    return Ok(ExpectOutcome::Matched(m));
                }
                scanned = Some(end);
                let ended =
                    buffer.eof || (data.state.started && data.state.ended) || data.state.error;
                let never = !data.state.started;
                if ended || never {
                    let outcome = ExpectOutcome::Eof {
                        patterns: options.patterns.clone(),
                        stream,
                        tail: Tail::of(buffer.text()),
                    };
                    drop(data);
                    self.core.expect_failed(&outcome.to_string());
                    return Ok(outcome);
                }
            }
            let changed = match deadline {
                Some(at) => tokio::time::timeout_at(at, rx.changed()).await,
                None => Ok(rx.changed().await),
            };
            if changed.is_err() {
                let outcome = ExpectOutcome::Timeout {
                    patterns: options.patterns.clone(),
                    stream,
                    after: timeout.unwrap_or_default(),
                    tail: Tail::of(self.core.data().buffer(stream).text()),
                };
                self.core.expect_failed(&outcome.to_string());
                return Ok(outcome);
            }
        }
    }

    /// Makes it startable again (execo `reset`): kills it if it runs,
    /// waits for its end, then clears its state and output.
    pub async fn reset(&self) {
        if self.running() {
            self.kill_with(Signal::Kill, None);
            self.wait().await;
        }
        let running = lock(&self.guard.running).take();
        if let Some(Running {
            task: Some(task), ..
        }) = running
        {
            let _ = task.await;
        }
        self.core.reset();
    }
}

impl Core {
    /// Buffers follow the flags set before the start.
    fn reset_buffers(&self) {
        if !self.data().state.started {
            let options = self.options();
            *self.data() = core::Data::new(&options);
        }
    }
}
