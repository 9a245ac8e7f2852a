//! The crate's error type.

use oxscript_transport::Tail;

/// Result alias for the shells crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a shell stack, a recovering
/// terminal or the remote Python runner. Never carries a password.
///
/// ```
/// use oxscript_shells::Error;
///
/// let e = Error::Exhausted {
///     what: "run `uptime`".into(),
///     tries: 2,
///     failures: vec!["connection closed".into(), "timed out".into()],
/// };
/// assert_eq!(
///     e.to_string(),
///     "run `uptime` failed after 2 tries: try 1: connection closed; try 2: timed out"
/// );
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Session failed (connection, timeout, closed…).
    #[error(transparent)]
    Transport(#[from] oxscript_transport::Error),

    /// Entering a shell failed: a refused password, an unknown host, a
    /// missing program. The terminal is back in the shell below.
    #[error("cannot enter {shell}: {reason}; last received {tail}")]
    Entry {
        /// The shell, as [`Shell::describe`](crate::Shell::describe) names it.
        shell: String,
        /// What went wrong ("the password was refused", the error line…).
        reason: String,
        /// The end of what arrived.
        tail: Tail,
    },

    /// An `ssh` host-key question was answered "no" by the policy.
    #[error(
        "cannot enter {shell}: host key {fingerprint} refused by the host-key policy ({policy})"
    )]
    HostKeyRejected {
        /// The shell.
        shell: String,
        /// The fingerprint `ssh` showed (empty when none was shown).
        fingerprint: String,
        /// The policy that refused it.
        policy: String,
    },

    /// A shell was left but the shell below did not show its prompt.
    #[error("leaving {shell} did not bring the prompt of the shell below back: {source}")]
    Exit {
        /// The shell that was left.
        shell: String,
        /// What the wait for the prompt returned.
        source: Box<Error>,
    },

    /// An operation needs a shell the stack does not have.
    #[error("{0}")]
    Stack(String),

    /// A call failed on every try; each failure is listed.
    #[error("{what} failed after {tries} tries: {}", numbered(failures))]
    Exhausted {
        /// What was tried.
        what: String,
        /// How many tries were made.
        tries: usize,
        /// Why each try failed, in order.
        failures: Vec<String>,
    },

    /// The terminal was closed ([`AutoRecoveringTerminal::close`](crate::AutoRecoveringTerminal::close)).
    #[error("the terminal is closed")]
    Closed,

    /// Python code raised an exception on the remote side.
    #[error("remote Python raised {kind}: {message}")]
    Remote {
        /// The exception's class name (`ValueError`).
        kind: String,
        /// Its message.
        message: String,
        /// The remote traceback, as Python formatted it.
        traceback: String,
        /// What the code printed before it failed.
        output: String,
    },

    /// The remote value has no JSON form (it can still be kept in a
    /// handle with [`RunnerTerminal::assign`](crate::RunnerTerminal::assign)).
    #[error("the remote value is not JSON-serializable: {repr}")]
    NotJson {
        /// Python's `repr` of the value.
        repr: String,
    },

    /// The runner's reply could not be read (a broken frame).
    #[error("remote runner protocol error: {what}")]
    Protocol {
        /// What was wrong.
        what: String,
    },

    /// A handle of a session that was recovered since (crl
    /// `InvalidProxySession`): its remote value is gone.
    #[error("handle `{handle}` belongs to a runner session that has been replaced")]
    StaleHandle {
        /// The handle's remote name.
        handle: String,
    },

    /// Too many live handles: drop some first.
    #[error("too many live remote handles (limit {limit})")]
    TooManyHandles {
        /// The limit.
        limit: usize,
    },

    /// A hook (`prepare`, `verify`, `finalize`) or a caller failed with
    /// an error of its own.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    /// A failure described by `message`, e.g. from a `verify` hook.
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Failed(message.into())
    }

    /// The Session's error inside, if this is one.
    pub fn transport(&self) -> Option<&oxscript_transport::Error> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Exit { source, .. } => source.transport(),
            _ => None,
        }
    }
}

fn numbered(failures: &[String]) -> String {
    failures
        .iter()
        .enumerate()
        .map(|(i, f)| format!("try {}: {f}", i + 1))
        .collect::<Vec<_>>()
        .join("; ")
}
