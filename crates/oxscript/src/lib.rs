//! # oxscript
//!
//! Automate conversations with network devices (Cisco IOS, IOS-XR, NX-OS,
//! JunOS, EOS, VRP, SR OS, …) and Unix hosts over Telnet and SSH: connect,
//! log in, detect prompts, execute commands, extract data with regexes,
//! escalate privileges — from async Rust, on Tokio, for one device or
//! thousands.
//!
//! ```no_run
//! use oxscript::prelude::*;
//!
//! #[tokio::main]
//! async fn main() -> oxscript::Result<()> {
//!     // Login details in the URL are used to log in right away.
//!     let mut session = oxscript::connect("telnet://admin:secret@192.0.2.1").await?;
//!     session.autoinit().await?; // terminal length 0, …
//!     let response = session.execute("show version").await?;
//!     let [version] = response.first_match(r"Version ([^,\s]+)")?;
//!     println!("running {}", version.unwrap_or_default());
//!     session.logout().await?;
//!     Ok(())
//! }
//! ```
//!
//! Changing `telnet://` to `ssh://` is the only change needed to use SSH.
//!
//! ## Where things are
//! - The model: [`Url`], [`Host`], [`Account`], [`AccountPool`],
//!   [`AccountManager`], inventory files in [`inventory`].
//! - Vendor knowledge: [`drivers`] ([`Driver`], [`Registry`], [`OsGuesser`]).
//! - Conversations: [`Session`], [`Response`], [`Prompts`], [`first_match`],
//!   [`any_match`]; SSH settings and connections: [`SshOptions`],
//!   [`HostKeyPolicy`], [`SshConnection`] (more in [`transport::ssh`]).
//! - Work over many hosts: [`Queue`] with [`QueueOptions`] and
//!   [`autologin`], job graphs with [`Scheduler`] and [`Job`]; the rest of
//!   [`jobs`]: logs, reports, SSH jobs, execo-style processes and actions.
//! - Exscript templates on a Session: [`template`].
//! - crl-style stacks of shells on one terminal (`ssh`, `sudo`, `python3`
//!   typed inside it), self-recovering terminals and a remote Python
//!   runner: [`shells`].
//! - Structured output with TextFSM templates and ntc-templates indexes:
//!   [`textfsm`] (`response.parse_textfsm(&t)`, `session.execute_parsed(cmd, &index)`).
//! - Emulated devices for tests and demos (feature `emulator`, off by
//!   default): `emulator`, once enabled with
//!   `oxscript = { version = "0.1", features = ["emulator"] }`.
//! - Jobs distributed to workers over NATS JetStream (feature `cluster`):
//!   `cluster`.
//!
//! ## One error
//!
//! [`Error`] (and [`Result`]) is the error of everything above: the
//! errors of a Session ([`transport::Error`]), of hosts and accounts and
//! of drivers convert into it with `?`, in `main` as in a queue or graph
//! job. A Session's error is kept as is, so matching it takes one
//! pattern, and [`Error::transport`] hands it back:
//!
//! ```
//! use oxscript::{Error, transport};
//!
//! fn refused_line(error: &Error) -> Option<&str> {
//!     match error {
//!         Error::Transport(transport::Error::InvalidCommand { line, .. }) => Some(line),
//!         _ => None,
//!     }
//! }
//! # let e: Error = transport::Error::InvalidCommand {
//! #     command: "x".into(), line: "% bad".into(), response: String::new() }.into();
//! # assert_eq!(refused_line(&e), Some("% bad"));
//! ```
//!
//! Session calls themselves return [`transport::Error`]; match it there
//! directly (`Err(transport::Error::InvalidCommand { .. })`).
//!
//! The user guide is in the repository's `docs/` directory, starting with
//! `docs/getting-started.md`.

pub use oxscript_core::{
    Account, AccountBuilder, AccountGuard, AccountManager, AccountPool, Host, InventoryOptions,
    LoginGuard, PrivateKeyFile, Protocol, Secret, Url, Vars, inventory,
};
pub use oxscript_drivers::{Driver, Guess, OsGuesser, Pattern, Registry};
pub use oxscript_jobs::graph::{Job, Scheduler};
pub use oxscript_jobs::queue::{JobContext, Queue, QueueOptions, autologin};
pub use oxscript_jobs::{Error, Result};
pub use oxscript_transport::ssh::{HostKeyPolicy, SshConnection, SshOptions};
pub use oxscript_transport::{
    AuthState, ConfigOutput, ExecOptions, ExpectCanceller, ExpectMatch, IntoPatterns, LinkKind,
    MonitorMatch, Prompts, Response, Session, SessionOptions, Tail, Transcript, any_match,
    first_match,
};

// The layers, documented here in full (not as links to crates whose docs
// are not built with `--no-deps`).
#[doc(inline)]
pub use oxscript_drivers as drivers;
#[doc(inline)]
pub use oxscript_jobs as jobs;
#[doc(inline)]
pub use oxscript_template as template;
#[doc(inline)]
pub use oxscript_transport as transport;

pub use oxscript_shells as shells;

/// The examples of `docs/shells.md`, compiled (and the runnable ones run)
/// as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/shells.md")]
pub struct ShellsGuide;

pub use oxscript_textfsm as textfsm;

#[cfg(feature = "emulator")]
#[doc(inline)]
pub use oxscript_emulator as emulator;

/// The same jobs over NATS JetStream (feature `cluster`).
#[cfg(feature = "cluster")]
pub use oxscript_cluster as cluster;

/// The names most programs need, for `use oxscript::prelude::*`.
pub mod prelude {
    pub use crate::textfsm::{ExecuteParsed, ParseTextFsm};
    pub use crate::{
        Account, AccountPool, Driver, Error, ExecOptions, Host, Pattern, Protocol, Response,
        Session, SessionOptions, Url, any_match, first_match,
    };
}

/// Parses `url`, connects, and logs in when the URL carries a username
/// (Exscript `protocols.connect`).
///
/// The default protocol is Telnet; see [`Url::parse`] for the accepted forms.
pub async fn connect(url: &str) -> Result<Session> {
    connect_host(&Host::new(url)?, SessionOptions::default()).await
}

/// Connects to `host` with `options`, and logs in when the host has an account.
pub async fn connect_host(host: &Host, options: SessionOptions) -> Result<Session> {
    let mut session = Session::connect_with(host, options).await?;
    if host.account().is_some() {
        session.login(None).await?;
    }
    Ok(session)
}
