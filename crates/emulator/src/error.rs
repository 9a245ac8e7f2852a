//! The emulator crate's error type.

/// Result alias for the emulator crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can be wrong in a device definition.
///
/// Serving a device never fails with this type: once a [`VirtualDevice`]
/// is built, every input from a client gets a reply (an error reply if
/// need be), never an `Error`.
///
/// [`VirtualDevice`]: crate::VirtualDevice
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A command pattern is not a valid regular expression.
    #[error("invalid command pattern {pattern:?}: {reason}")]
    InvalidPattern {
        /// The pattern as given.
        pattern: String,
        /// Why the regex engine rejected it.
        reason: String,
    },
}
