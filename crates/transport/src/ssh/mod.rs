//! SSH: connections, authentication, host keys, exec channels, gateways.
//!
//! A Session opened on an `ssh://` URL uses this module through
//! [`crate::Session`]; use it directly for what is not a CLI conversation:
//! remote commands with exit codes ([`SshConnection::run`],
//! [`SshConnection::exec`]), tunnels ([`SshConnection::open_direct_tcpip`])
//! and shared gateway connections ([`SshPool`]).
//!
//! - Host keys are verified against `~/.ssh/known_hosts` by default
//!   ([`HostKeyPolicy::Strict`]); [`HostKeyPolicy::AcceptNew`] records new
//!   hosts; [`HostKeyPolicy::InsecureAcceptAny`] is the explicit opt-out.
//! - Authentication follows OpenSSH's order among the methods the server
//!   offers: public keys (ssh-agent, the account's key, identity files,
//!   default identities), keyboard-interactive, password.
//! - Algorithms are chosen per connection ([`AlgorithmProfile`]); the
//!   `Legacy` profile reaches old network gear without affecting anything
//!   else in the process.
//! - A [`Host`](oxscript_core::Host) with a gateway is reached through it
//!   (recursively, any depth) with `direct-tcpip` tunnels.
//! - Files move over SFTP (`SshConnection::sftp`, `Sftp`; feature `sftp`,
//!   on by default); local ports are forwarded like `ssh -L`
//!   ([`SshConnection::forward_local`]).
//! - An OpenSSH client configuration is applied on request only
//!   (`OpenSshConfig`, feature `openssh-config`, on by default): nothing
//!   reads `~/.ssh/config` implicitly.

#[cfg(feature = "openssh-config")]
mod config;
mod connection;
mod exec;
mod forward;
mod handler;
pub mod known_hosts;
mod options;
mod pattern;
mod pool;
#[cfg(feature = "sftp")]
mod sftp;
mod version;

#[cfg(feature = "openssh-config")]
pub use config::{HostConfig, OpenSshConfig};
pub use connection::{ChannelStream, SshConnection};
pub use exec::LineSplitter;
pub use exec::{Exec, ExecEvent, ExecOutput, ExecStream, OutputStream};
pub use forward::PortForward;
pub use known_hosts::{HostKeyPolicy, KnownHosts};
pub use options::{AlgorithmProfile, AuthMethod, SshOptions};
pub use pool::HopId;
pub use pool::SshPool;
#[cfg(feature = "sftp")]
pub use sftp::{Progress, Sftp, Transfer};
