//! The crate's error type.

use std::sync::Arc;
use std::time::Duration;

use oxscript_transport::Tail;

/// Result alias for the jobs crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error a job function returns (the crate's [`Error`]).
///
/// Job functions can use `?` on transport, core and driver errors (they
/// convert), and build their own failures with [`Error::msg`] or
/// [`Error::other`].
pub type JobError = Error;

/// Everything that can go wrong in a queue, a job or a job graph; the one
/// error of the `oxscript` facade (`oxscript::Error`).
///
/// The errors of the crates below convert into it with `?`: a Session's
/// error becomes [`Error::Transport`] and a host, URL or account error
/// [`Error::Core`], each holding the original error as is, so one pattern
/// matches through it (no `Arc` to look through); [`Error::transport`]
/// gives the Session's error back.
///
/// ```
/// use oxscript_jobs::Error;
/// use oxscript_transport::Error as SessionError;
///
/// // What `?` makes of a Session's error inside a job.
/// let refused: Error = SessionError::InvalidCommand {
///     command: "show bogus".into(),
///     line: "% Invalid input detected at '^' marker.".into(),
///     response: String::new(),
/// }
/// .into();
/// match &refused {
///     Error::Transport(SessionError::InvalidCommand { line, .. }) => assert!(line.starts_with('%')),
///     other => panic!("unexpected {other}"),
/// }
/// assert!(matches!(refused.transport(), Some(SessionError::InvalidCommand { .. })));
/// ```
///
/// Errors are cheap to clone (sources are shared), so a job's error can be
/// kept in its log, its [`Job`](crate::graph::Job) record and the events
/// sent to subscribers at the same time. Like every oxscript error, no
/// variant ever carries a password.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Talking to the device failed (connection, login, timeout, command
    /// error…): the Session's error, as it returned it.
    #[error(transparent)]
    Transport(#[from] oxscript_transport::Error),

    /// A host, URL or account problem (an invalid URL, no account in a pool…).
    #[error(transparent)]
    Core(#[from] oxscript_core::Error),

    /// A shell stack, a recovering terminal or the remote Python runner
    /// failed (a refused `sudo` password, a remote exception, a
    /// terminal that could not be recovered). A Session error inside it
    /// is still reached with [`Error::transport`].
    #[error(transparent)]
    Shells(#[from] oxscript_shells::Error),

    /// A file could not be written or read (logs, formatter output).
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The underlying I/O error.
        source: Arc<std::io::Error>,
    },

    /// A job reported a failure of its own ([`Error::msg`]).
    #[error("{message}")]
    Failed {
        /// What went wrong.
        message: String,
    },

    /// A job failed with some other error ([`Error::other`]).
    #[error("{message}")]
    Other {
        /// The error's message.
        message: String,
        /// The error itself, kept for its cause chain.
        source: Arc<dyn std::error::Error + Send + Sync + 'static>,
    },

    /// The job was cancelled (queue shutdown, scheduler abort or timeout).
    #[error("job cancelled")]
    Cancelled,

    /// A job function panicked; the panic was caught and turned into this error.
    #[error("job panicked: {message}")]
    Panicked {
        /// The panic message, when it was a string.
        message: String,
    },

    /// [`os_function_mapper`](crate::queue::os_function_mapper) found no
    /// function for the device's operating system and has no default.
    #[error("no function for operating system `{os}` (functions for: {known})")]
    NoOsHandler {
        /// The guessed operating system (or driver name).
        os: String,
        /// The operating systems that have a function.
        known: String,
    },

    /// The job graph has a dependency cycle; the jobs are listed along the
    /// cycle, the first one repeated at the end.
    #[error("dependency cycle between jobs: {}", cycle.join(" -> "))]
    Cycle {
        /// Job labels along the cycle.
        cycle: Vec<String>,
    },

    /// A job of a graph cannot run as it was built (a malformed template);
    /// found when the graph is checked, before anything runs.
    #[error("job `{job}` cannot run: {source}")]
    InvalidJob {
        /// The job's label.
        job: String,
        /// What is wrong with it.
        source: Box<Error>,
    },

    /// A job requires a job that is not in the same scheduler.
    #[error("job `{job}` requires `{requirement}`, which is not in the same scheduler")]
    ForeignRequirement {
        /// The job's label.
        job: String,
        /// The label of the required job.
        requirement: String,
    },

    /// A critical job failed, so the scheduler stopped and cancelled the rest.
    #[error("critical job `{job}` failed: {source}")]
    CriticalJobFailed {
        /// The failed job's label.
        job: String,
        /// Why it failed.
        source: Box<Error>,
    },

    /// The scheduler's timeout expired before all its jobs finished.
    #[error("scheduler timed out after {after:?} with {} job(s) pending: {}", pending.len(), pending.join(", "))]
    SchedulerTimeout {
        /// The timeout.
        after: Duration,
        /// Labels of the jobs that had not finished (running or not started).
        pending: Vec<String>,
    },

    /// A deferred command names a variable that has no value yet.
    #[error("variable `{name}` is not set (needed by `{template}`)")]
    MissingVariable {
        /// The variable's name.
        name: String,
        /// The template that needs it.
        template: String,
    },

    /// A deferred command template is malformed.
    #[error("invalid template `{template}`: {reason}")]
    Template {
        /// The template.
        template: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A command of an [`SshJob`](crate::ssh::SshJob) ended with an exit
    /// status (or a signal) that the command does not allow.
    #[error(
        "command `{command}` on {node} failed with {status}{}",
        failure_detail(stderr, output)
    )]
    CommandFailed {
        /// The node's label (the host's name, or `localhost`).
        node: String,
        /// The command line that ran.
        command: String,
        /// `status N`, `signal X` or `no exit status`.
        status: String,
        /// The end of what the command wrote to stderr.
        stderr: Tail,
        /// The end of what it wrote to stdout (network devices print their
        /// errors there).
        output: Tail,
    },

    /// A command of an [`SshJob`](crate::ssh::SshJob) cannot run on this
    /// kind of node (file transfers on a [`LocalNode`](crate::ssh::LocalNode)).
    #[error("{command} cannot run on {node}: {reason}")]
    Unsupported {
        /// The command, as labels show it.
        command: String,
        /// The node's label.
        node: String,
        /// Why.
        reason: String,
    },

    /// The queue was destroyed ([`Queue::destroy`](crate::queue::Queue::destroy)) and takes no more jobs.
    #[error("the queue was destroyed and takes no more jobs")]
    QueueDestroyed,

    /// Jobs can only be started from within a Tokio runtime.
    #[error("no Tokio runtime: create the queue or start jobs from within a Tokio runtime")]
    NoRuntime,
}

impl Error {
    /// A failure described by a message.
    ///
    /// ```
    /// use oxscript_jobs::Error;
    ///
    /// let e = Error::msg("interface Gi0/1 is down");
    /// assert_eq!(e.to_string(), "interface Gi0/1 is down");
    /// ```
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Failed {
            message: message.into(),
        }
    }

    /// Wraps any error, keeping it as the source (its cause chain shows in
    /// reports).
    pub fn other(error: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Other {
            message: error.to_string(),
            source: Arc::new(error),
        }
    }

    /// An I/O error with what was being done.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source: Arc::new(source),
        }
    }

    /// The Session's error this error holds, if it is an
    /// [`Error::Transport`].
    ///
    /// ```
    /// use oxscript_jobs::Error;
    /// use oxscript_transport::Error as SessionError;
    ///
    /// let closed: Error = SessionError::Closed { host: "r1".into() }.into();
    /// assert!(matches!(closed.transport(), Some(SessionError::Closed { .. })));
    /// assert!(Error::msg("no").transport().is_none());
    /// ```
    #[doc(alias = "as_transport")]
    pub fn transport(&self) -> Option<&oxscript_transport::Error> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Shells(e) => e.transport(),
            _ => None,
        }
    }

    /// Whether the device rejected the credentials: SSH authentication,
    /// app-level login or authorization (`enable`); see
    /// [`oxscript_transport::Error::is_login_failure`].
    pub fn is_login_failure(&self) -> bool {
        self.transport()
            .is_some_and(oxscript_transport::Error::is_login_failure)
    }

    /// Whether the connection could not be opened or was lost: refused,
    /// unreachable, timed out, closed, or an SSH protocol error; see
    /// [`oxscript_transport::Error::is_connect_failure`]. Host key
    /// problems are not connection failures (retrying cannot fix them).
    pub fn is_connect_failure(&self) -> bool {
        self.transport()
            .is_some_and(oxscript_transport::Error::is_connect_failure)
    }

    /// Whether this is [`Error::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Cancelled)
    }

    /// This error's message followed by the messages of its causes, one
    /// per entry (a message that repeats its cause's is not repeated).
    ///
    /// ```
    /// use oxscript_jobs::Error;
    ///
    /// let io = std::io::Error::other("disk full");
    /// let e = Error::other(io);
    /// assert_eq!(e.chain(), ["disk full"]);
    /// ```
    pub fn chain(&self) -> Vec<String> {
        let mut out = vec![self.to_string()];
        let mut next = std::error::Error::source(self);
        while let Some(cause) = next {
            let text = cause.to_string();
            if out.last().is_none_or(|last| *last != text) {
                out.push(text);
            }
            next = cause.source();
        }
        out
    }
}

/// The part of a [`Error::CommandFailed`] message that shows what the
/// command printed: stderr when it wrote any, else the end of its output.
fn failure_detail(stderr: &Tail, output: &Tail) -> String {
    if !stderr.is_empty() {
        format!("; stderr: {stderr}")
    } else if !output.is_empty() {
        format!("; output: {output}")
    } else {
        String::new()
    }
}

/// A driver error (an invalid pattern, an unknown driver, a bad driver
/// file) is the Session's [`Pattern`](oxscript_transport::Error::Pattern)
/// error, as if the Session had met it.
impl From<oxscript_drivers::Error> for Error {
    fn from(e: oxscript_drivers::Error) -> Error {
        Error::Transport(e.into())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::io("I/O error", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_follows_sources_without_repeats() {
        let inner = Error::msg("prompt not seen");
        let outer = Error::CriticalJobFailed {
            job: "configure".into(),
            source: Box::new(inner),
        };
        assert_eq!(
            outer.chain(),
            [
                "critical job `configure` failed: prompt not seen",
                "prompt not seen"
            ]
        );
        let io = Error::io("writing r1.log", std::io::Error::other("disk full"));
        assert_eq!(io.chain(), ["writing r1.log: disk full", "disk full"]);
    }

    #[test]
    fn classification() {
        let login: Error = oxscript_transport::Error::LoginFailure {
            host: "r1".into(),
            reason: "% Login invalid".into(),
            tail: oxscript_transport::Tail::of(b"Username: "),
        }
        .into();
        assert!(login.is_login_failure());
        assert!(!login.is_connect_failure());
        let connect: Error = oxscript_transport::Error::ConnectTimeout {
            address: "127.0.0.1:1".into(),
            timeout: Duration::from_secs(1),
        }
        .into();
        assert!(connect.is_connect_failure());
        assert!(!connect.is_login_failure());
        let ssh_auth: Error = oxscript_transport::Error::SshAuthFailed {
            host: "r1:22".into(),
            user: "admin".into(),
            tried: vec!["password".into()],
            offered: vec!["password".into(), "publickey".into()],
        }
        .into();
        assert!(ssh_auth.is_login_failure());
        let unknown_key: Error = oxscript_transport::Error::HostKeyUnknown {
            host: "r1:22".into(),
            fingerprint: "SHA256:x".into(),
            known_hosts: "~/.ssh/known_hosts".into(),
        }
        .into();
        assert!(!unknown_key.is_connect_failure() && !unknown_key.is_login_failure());
        assert!(Error::Cancelled.is_cancelled());
    }

    #[test]
    fn messages() {
        let cycle = Error::Cycle {
            cycle: vec!["a".into(), "b".into(), "a".into()],
        };
        assert_eq!(
            cycle.to_string(),
            "dependency cycle between jobs: a -> b -> a"
        );
        let timeout = Error::SchedulerTimeout {
            after: Duration::from_secs(2),
            pending: vec!["x".into(), "y".into()],
        };
        assert_eq!(
            timeout.to_string(),
            "scheduler timed out after 2s with 2 job(s) pending: x, y"
        );
    }
}
