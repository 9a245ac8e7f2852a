//! oxscript transport: byte streams to devices and the Session engine.
//!
//! Layout:
//! - [`telnet`]: an I/O-free RFC 854/855/1143 option negotiator and a
//!   tokio-util codec that hands data over as soon as it arrives.
//! - [`dummy`]: named in-memory devices reachable as `dummy://name`.
//! - [`Error`]: the crate's error type.

mod error;

pub mod dummy;
pub mod telnet;

pub use error::{Error, Result};
