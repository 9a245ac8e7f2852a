//! The data model of oxscript: which device to talk to, how, and as whom.
//!
//! This crate holds the plain values every other oxscript crate works with.
//! It does no network I/O (the only I/O is reading inventory files).
//!
//! - [`Url`] parses Exscript-style host URLs leniently: `router1`,
//!   `router1:2323`, `ssh:router1`, `ssh://admin:secret@10.0.0.1:2222?site=lab`,
//!   `ssh://[::1]:2222`… with a default protocol and per-protocol default
//!   ports ([`Protocol`]).
//! - [`Host`] is a device: name and address, protocol and port, an optional
//!   [`Account`] of its own, a driver name, an SSH gateway (itself a
//!   `Host`), options, and list-valued variables ([`Vars`]) for templates.
//! - [`Account`] is a user name with a password, an optional authorization
//!   ("enable") password and an optional [`PrivateKeyFile`]. Secrets are
//!   [`Secret`]s: shown as `***` in `Debug`/`Display` and errors, and
//!   zeroized on drop.
//! - [`AccountPool`] shares a few accounts among many concurrent sessions
//!   (round robin, async waiting, cancellation-safe); [`AccountManager`]
//!   picks the pool for a host, as Exscript does.
//! - [`inventory`] reads host lists, tab-separated host tables and account
//!   files in Exscript's formats.
//!
//! # Example
//!
//! ```
//! use oxscript_core::{Account, AccountManager, Host, Protocol, Url};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> oxscript_core::Result<()> {
//! // A URL: the protocol defaults to Telnet, the port to the protocol's.
//! let url = Url::parse("ssh://admin:s3cret@10.0.0.1?site=lab")?;
//! assert_eq!((url.protocol, url.port), (Protocol::Ssh, 22));
//! assert_eq!(url.to_string(), "ssh://admin:***@10.0.0.1:22?site=lab");
//!
//! // A host built from it carries the URL's account and variables.
//! let mut core = Host::from_url(url);
//! core.set_name("core1");
//! assert_eq!(core.account().map(|a| a.name()), Some("admin"));
//! assert_eq!(core.get_first("site"), Some("lab"));
//!
//! // Hosts without an account of their own take one from the manager.
//! let manager = AccountManager::new();
//! manager.add_account(Account::new("operator", "pw"));
//! let edge = Host::with_default_protocol("edge1", Protocol::Ssh)?;
//! let account = manager.acquire_for(&edge).await?;
//! assert_eq!(account.name(), "operator");
//! assert_eq!(manager.acquire_for(&core).await?.name(), "admin");
//!
//! // Secrets never show up in Debug output.
//! assert!(!format!("{core:?} {account:?}").contains("s3cret"));
//! # Ok(())
//! # }
//! ```

mod account;
mod error;
mod host;
pub mod inventory;
mod pool;
mod protocol;
mod secret;
pub mod sync;
pub mod time;
mod url;

pub use account::{Account, AccountBuilder, LoginGuard, PrivateKeyFile};
pub use error::{Error, Result};
pub use host::Host;
pub use inventory::InventoryOptions;
pub use pool::{AccountGuard, AccountManager, AccountPool, PoolMatcher};
pub use protocol::Protocol;
pub use secret::Secret;
pub use url::{Url, Vars};
