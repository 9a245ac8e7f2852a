//! Serving virtual devices: over Telnet and SSH on TCP ports, over any
//! byte stream, or in memory as `dummy://` links.

pub(crate) mod dummy;
pub(crate) mod listener;
pub(crate) mod ssh;
pub(crate) mod stream;
pub(crate) mod telnet;

/// The size of the pieces a long reply (a 50 MB `show tech-support`) is
/// made and sent in by the stream servers (see
/// [`DeviceSession::feed_pieces`](crate::DeviceSession::feed_pieces)).
pub(crate) const PIECE: usize = 256 * 1024;
