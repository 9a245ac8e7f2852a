//! Serving virtual devices: over Telnet and SSH on TCP ports, over any
//! byte stream, or in memory as `dummy://` links.

pub(crate) mod dummy;
pub(crate) mod listener;
pub(crate) mod ssh;
pub(crate) mod stream;
pub(crate) mod telnet;
