//! [`ProcessState`]: where a process is in its life and how it ended.

use std::time::SystemTime;

use super::options::ProcessOptions;

/// What happened to a [`Process`](super::Process) so far (execo's
/// `ProcessBase` attributes). A copy: read it again for news.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessState {
    /// The process was started (even if starting failed: see [`error`](Self::error)).
    pub started: bool,
    /// The process has ended (exited, was killed, or failed to start).
    pub ended: bool,
    /// When it was started.
    pub start_date: Option<SystemTime>,
    /// When it ended.
    pub end_date: Option<SystemTime>,
    /// Starting it failed (no such program, SSH connection or exec
    /// refused, SFTP error for a transfer). Not the exit code.
    pub error: bool,
    /// Why it failed to start, if it did.
    pub error_reason: Option<String>,
    /// It reached its timeout and was sent SIGTERM.
    pub timed_out: bool,
    /// It was sent a signal by [`kill`](super::Process::kill), a timeout
    /// or a drop.
    pub killed: bool,
    /// It did not end after SIGTERM/SIGINT and was sent SIGKILL.
    pub forced_kill: bool,
    /// The exit code, when it exited normally.
    pub exit_code: Option<i32>,
    /// The signal that ended it (`TERM`, `KILL`…), if one did.
    pub exit_signal: Option<String>,
    /// An [`expect`](super::Process::expect) failed to match.
    pub expect_fail: bool,
    /// A [`write`](super::Process::write) to its stdin failed.
    pub write_error: bool,
    /// The local process id, for a local process that started.
    pub pid: Option<u32>,
    /// Killed on request (not by its timeout): the exit code no longer
    /// counts, as in execo.
    pub(crate) killed_by_user: bool,
}

impl ProcessState {
    /// Started and not ended.
    pub fn running(&self) -> bool {
        self.started && !self.ended
    }

    /// Whether the process is ok under `options` (execo's `ok`): no
    /// failed expect and no failed write (unless ignored), and either not
    /// started, not ended, or ended without start error, without timeout
    /// and with exit code 0 (each unless ignored; a process killed on
    /// request or by its timeout is not judged by its exit code).
    pub fn ok(&self, options: &ProcessOptions) -> bool {
        if self.expect_fail && !options.ignore_expect_fail {
            return false;
        }
        if self.write_error && !options.ignore_write_error {
            return false;
        }
        if !self.started || !self.ended {
            return true;
        }
        if self.error {
            return options.ignore_error;
        }
        if self.timed_out && !options.ignore_timeout {
            return false;
        }
        // A process ended by its timeout or on request is not judged by
        // its exit code (it will rarely be 0).
        self.exit_code == Some(0)
            || options.ignore_exit_code
            || self.killed_by_user
            || self.timed_out
    }

    /// Started, ended and ok (execo's `finished_ok`).
    pub fn finished_ok(&self, options: &ProcessOptions) -> bool {
        self.started && self.ended && self.ok(options)
    }

    /// Ended with a non-zero exit code (or a signal) without a start
    /// error: what execo counts as `num_non_zero_exit_codes`.
    pub fn non_zero_exit(&self) -> bool {
        self.ended && !self.error && self.exit_code != Some(0)
    }

    /// How it ended, in a few words: `exit 0`, `exit 3`, `signal TERM`,
    /// `error: …`, `running`, `not started`.
    pub fn summary(&self) -> String {
        if !self.started {
            return "not started".to_owned();
        }
        if self.error {
            return format!(
                "error: {}",
                self.error_reason.as_deref().unwrap_or("unknown")
            );
        }
        if !self.ended {
            return "running".to_owned();
        }
        let mut text = match (&self.exit_signal, self.exit_code) {
            (Some(signal), _) => format!("signal {signal}"),
            (None, Some(code)) => format!("exit {code}"),
            (None, None) => "no exit status".to_owned(),
        };
        if self.timed_out {
            text.push_str(", timed out");
        }
        if self.forced_kill {
            text.push_str(", forced kill");
        }
        if self.expect_fail {
            text.push_str(", expect failed");
        }
        if self.write_error {
            text.push_str(", write error");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(code: Option<i32>) -> ProcessState {
        ProcessState {
            started: true,
            ended: true,
            exit_code: code,
            ..ProcessState::default()
        }
    }

    #[test]
    fn ok_follows_execo_rules() {
        let strict = ProcessOptions::default();
        assert!(ProcessState::default().ok(&strict), "not started is ok");
        assert!(!ProcessState::default().finished_ok(&strict));
        let running = ProcessState {
            started: true,
            ..ProcessState::default()
        };
        assert!(running.ok(&strict) && running.running() && !running.finished_ok(&strict));
        assert!(ended(Some(0)).finished_ok(&strict));
        assert!(!ended(Some(2)).ok(&strict));
        assert!(ended(Some(2)).non_zero_exit());
        let lenient = ProcessOptions {
            ignore_exit_code: true,
            ignore_timeout: true,
            ignore_error: true,
            ignore_expect_fail: true,
            ignore_write_error: true,
            ..ProcessOptions::default()
        };
        assert!(ended(Some(2)).ok(&lenient));
        let timed_out = ProcessState {
            timed_out: true,
            exit_signal: Some("TERM".into()),
            ..ended(None)
        };
        assert!(!timed_out.ok(&strict) && timed_out.ok(&lenient));
        assert_eq!(timed_out.summary(), "signal TERM, timed out");
        let error = ProcessState {
            error: true,
            error_reason: Some("no such file".into()),
            ..ended(None)
        };
        assert!(!error.ok(&strict) && error.ok(&lenient) && !error.non_zero_exit());
        assert_eq!(error.summary(), "error: no such file");
        let killed = ProcessState {
            killed: true,
            killed_by_user: true,
            exit_signal: Some("TERM".into()),
            ..ended(None)
        };
        assert!(
            killed.ok(&strict),
            "a kill on request does not judge the exit"
        );
        for (flag, state) in [
            (
                "expect",
                ProcessState {
                    expect_fail: true,
                    ..ended(Some(0))
                },
            ),
            (
                "write",
                ProcessState {
                    write_error: true,
                    ..ended(Some(0))
                },
            ),
        ] {
            assert!(!state.ok(&strict), "{flag}");
            assert!(state.ok(&lenient), "{flag}");
        }
        assert_eq!(ProcessState::default().summary(), "not started");
        assert_eq!(running.summary(), "running");
    }
}
