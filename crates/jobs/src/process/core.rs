//! The state a process shares between its handles and its driver task:
//! flags, output buffers, handlers, and the version counter that wakes
//! waiters.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use oxscript_core::sync::lock;
use tokio::sync::watch;

use super::ProcessInfo;
use super::options::ProcessOptions;
use super::output::{Buffer, Handlers, Stream};
use super::state::ProcessState;

/// Notified of a process's start, end and reset (execo's
/// `ProcessLifecycleHandler`). Called on the process's driver task (or
/// the caller's, for reset): keep it short.
pub trait LifecycleHandler: Send + Sync {
    /// The process started (or failed to: see its state's `error`).
    fn start(&self, _process: &ProcessInfo) {}
    /// The process ended.
    fn end(&self, _process: &ProcessInfo) {}
    /// The process was reset.
    fn reset(&self, _process: &ProcessInfo) {}
}

pub(crate) struct Data {
    pub(crate) state: ProcessState,
    pub(crate) out: Buffer,
    pub(crate) err: Buffer,
    /// Where the next expect on each stream starts (`None`: not yet set).
    pub(crate) expect_from: [Option<u64>; 2],
}

impl Data {
    pub(crate) fn new(options: &ProcessOptions) -> Data {
        Data {
            state: ProcessState::default(),
            out: Buffer::new(options.output_cap, options.keep_stdout),
            err: Buffer::new(options.output_cap, options.keep_stderr),
            expect_from: [None, None],
        }
    }

    pub(crate) fn buffer(&self, stream: Stream) -> &Buffer {
        match stream {
            Stream::Stdout => &self.out,
            Stream::Stderr => &self.err,
        }
    }

    fn buffer_mut(&mut self, stream: Stream) -> &mut Buffer {
        match stream {
            Stream::Stdout => &mut self.out,
            Stream::Stderr => &mut self.err,
        }
    }
}

pub(crate) fn stream_index(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

/// What a [`Process`](super::Process) is: what it runs, where, and what
/// happened so far.
pub(crate) struct Core {
    pub(crate) name: Mutex<String>,
    pub(crate) host: Option<String>,
    pub(crate) command: String,
    pub(crate) options: Mutex<ProcessOptions>,
    pub(crate) data: Mutex<Data>,
    pub(crate) handlers: Mutex<Handlers>,
    pub(crate) lifecycle: Mutex<Vec<Arc<dyn LifecycleHandler>>>,
    pub(crate) version: watch::Sender<u64>,
}

impl Core {
    pub(crate) fn new(host: Option<String>, command: String, name: String) -> Core {
        let options = ProcessOptions::default();
        Core {
            name: Mutex::new(name),
            host,
            command,
            data: Mutex::new(Data::new(&options)),
            options: Mutex::new(options),
            handlers: Mutex::new(Handlers::default()),
            lifecycle: Mutex::new(Vec::new()),
            version: watch::channel(0).0,
        }
    }

    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        lock(&self.data)
    }

    pub(crate) fn options(&self) -> ProcessOptions {
        lock(&self.options).clone()
    }

    pub(crate) fn set_options(&self, f: impl FnOnce(&mut ProcessOptions)) {
        f(&mut lock(&self.options));
    }

    pub(crate) fn name(&self) -> String {
        lock(&self.name).clone()
    }

    pub(crate) fn state(&self) -> ProcessState {
        self.data().state.clone()
    }

    pub(crate) fn notify(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut ProcessState)) {
        f(&mut self.data().state);
        self.notify();
    }

    pub(crate) fn info(&self) -> ProcessInfo {
        let state = self.state();
        let options = self.options();
        ProcessInfo {
            ok: state.ok(&options),
            name: self.name(),
            host: self.host.clone(),
            command: self.command.clone(),
            state,
        }
    }

    fn who(&self) -> String {
        match &self.host {
            Some(h) => format!("`{}` on {h}", self.command),
            None => format!("`{}`", self.command),
        }
    }

    /// Records the start (or a failure to start) and tells the handlers.
    pub(crate) fn started(&self, pid: Option<u32>, error: Option<String>) {
        let failed = error.is_some();
        self.update(|s| {
            s.started = true;
            s.start_date = Some(SystemTime::now());
            s.pid = pid;
            if let Some(reason) = &error {
                s.error = true;
                s.error_reason = Some(reason.clone());
            }
        });
        let info = self.info();
        for h in lock(&self.lifecycle).clone() {
            h.start(&info);
        }
        if failed {
            let options = self.options();
            if !options.nolog_error {
                tracing::warn!(process = %self.name(), reason = info.state.error_reason.as_deref().unwrap_or(""), "{} could not start", self.who());
            }
            self.finish(None, None);
        }
    }

    /// Output from the process.
    pub(crate) fn output(&self, stream: Stream, chunk: &[u8]) {
        self.data().buffer_mut(stream).append(chunk);
        lock(&self.handlers).chunk(stream, chunk);
        self.notify();
    }

    /// The end of one stream.
    pub(crate) fn stream_end(&self, stream: Stream) {
        {
            let mut data = self.data();
            let buffer = data.buffer_mut(stream);
            if buffer.eof {
                return;
            }
            buffer.eof = true;
        }
        lock(&self.handlers).eof(stream);
        self.notify();
    }

    /// Records the end, logs what the flags ask to log, tells the handlers.
    pub(crate) fn finish(&self, exit_code: Option<i32>, exit_signal: Option<String>) {
        self.stream_end(Stream::Stdout);
        self.stream_end(Stream::Stderr);
        let already = {
            let mut data = self.data();
            let s = &mut data.state;
            let already = s.ended;
            if !already {
                s.ended = true;
                s.end_date = Some(SystemTime::now());
                s.exit_code = exit_code;
                s.exit_signal = exit_signal;
            }
            already
        };
        if already {
            return;
        }
        self.notify();
        let info = self.info();
        let options = self.options();
        let s = &info.state;
        if s.timed_out {
            // Its exit code is the timeout's doing: one warning, or none.
            if !options.nolog_timeout {
                tracing::warn!(process = %info.name, "{} reached its timeout of {:?} ({})", self.who(), options.timeout.unwrap_or_default(), s.summary());
            }
        } else if !s.error
            && !s.killed_by_user
            && s.exit_code != Some(0)
            && !options.nolog_exit_code
        {
            tracing::warn!(process = %info.name, "{} ended with {}", self.who(), s.summary());
        }
        for h in lock(&self.lifecycle).clone() {
            h.end(&info);
        }
    }

    pub(crate) fn expect_failed(&self, what: &str) {
        self.update(|s| s.expect_fail = true);
        if !self.options().nolog_expect_fail {
            tracing::warn!(process = %self.name(), "expect on {} failed: {what}", self.who());
        }
    }

    pub(crate) fn write_failed(&self, what: &str) {
        self.update(|s| s.write_error = true);
        if !self.options().nolog_write_error {
            tracing::warn!(process = %self.name(), "writing to the stdin of {} failed: {what}", self.who());
        }
    }

    pub(crate) fn reset(&self) {
        let options = self.options();
        *self.data() = Data::new(&options);
        self.notify();
        let info = self.info();
        for h in lock(&self.lifecycle).clone() {
            h.reset(&info);
        }
    }
}
