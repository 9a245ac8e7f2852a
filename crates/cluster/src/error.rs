//! The crate's error type.

use std::path::PathBuf;

/// Result alias for the cluster crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error from the NATS client.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong between a coordinator, NATS and workers.
///
/// No variant carries a password, token or key: connection options are
/// named, never shown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The NATS server could not be reached or refused the connection.
    #[error("cannot connect to NATS at {url}: {source}")]
    Connect {
        /// The server URL(s), without credentials.
        url: String,
        /// Why.
        source: BoxError,
    },

    /// A NATS or JetStream operation failed.
    #[error("NATS: {action} failed: {source}")]
    Nats {
        /// What was being done (naming the stream, bucket or key).
        action: String,
        /// The client's error.
        source: BoxError,
    },

    /// A name used in subjects, streams or keys has characters NATS does
    /// not allow there.
    #[error("invalid {what} `{value}`: use 1 to 64 letters, digits, `-` or `_`")]
    InvalidName {
        /// What the name is for (site, run, prefix…).
        what: &'static str,
        /// The name.
        value: String,
    },

    /// A message could not be decoded.
    #[error("invalid {what} on `{subject}`: {reason}")]
    Decode {
        /// The kind of message expected.
        what: &'static str,
        /// Where it came from.
        subject: String,
        /// What was wrong with it.
        reason: String,
    },

    /// A message was written by a build that speaks another wire version.
    #[error(
        "{what} on `{subject}` has wire version {found}; this build reads version {expected} \
         (run the same oxscript version on coordinators and workers)"
    )]
    Version {
        /// The kind of message.
        what: &'static str,
        /// Where it came from.
        subject: String,
        /// The version in the message.
        found: u32,
        /// The version this build speaks.
        expected: u32,
    },

    /// A job name is not in the registry.
    #[error("job `{name}` is not registered (registered jobs: {known})")]
    UnknownJob {
        /// The name asked for.
        name: String,
        /// The registered names, comma separated.
        known: String,
    },

    /// A registered job refused its arguments.
    #[error("job `{name}`: {reason}")]
    BadArguments {
        /// The job's name.
        name: String,
        /// What is wrong with the arguments.
        reason: String,
    },

    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The local nats-server (tests and benchmarks) could not be started.
    #[error("nats-server: {0}")]
    Server(String),

    /// A host or account problem.
    #[error(transparent)]
    Core(#[from] oxscript_core::Error),

    /// A job or queue problem.
    #[error(transparent)]
    Jobs(#[from] oxscript_jobs::Error),
}

impl Error {
    /// A NATS error while doing `action`.
    pub(crate) fn nats(action: impl Into<String>, source: impl Into<BoxError>) -> Error {
        Error::Nats {
            action: action.into(),
            source: source.into(),
        }
    }
}

/// `map_err` helper: a NATS error while doing `action`.
pub(crate) fn nats<E: Into<BoxError>>(action: impl Into<String>) -> impl FnOnce(E) -> Error {
    let action = action.into();
    move |e| Error::nats(action, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_was_done() {
        let e = Error::nats("creating bucket `x`", std::io::Error::other("timed out"));
        assert_eq!(e.to_string(), "NATS: creating bucket `x` failed: timed out");
        let e = Error::InvalidName {
            what: "site",
            value: "a.b".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid site `a.b`: use 1 to 64 letters, digits, `-` or `_`"
        );
    }
}
