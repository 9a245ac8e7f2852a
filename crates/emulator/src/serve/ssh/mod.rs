//! [`SshServer`]: serves a [`VirtualDevice`] over SSH on a TCP port.

mod exec;
mod handler;
mod keys;
mod killable;
mod sftp;
mod trusted_hosts;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::{PrivateKey, PublicKey};
use russh::server::{self, Config};
use russh::{Disconnect, MethodKind, MethodSet, SshId};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio_util::sync::CancellationToken;

use crate::device::VirtualDevice;
use crate::serve::listener::{Listener, listener_accessors};

pub use self::trusted_hosts::TrustedHosts;

use self::handler::{ConnectionHandler, Shared};
use self::killable::Killable;

/// How long a rejected authentication attempt takes: short, so tests of
/// wrong passwords are fast, but the rejection path still runs.
const AUTH_REJECTION_TIME: Duration = Duration::from_millis(10);

/// At shutdown, how long each step of closing a connection may take: the
/// disconnect message, the client closing its side, and (if the client
/// did not) the end of the connection after its socket was cut.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The identification string sent when [`SshServerConfig::server_id`] is
/// `None`.
pub const DEFAULT_SERVER_ID: &str = "SSH-2.0-oxscript_emulator";

/// Settings of an [`SshServer`]. Build with struct-update syntax from
/// `default()`.
///
/// ```
/// use oxscript_emulator::SshServerConfig;
///
/// let old_ios = SshServerConfig {
///     legacy_only: true,
///     server_id: Some("SSH-2.0-Cisco-1.25".into()),
///     ..SshServerConfig::default()
/// };
/// assert!(old_ios.password_auth && !old_ios.app_login);
/// ```
#[derive(Clone)]
pub struct SshServerConfig {
    /// The host key. `None`: a random ed25519 key per server (an RSA key
    /// with [`legacy_only`](Self::legacy_only), generated once per process
    /// and shared by such servers, as RSA key generation is slow).
    pub host_key: Option<PrivateKey>,
    /// Keys accepted for public-key authentication, for any user listed in
    /// the device's credentials (any user when the device has none). Empty:
    /// public-key authentication is not offered.
    pub authorized_keys: Vec<PublicKey>,
    /// Offer password authentication, checked against the device's
    /// credentials (any password is accepted when the device has none).
    /// Default true.
    pub password_auth: bool,
    /// Offer keyboard-interactive authentication: one `Password: ` prompt
    /// without echo, checked like a password. Default true.
    pub keyboard_interactive: bool,
    /// After SSH authentication the device still runs its own login
    /// dialogue (username and password prompts), like devices that log in
    /// at the application level over SSH. `false` (the default): the shell
    /// starts logged in as the SSH user.
    pub app_login: bool,
    /// Serve exec requests: the command line runs on a fresh session of
    /// the device, logged in as the SSH user (also with `app_login`), one
    /// command per line of the request, paging off. The channel returns
    /// the output as the device prints it (`\r\n` line endings) without
    /// the echoed lines and prompts, exit status 1 when the device printed
    /// an error (a line starting with `% `, as IOS errors do, or a shell's
    /// `command not found`) and 0 otherwise, then EOF and close. `false`:
    /// exec requests are refused (`CHANNEL_FAILURE`, the channel stays
    /// open, as sshd does). Default true.
    pub exec: bool,
    /// Serve the `sftp` subsystem: an in-memory file tree shared by the
    /// server's connections (each user starts in `/home/<user>`), so
    /// uploads and downloads can be tested. Default false: subsystem
    /// requests are refused.
    pub sftp: bool,
    /// Act as a gateway: a `direct-tcpip` request opens a TCP connection to
    /// the requested host and port and relays both ways (refused, with the
    /// reason, when the connection fails). Default false.
    pub direct_tcpip: bool,
    /// Offer only what old IOS offers: `diffie-hellman-group14-sha1` and
    /// `diffie-hellman-group1-sha1`, `aes128-cbc`, `aes256-cbc`, `3des-cbc`,
    /// `hmac-sha1`, and an `ssh-rsa` host key. A client with modern
    /// defaults cannot negotiate with such a server. Default false.
    pub legacy_only: bool,
    /// The authentication banner (sent before authentication), if any.
    pub banner: Option<String>,
    /// The identification string, e.g. `SSH-2.0-Cisco-1.25` (a string
    /// without the `SSH-` prefix gets `SSH-2.0-` in front). `None`:
    /// [`DEFAULT_SERVER_ID`].
    pub server_id: Option<String>,
}

impl Default for SshServerConfig {
    fn default() -> Self {
        SshServerConfig {
            host_key: None,
            authorized_keys: Vec::new(),
            password_auth: true,
            keyboard_interactive: true,
            app_login: false,
            exec: true,
            sftp: false,
            direct_tcpip: false,
            legacy_only: false,
            banner: None,
            server_id: None,
        }
    }
}

impl fmt::Debug for SshServerConfig {
    /// Shows keys by fingerprint only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshServerConfig")
            .field(
                "host_key",
                &self
                    .host_key
                    .as_ref()
                    .map(|k| keys::fingerprint(k.public_key())),
            )
            .field(
                "authorized_keys",
                &self
                    .authorized_keys
                    .iter()
                    .map(keys::fingerprint)
                    .collect::<Vec<_>>(),
            )
            .field("password_auth", &self.password_auth)
            .field("keyboard_interactive", &self.keyboard_interactive)
            .field("app_login", &self.app_login)
            .field("exec", &self.exec)
            .field("sftp", &self.sftp)
            .field("direct_tcpip", &self.direct_tcpip)
            .field("legacy_only", &self.legacy_only)
            .field("banner", &self.banner)
            .field("server_id", &self.server_id)
            .finish()
    }
}

impl SshServerConfig {
    /// The identification string sent to clients.
    fn identification(&self) -> io::Result<String> {
        let id = match &self.server_id {
            None => return Ok(DEFAULT_SERVER_ID.to_owned()),
            Some(id) if id.starts_with("SSH-") => id.clone(),
            Some(id) => format!("SSH-2.0-{id}"),
        };
        if id.contains(['\r', '\n']) || id.len() > 253 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "server_id {id:?}: must be one line of at most 253 characters (RFC 4253 §4.2)"
                ),
            ));
        }
        Ok(id)
    }

    /// The authentication methods offered.
    fn methods(&self) -> MethodSet {
        let mut methods = Vec::new();
        if !self.authorized_keys.is_empty() {
            methods.push(MethodKind::PublicKey);
        }
        if self.keyboard_interactive {
            methods.push(MethodKind::KeyboardInteractive);
        }
        if self.password_auth {
            methods.push(MethodKind::Password);
        }
        MethodSet::from(&methods[..])
    }
}

/// An SSH server for a [`VirtualDevice`], one Tokio task per connection.
///
/// Clients authenticate with a password, keyboard-interactive or a public
/// key (see [`SshServerConfig`]). Each shell channel of a connection (there
/// may be several) gets its own [`DeviceSession`](crate::DeviceSession):
/// the banner and prompt after the shell request, then every byte the
/// client sends goes to the session and its output back to the client.
/// When the session ends (after `exit`, say) the channel gets exit status
/// 0, EOF and close. Exec requests and `direct-tcpip` tunnels are served
/// too, as configured.
///
/// ```
/// use std::time::Duration;
/// use oxscript_core::Host;
/// use oxscript_emulator::{ios, SshServer, SshServerConfig};
/// use oxscript_transport::ssh::{SshConnection, SshOptions};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let device = ios::device("R1").with_credentials("admin", "cisco");
/// let server = SshServer::bind("127.0.0.1:0", device, SshServerConfig::default()).await?;
/// assert_eq!(server.url(), format!("ssh://127.0.0.1:{}", server.port()));
///
/// // A client that checks host keys trusts the server through a
/// // known_hosts file.
/// let known_hosts = std::env::temp_dir().join(format!("ssh-doc-{}", server.port()));
/// std::fs::write(&known_hosts, server.known_hosts_line())?;
/// let options = SshOptions {
///     known_hosts: Some(known_hosts.clone()),
///     use_agent: false,
///     default_identities: false,
///     ..SshOptions::default()
/// };
/// let host = Host::new(&format!("ssh://admin:cisco@127.0.0.1:{}", server.port()))?;
/// let ssh = SshConnection::connect_authenticated(&host, &options, Duration::from_secs(30)).await?;
/// assert_eq!(ssh.host_key_fingerprint(), Some(server.host_key_fingerprint()));
/// let out = ssh.run("show privilege").await?;
/// assert_eq!(out.stdout_text(), "Current privilege level is 1\r\n");
/// assert_eq!(out.exit_status, Some(0));
/// ssh.close().await;
/// server.shutdown().await;
/// # std::fs::remove_file(known_hosts)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SshServer {
    listener: Listener,
    host_key: PublicKey,
}

impl SshServer {
    /// Binds `addr` (`"127.0.0.1:0"` picks a free port) and starts
    /// accepting clients on the current Tokio runtime.
    ///
    /// Fails when the address cannot be bound, or the configuration is
    /// unusable (an invalid `server_id`, a non-RSA `host_key` with
    /// `legacy_only`).
    pub async fn bind(
        addr: impl ToSocketAddrs,
        device: VirtualDevice,
        config: SshServerConfig,
    ) -> io::Result<SshServer> {
        let host_key = match &config.host_key {
            Some(key) => {
                if config.legacy_only && !key.algorithm().is_rsa() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!(
                            "legacy_only needs an RSA host key (ssh-rsa), not {}",
                            key.algorithm()
                        ),
                    ));
                }
                key.clone()
            }
            None if config.legacy_only => keys::shared_rsa_key().await?,
            None => keys::random_ed25519()?,
        };
        let public = host_key.public_key().clone();
        let russh_config = Arc::new(Config {
            server_id: SshId::Standard(config.identification()?.into()),
            methods: config.methods(),
            auth_rejection_time: AUTH_REJECTION_TIME,
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys: vec![host_key],
            preferred: keys::preferred(config.legacy_only),
            // Connections live as long as their clients or the server.
            inactivity_timeout: None,
            nodelay: true,
            ..Config::default()
        });

        let mut listener = Listener::bind("ssh", addr).await?;
        let shared = Arc::new(Shared::new(
            device,
            SshServerConfig {
                host_key: None,
                ..config
            },
            listener.tracker.clone(),
            listener.cancel.clone(),
        ));
        listener.accept(move |socket, peer| {
            serve_connection(socket, peer, Arc::clone(&russh_config), Arc::clone(&shared))
        });
        Ok(SshServer {
            listener,
            host_key: public,
        })
    }

    listener_accessors!("ssh");

    /// The public half of the host key.
    pub fn host_key(&self) -> &PublicKey {
        &self.host_key
    }

    /// The SHA256 fingerprint of the host key, as OpenSSH prints it
    /// (`SHA256:...`).
    pub fn host_key_fingerprint(&self) -> String {
        keys::fingerprint(&self.host_key)
    }

    /// A known_hosts line for this server, e.g.
    /// `[127.0.0.1]:40123 ssh-ed25519 AAAA...` (the bare address on port
    /// 22), for clients that verify host keys strictly.
    pub fn known_hosts_line(&self) -> String {
        let addr = self.listener.dial_addr();
        let host = match (addr.ip(), addr.port()) {
            (ip, 22) => ip.to_string(),
            (ip, port) => format!("[{ip}]:{port}"),
        };
        format!("{host} {}", keys::openssh_public(&self.host_key))
    }

    /// Stops accepting, disconnects every client (cutting the connections
    /// of clients that do not close within a second) and waits until all
    /// the server's tasks have ended. Dropping the server stops it too,
    /// without waiting for its tasks.
    pub async fn shutdown(self) {
        self.listener.shutdown().await;
    }
}

/// Runs one connection until the client leaves or the server shuts down.
async fn serve_connection(
    socket: TcpStream,
    peer: SocketAddr,
    config: Arc<Config>,
    shared: Arc<Shared>,
) {
    let cancel = shared.cancel.clone();
    let cut = CancellationToken::new();
    let stream = Killable::new(socket, cut.clone());
    let handler = ConnectionHandler::new(shared, peer);
    // The handshake's first steps (identification strings) happen here;
    // the rest runs in the session task russh spawns.
    let mut running = tokio::select! {
        () = cancel.cancelled() => return,
        res = server::run_stream(config, stream, handler) => match res {
            Ok(running) => running,
            Err(e) => {
                tracing::debug!(%peer, error = %e, "ssh emulator: handshake failed");
                return;
            }
        },
    };
    let handle = running.handle();
    tokio::select! {
        res = &mut running => {
            if let Err(e) = res {
                tracing::debug!(%peer, error = %e, "ssh emulator: connection ended with an error");
            }
            return;
        }
        () = cancel.cancelled() => {}
    }
    // Shutdown: say goodbye, give the client a moment to close, then cut
    // the socket (which ends russh's session task at once).
    let goodbye = handle.disconnect(
        Disconnect::ByApplication,
        "server shutting down".to_owned(),
        "en".to_owned(),
    );
    let _ = tokio::time::timeout(CLOSE_GRACE, goodbye).await;
    if tokio::time::timeout(CLOSE_GRACE, &mut running)
        .await
        .is_err()
    {
        cut.cancel();
        if tokio::time::timeout(CLOSE_GRACE, running).await.is_err() {
            tracing::warn!(%peer, "ssh emulator: a connection did not end after its socket was cut");
        }
    }
    tracing::debug!(%peer, "ssh emulator: client closed by shutdown");
}
