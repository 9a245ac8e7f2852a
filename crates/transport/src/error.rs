//! The transport crate's error type.

/// Result alias for the transport crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while talking to a device.
///
/// Messages never contain secrets: passwords are never part of an error,
/// and received data is shown as an escaped tail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on the underlying stream.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}
