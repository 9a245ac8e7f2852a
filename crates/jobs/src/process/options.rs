//! [`ProcessOptions`]: execo's process flags (timeouts, what counts as ok,
//! what is logged) and the output cap.

use std::time::Duration;

/// The flags of a [`Process`](super::Process), as execo's `ProcessBase`
/// keyword arguments. Build with struct-update syntax from `default()`,
/// or with the process's builder methods.
///
/// Each `ignore_*` flag keeps the process [ok](super::ProcessState::ok)
/// despite that kind of failure; each `nolog_*` flag silences the
/// `tracing` warning that failure otherwise produces.
///
/// ```
/// use std::time::Duration;
/// use oxscript_jobs::process::ProcessOptions;
///
/// let server = ProcessOptions {
///     ignore_exit_code: true,
///     nolog_exit_code: true,
///     timeout: Some(Duration::from_secs(60)),
///     ..ProcessOptions::default()
/// };
/// assert!(!server.ignore_timeout);
/// ```
#[derive(Clone, Debug)]
pub struct ProcessOptions {
    /// After this long the process is sent SIGTERM (then SIGKILL after
    /// [`kill_timeout`](Self::kill_timeout)) and marked timed out.
    /// `None`: no timeout.
    pub timeout: Option<Duration>,
    /// A non-zero exit code still counts as ok.
    pub ignore_exit_code: bool,
    /// No warning for a non-zero exit code.
    pub nolog_exit_code: bool,
    /// Reaching the timeout still counts as ok.
    pub ignore_timeout: bool,
    /// No warning when the timeout is reached.
    pub nolog_timeout: bool,
    /// Failing to start (no such program, connection refused…) still
    /// counts as ok.
    pub ignore_error: bool,
    /// No warning when the process fails to start.
    pub nolog_error: bool,
    /// A failed [`expect`](super::Process::expect) (timeout, or end of
    /// stream before a match) still counts as ok.
    pub ignore_expect_fail: bool,
    /// No warning for a failed expect.
    pub nolog_expect_fail: bool,
    /// A failed [`write`](super::Process::write) to stdin still counts as ok.
    pub ignore_write_error: bool,
    /// No warning for a failed write.
    pub nolog_write_error: bool,
    /// The timeout of an expect that sets none. `None`: wait until the
    /// stream ends.
    pub default_expect_timeout: Option<Duration>,
    /// How long after a SIGTERM or SIGINT (sent by [`kill`](super::Process::kill)
    /// or by the timeout) a process still running gets SIGKILL (execo's
    /// `kill_timeout`). Default 10 s.
    pub kill_timeout: Duration,
    /// The most bytes of stdout and of stderr kept in memory (the last
    /// ones: older bytes are dropped, and counted). Default 1 MiB each.
    /// Output handlers see every byte whatever the cap.
    pub output_cap: usize,
    /// Keep stdout in memory (execo's `default_stdout_handler`). Default true.
    pub keep_stdout: bool,
    /// Keep stderr in memory (execo's `default_stderr_handler`). Default true.
    pub keep_stderr: bool,
}

impl Default for ProcessOptions {
    fn default() -> Self {
        ProcessOptions {
            timeout: None,
            ignore_exit_code: false,
            nolog_exit_code: false,
            ignore_timeout: false,
            nolog_timeout: false,
            ignore_error: false,
            nolog_error: false,
            ignore_expect_fail: false,
            nolog_expect_fail: false,
            ignore_write_error: false,
            nolog_write_error: false,
            default_expect_timeout: None,
            kill_timeout: Duration::from_secs(10),
            output_cap: 1 << 20,
            keep_stdout: true,
            keep_stderr: true,
        }
    }
}
