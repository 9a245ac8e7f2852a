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
//!   [`Interface`] for their interface tables.
//!   [`VirtualDevice::without_banner`] turns any of them into a device
//!   that shows nothing but its prompts (no banner, no message after
//!   login), as many SSH servers of network devices do.
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
mod error;
mod pager;
mod platforms;
mod serve;
mod session;
#[cfg(test)]
mod testing;
mod text;

pub use command::{CommandSet, Handler, HandlerFn, Reply};
pub use context::DeviceContext;
pub use device::{FallbackFn, LoginHook, LoginType, VirtualDevice};
pub use error::{Error, Result};
pub use platforms::common::Interface;
pub use platforms::{eos, ios, ios_xr, junos, nxos, shell, sros, vrp};
pub use serve::dummy::{DeviceConnector, register_dummy};
pub use serve::ssh::{DEFAULT_SERVER_ID, SshServer, SshServerConfig, TrustedHosts};
pub use serve::stream::{serve_stream, serve_stream_until};
pub use serve::telnet::TelnetServer;
pub use session::{DeviceSession, Output};
