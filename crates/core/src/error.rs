//! The crate's error type.

use std::path::PathBuf;
use std::sync::Arc;

/// Everything that can go wrong in `oxscript-core`.
///
/// No variant ever carries a password: URLs are shown with their password
/// replaced by `***`, and inventory errors name the line, never its secret.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A URL (or host name) could not be parsed.
    #[error("invalid URL `{input}`: {reason}")]
    InvalidUrl {
        /// The input, with any password replaced by `***`.
        input: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A protocol name is not one of `telnet`, `ssh` (`ssh2`) or `dummy`
    /// (`pseudo`).
    #[error("unknown protocol `{name}` (supported: telnet, ssh, ssh2, dummy, pseudo)")]
    UnknownProtocol {
        /// The name that was given.
        name: String,
    },
    /// A line of an inventory file (hosts, CSV or accounts) is malformed.
    #[error("{file}:{line}: {reason}")]
    Parse {
        /// The file name (or the source name given to the `*_from_str`
        /// functions).
        file: String,
        /// The 1-based line number.
        line: usize,
        /// What was wrong with the line.
        reason: String,
    },
    /// A file could not be read.
    #[error("cannot read `{}`: {error}", path.display())]
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying I/O error (part of the message, so not repeated
        /// as the error's source). Shared, so the error can be cloned.
        error: Arc<std::io::Error>,
    },
    /// An account was requested from a pool that has none (or from a pool
    /// that does not contain the requested account name).
    #[error("no account available in account pool `{pool}`")]
    NoAccounts {
        /// The name of the pool (see [`AccountPool::named`](crate::AccountPool::named)).
        pool: String,
    },
}

/// `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
