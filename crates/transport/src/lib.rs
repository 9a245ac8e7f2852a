//! oxscript transport: byte streams to devices and the Session engine.
//!
//! Layout:
//! - [`Session`]: one conversation with one device — connect, log in,
//!   execute, expect — over Telnet, SSH or an in-memory link.
//! - [`Response`], [`first_match`], [`any_match`]: command output and
//!   Exscript-style extraction helpers.
//! - [`ssh`]: SSH connections (russh): host keys, authentication, exec
//!   channels, gateway hops.
//! - [`telnet`]: an I/O-free RFC 854/855/1143 option negotiator and a
//!   tokio-util codec that hands data over as soon as it arrives.
//! - [`dummy`]: named in-memory devices reachable as `dummy://name`.
//! - [`Error`]: the crate's error type; timeouts show what arrived.
//!
//! Internals: `link` (the one I/O task per connection), `buffer` (the
//! monitored buffer it fills), `scan` (linear incremental prompt search),
//! `clean` (terminal control sequence removal).

mod error;

pub mod dummy;
pub mod ssh;
pub mod telnet;

mod buffer;
mod clean;
mod link;
mod matching;
mod patterns;
mod response;
mod scan;
pub mod serial;
mod session;

pub use buffer::MonitorMatch;
pub use clean::strip_ansi;
pub use error::{Error, Result};
pub use error::{Expected, Tail};
pub use matching::{any_match, first_match};
pub use patterns::IntoPatterns;
pub use response::Response;
pub use session::{ExpectCanceller, ExpectMatch, LinkKind, Session, SessionOptions, Transcript};
