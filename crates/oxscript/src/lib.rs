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
//!     session.logout().await
//! }
//! ```
//!
//! Changing `telnet://` to `ssh://` is the only change needed to use SSH.
//!
//! ## Where things are
//! - The model: [`Url`], [`Host`], [`Account`], [`AccountPool`],
//!   [`AccountManager`], inventory files in [`inventory`].
//! - Vendor knowledge: [`drivers`] ([`Driver`], [`Registry`], [`OsGuesser`]).
//! - Conversations: [`Session`], [`Response`], [`first_match`], [`any_match`].
//! - Emulated devices for tests and demos (feature `emulator`, on by
//!   default): [`emulator`].
//! - Jobs distributed to workers over NATS JetStream (feature `cluster`):
//!   `cluster`.
//!
//! The user guide is in the repository's `docs/` directory, starting with
//! `docs/getting-started.md`.

pub use oxscript_core::{
    Account, AccountBuilder, AccountGuard, AccountManager, AccountPool, Host, InventoryOptions,
    LoginGuard, PrivateKeyFile, Protocol, Secret, Url, Vars, inventory,
};
pub use oxscript_drivers::{self as drivers, Driver, Guess, OsGuesser, Pattern, Registry};
pub use oxscript_transport::{
    self as transport, Error, ExpectCanceller, ExpectMatch, IntoPatterns, LinkKind, MonitorMatch,
    Response, Result, Session, SessionOptions, Tail, Transcript, any_match, first_match,
};

pub use oxscript_jobs as jobs;

#[cfg(feature = "emulator")]
pub use oxscript_emulator as emulator;

/// The same jobs over NATS JetStream (feature `cluster`).
#[cfg(feature = "cluster")]
pub use oxscript_cluster as cluster;

/// The names most programs need, for `use oxscript::prelude::*`.
pub mod prelude {
    pub use crate::{
        Account, AccountPool, Driver, Error, Host, Pattern, Protocol, Response, Session,
        SessionOptions, Url, any_match, first_match,
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
        session.login().await?;
    }
    Ok(session)
}
