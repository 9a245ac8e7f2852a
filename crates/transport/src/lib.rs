//! oxscript transport: byte streams to devices and the Session engine.
//!
//! Layout:
//! - [`Session`]: one conversation with one device — connect, log in,
//!   execute, expect — over Telnet, SSH or an in-memory link; its
//!   [`Prompts`] (the caller's patterns instead of the driver's) and
//!   [`AuthState`].
//! - [`Response`], [`first_match`], [`any_match`]: command output and
//!   Exscript-style extraction helpers.
//! - [`AsyncStream`], [`BoxedStream`]: the byte streams a Session runs over.
//! - [`ssh`]: SSH connections (russh): host keys, authentication, exec
//!   channels, gateway hops.
//! - [`telnet`]: the `oxscript-telnet` crate, an I/O-free RFC
//!   854/855/1143 option negotiator and a tokio-util codec that hands data
//!   over as soon as it arrives.
//! - [`dummy`]: named in-memory devices reachable as `dummy://name`.
//! - [`Error`]: the crate's error type; timeouts show what arrived.
//! - [`testing`] (feature `test-util`): a scripted device for tests of
//!   code that drives a Session.
//!
//! Features: `openssh-config` ([`ssh::OpenSshConfig`]) and `sftp`
//! ([`ssh::Sftp`]), both on by default; `test-util` ([`testing`]), off.
//!
//! Internals: `link` (the one I/O task per connection), `tcp` (TCP
//! connections for Telnet), `buffer` (the monitored buffer the I/O task
//! fills), `clean` (terminal control sequence removal), `extract` (the
//! extraction helpers). Prompt search is the drivers crate's [`Scanner`]
//! (see [How patterns are searched](oxscript_drivers#how-patterns-are-searched)).
//!
//! [`Scanner`]: oxscript_drivers::Scanner

mod error;

pub mod dummy;
pub mod ssh;
#[cfg(any(feature = "test-util", doc))]
pub mod testing;

/// The Telnet codec and option negotiator (the `oxscript-telnet` crate).
#[doc(inline)]
pub use oxscript_telnet as telnet;

mod buffer;
mod clean;
mod extract;
mod link;
mod patterns;
mod read_ahead;
mod response;
pub mod serial;
mod session;
mod stream;
mod tcp;

pub use buffer::MonitorMatch;
pub use clean::strip_ansi;
pub use error::{Error, Result};
pub use error::{Expected, Tail};
pub use extract::{any_match, first_match};
pub use patterns::IntoPatterns;
pub use response::Response;
pub use session::{
    AuthState, ConfigOutput, ExecOptions, ExpectCanceller, ExpectMatch, LinkKind, Prompts, Session,
    SessionOptions, Transcript,
};
pub use stream::{AsyncStream, BoxedStream};
