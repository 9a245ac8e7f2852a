//! The error type of this crate.

/// Everything that can go wrong while building or looking up a driver.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A regular expression did not compile.
    #[error("invalid pattern `{pattern}`: {reason}")]
    InvalidPattern {
        /// The source text of the pattern.
        pattern: String,
        /// Why the regex engine rejected it.
        reason: String,
    },
    /// No driver is registered under this name or alias.
    #[error("unknown driver `{name}`")]
    UnknownDriver {
        /// The name that was looked up.
        name: String,
    },
}
