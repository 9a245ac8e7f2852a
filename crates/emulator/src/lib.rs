//! oxscript emulator: virtual devices for tests, examples and benchmarks.
//!
//! Every test of oxscript runs against this crate instead of real devices:
//!
//! - [`VirtualDevice`]: a device definition (hostname, login dialogue,
//!   prompts, echo, paging, commands). [`DeviceSession`] is one
//!   connection's conversation with it, a state machine free of I/O.
//! - [`CommandSet`]: ordered (regex, handler) pairs, Exscript style;
//!   handlers may change the session's [`DeviceContext`].
//! - [`ios`]: a Cisco IOS emulator (login, `enable`, configuration modes,
//!   `show` commands, abbreviations, IOS error markers, `--More--`).
//! - [`junos`], [`nxos`], [`eos`], [`ios_xr`], [`vrp`], [`sros`]:
//!   emulators of Juniper JunOS, Cisco NX-OS, Arista EOS, Cisco IOS XR,
//!   Huawei VRP and Nokia SR OS (classic CLI), each with the platform's
//!   login dialogue and banner, prompts and configuration modes, version,
//!   interface and configuration displays that follow configuration
//!   changes, error messages, pager and paging-off command, so that
//!   oxscript's drivers for them can be tested end to end. They share
//!   [`platform::Interface`] for their interface tables.
//! - [`shell`]: a small bash-like Unix shell device.
//! - [`TelnetServer`]: serves a device over real Telnet on loopback, one
//!   task per client.
//! - [`SshServer`]: serves a device over real SSH (russh): password,
//!   keyboard-interactive and public-key authentication against the
//!   device's credentials, one device session per shell channel, exec
//!   requests with exit status, `direct-tcpip` tunnels (a gateway), and
//!   an old-IOS algorithm profile ([`SshServerConfig`]).
//! - [`DeviceConnector`] / [`register_dummy`]: in-memory `dummy://` links.
//!
//! ```
//! use oxscript_emulator::{ios, TelnetServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let device = ios::device("R1").with_credentials("admin", "cisco");
//! let server = TelnetServer::bind("127.0.0.1:0", device).await?;
//! println!("IOS emulator listening on {}", server.url());
//! // ... connect a Session to server.url() ...
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod command;
mod context;
mod device;
mod dummy;
pub mod eos;
mod error;
pub mod ios;
pub mod ios_xr;
pub mod junos;
mod listener;
pub mod nxos;
mod pager;
pub mod platform;
mod server;
mod session;
pub mod shell;
pub mod sros;
mod ssh_server;
mod stream;
mod telnet_server;
#[cfg(test)]
mod testing;
mod text;
mod trusted_hosts;
pub mod vrp;

pub use command::{CommandSet, Handler, HandlerFn, Reply};
pub use context::DeviceContext;
pub use device::{FallbackFn, LoginHook, LoginType, VirtualDevice};
pub use dummy::{DeviceConnector, register_dummy};
pub use error::{Error, Result};
pub use server::TelnetServer;
pub use session::{DeviceSession, Output};
pub use ssh_server::{DEFAULT_SERVER_ID, SshServer, SshServerConfig};
pub use stream::{serve_stream, serve_stream_until};
pub use trusted_hosts::TrustedHosts;
