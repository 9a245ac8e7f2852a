//! oxscript shells: crl.interactivesessions' model on oxscript's Session.
//!
//! - [`Shell`] describes how to enter a shell from the current one and
//!   leave it: [`BashShell`], [`SshShell`] (`ssh` typed inside the
//!   terminal, host keys answered by a [`HostKeyPolicy`]), [`SuShell`],
//!   [`SudoShell`], [`PythonShell`], [`TelnetShell`], and
//!   [`CustomShell`] (a few patterns, or a driver).
//! - [`ShellStack`] pushes and pops them on one [`Session`]
//!   (`push`, `pop`, `depth`, `current`, `run` with the exit status),
//!   giving every level a prompt unique to the stack and the level.
//! - [`AutoRecoveringTerminal`] rebuilds the whole stack on a new
//!   connection when a run fails with a broken-terminal error, with
//!   `prepare`, `verify` and `finalize` hooks, counted tries, events and
//!   `tracing` spans.
//! - [`RunnerTerminal`] runs Python code in a [`PythonShell`] and brings
//!   values back as JSON, with [`RemoteHandle`]s for remote objects and
//!   remote exceptions as [`Error::Remote`] carrying the traceback; built
//!   with [`RunnerTerminal::recovering`] it recovers like the terminal.
//!
//! The stack works over any Session: Telnet, SSH, gateway chains, serial
//! consoles. `docs/shells.md` maps crl's names to these.
//!
//! ```no_run
//! use oxscript_core::Host;
//! use oxscript_shells::{BashShell, HostKeyPolicy, ShellStack, SshShell};
//! use oxscript_transport::Session;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let host = Host::new("ssh://ops:pw@jump.example.net")?;
//! let mut session = Session::connect(&host).await?;
//! session.login(None).await?;
//! let mut stack = ShellStack::new(session);
//! stack.push(BashShell::new()).await?;
//! stack
//!     .push(
//!         SshShell::new("10.1.2.3", "ops")
//!             .password("pw")
//!             .host_key_policy(HostKeyPolicy::Fingerprints(vec!["SHA256:…".into()])),
//!     )
//!     .await?;
//! let out = stack.run("uptime").await?;
//! println!("{} (status {:?})", out.text, out.status);
//! # Ok(()) }
//! ```
//!
//! [`Session`]: oxscript_transport::Session

mod error;
mod kinds;
mod runner;
mod shell;
mod stack;
mod terminal;

pub use error::{Error, Result};
pub use kinds::{BashShell, CustomShell, PythonShell, SshShell, SuShell, SudoShell, TelnetShell};
pub use runner::{HELPER, RemoteHandle, RunnerTerminal};
pub use shell::{Entry, Flavor, HostKeyPolicy, Reply, Shell, Step};
pub use stack::{RunOutput, ShellStack};
pub use terminal::{
    AutoRecoveringTerminal, Broken, Hook, HostOpener, Opener, TerminalEvent, default_broken,
};
