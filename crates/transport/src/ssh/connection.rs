//! One SSH connection: handshake, host key check, authentication, channels.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxscript_core::sync::lock;
use oxscript_core::{Account, Host, PrivateKeyFile};
use russh::client::{self, AuthResult, KeyboardInteractiveAuthResponse};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg};
use russh::{Channel, MethodSet};
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use super::exec::Exec;
use super::handler::{ClientHandler, Handshake, KeyCheck};
use super::known_hosts::KnownHosts;
use super::options::{AuthMethod, SshOptions};
use super::version;
use crate::BoxedStream;
use crate::read_ahead::ReadAhead;
use crate::tcp::{QuickAckStream, connect_tcp};
use crate::{Error, Result};

/// A byte stream over an SSH channel (a shell, a direct-tcpip tunnel).
pub type ChannelStream = russh::ChannelStream<client::Msg>;

struct Inner {
    handle: RwLock<client::Handle<ClientHandler>>,
    /// `host:port` as dialled, for messages.
    label: String,
    options: SshOptions,
    handshake: Arc<Mutex<Handshake>>,
    authenticated: AtomicBool,
    user: Mutex<Option<String>>,
    /// The gateway this connection runs through, kept alive with it.
    via: Option<SshConnection>,
    /// Owned by an [`super::SshPool`]: only the pool closes it.
    pooled: AtomicBool,
    depth: usize,
    closed: AtomicBool,
}

/// An SSH connection, possibly through gateway hops. Cheap to clone:
/// clones share the connection, and channels (shells, exec commands,
/// tunnels, SFTP) opened on it are multiplexed over one TCP connection.
///
/// ```no_run
/// use std::time::Duration;
/// use oxscript_core::Host;
/// use oxscript_transport::ssh::{SshConnection, SshOptions};
///
/// # async fn demo() -> oxscript_transport::Result<()> {
/// let host = Host::new("ssh://admin:secret@192.0.2.10")?;
/// let ssh = SshConnection::connect_authenticated(&host, &SshOptions::default(), Duration::from_secs(15)).await?;
/// let out = ssh.run("uname -a").await?;
/// println!("{} (exit {:?})", out.stdout_text(), out.exit_status);
/// ssh.close().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SshConnection {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SshConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshConnection")
            .field("host", &self.inner.label)
            .field("depth", &self.inner.depth)
            .field("authenticated", &self.is_authenticated())
            .finish_non_exhaustive()
    }
}

fn method_names(set: &MethodSet) -> Vec<String> {
    set.iter().map(|m| <&str>::from(m).to_owned()).collect()
}

impl SshConnection {
    /// Opens the connection to `host` (through its gateways, if any) and
    /// verifies the host key. Authenticate next.
    pub async fn connect(
        host: &Host,
        options: &SshOptions,
        timeout: Duration,
    ) -> Result<SshConnection> {
        let label = format!("{}:{}", host.address(), host.port());
        let greeting = version::watch();
        // Given up (timed out, failed or cancelled) before the handshake
        // ends: the stream stops working, so the SSH library's task that
        // owns it ends and frees the socket.
        let abandon = CancellationToken::new();
        let guard = abandon.clone().drop_guard();
        let connecting = Self::connect_inner(host, options, timeout, greeting.clone(), abandon);
        match tokio::time::timeout(timeout, connecting).await {
            Ok(Ok(connection)) => {
                guard.disarm();
                greeting.settle();
                Ok(connection)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => {
                let greeting = greeting.greeting();
                if greeting.open && !greeting.version {
                    Err(Error::SshNoVersion {
                        address: label,
                        why: format!("none within {timeout:?}"),
                        received: greeting.received(),
                    })
                } else {
                    Err(Error::ConnectTimeout {
                        address: label,
                        timeout,
                    })
                }
            }
        }
    }

    /// Opens the connection and authenticates with the Host's account.
    pub async fn connect_authenticated(
        host: &Host,
        options: &SshOptions,
        timeout: Duration,
    ) -> Result<SshConnection> {
        let account = host.account().cloned().ok_or_else(|| Error::NoAccount {
            host: host.name().to_owned(),
        })?;
        let connection = Self::connect(host, options, timeout).await?;
        connection.authenticate(&account).await?;
        Ok(connection)
    }

    async fn connect_inner(
        host: &Host,
        options: &SshOptions,
        timeout: Duration,
        greeting: version::GreetingWatch,
        abandon: CancellationToken,
    ) -> Result<SshConnection> {
        let label = format!("{}:{}", host.address(), host.port());
        let (stream, via): (BoxedStream, Option<SshConnection>) = match host.gateway() {
            Some(gateway) => {
                let hop = match &options.pool {
                    Some(pool) => pool.connect(gateway, options, timeout).await?,
                    None => {
                        Box::pin(Self::connect_authenticated(gateway, options, timeout)).await?
                    }
                };
                let tunnel = hop.open_direct_tcpip(host.address(), host.port()).await?;
                (
                    Box::new(version::Watched::new(tunnel, greeting.clone(), abandon)),
                    Some(hop),
                )
            }
            None => {
                let tcp = connect_tcp(host.address(), host.port(), timeout).await?;
                let tcp = QuickAckStream::new(tcp);
                // The SSH library reads each packet in two small reads:
                // one read from the socket serves both (and the next
                // packets that arrived with them).
                let watched = version::Watched::new(tcp, greeting.clone(), abandon);
                (Box::new(ReadAhead::new(watched)), None)
            }
        };
        let known_hosts = match &options.known_hosts {
            Some(path) => Some(KnownHosts::new(path.clone())),
            None => KnownHosts::user_default(),
        };
        let known_path = known_hosts.as_ref().map(|k| k.path().display().to_string());
        let (handler, handshake) = ClientHandler::new(
            host.address(),
            host.port(),
            options.host_key_policy,
            known_hosts,
        );
        let handler = handler.with_agent(agent_for_forwarding(options));
        let preferred = options
            .algorithms
            .preferred()
            .map_err(|reason| Error::Ssh {
                host: label.clone(),
                reason,
            })?;
        let mut config = client::Config {
            preferred,
            keepalive_interval: options.keepalive_interval,
            keepalive_max: options.keepalive_max,
            inactivity_timeout: None,
            nodelay: true,
            ..client::Config::default()
        };
        if matches!(options.algorithms, super::AlgorithmProfile::Legacy)
            && let Ok(gex) = client::GexParams::new(2048, 2048, 8192)
        {
            // Old gear only has 2048-bit groups for group exchange.
            config.gex = gex;
        }
        let handle = client::connect_stream(Arc::new(config), stream, handler)
            .await
            .map_err(|e| match e {
                russh::Error::Version => {
                    let greeting = greeting.greeting();
                    Error::SshNoVersion {
                        address: label.clone(),
                        why: "the server's first line is not one".into(),
                        received: greeting.received(),
                    }
                }
                e => connect_error(e, &label, &handshake, known_path.as_deref()),
            })?;
        let depth = via.as_ref().map_or(0, |v| v.inner.depth + 1);
        Ok(SshConnection {
            inner: Arc::new(Inner {
                handle: RwLock::new(handle),
                label,
                options: options.clone(),
                handshake,
                authenticated: AtomicBool::new(false),
                user: Mutex::new(None),
                via,
                pooled: AtomicBool::new(false),
                depth,
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// `host:port` of this connection.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Number of gateway hops between us and this host (0 = direct).
    pub fn depth(&self) -> usize {
        self.inner.depth
    }

    /// The gateway connection this one runs through.
    pub fn gateway(&self) -> Option<&SshConnection> {
        self.inner.via.as_ref()
    }

    /// Whether authentication succeeded.
    pub fn is_authenticated(&self) -> bool {
        self.inner.authenticated.load(Ordering::SeqCst)
    }

    /// The user this connection authenticated as.
    pub fn user(&self) -> Option<String> {
        lock(&self.inner.user).clone()
    }

    fn handshake(&self) -> std::sync::MutexGuard<'_, Handshake> {
        lock(&self.inner.handshake)
    }

    /// The server's version string, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2`.
    pub fn server_version(&self) -> Option<String> {
        self.handshake().server_version.clone()
    }

    /// The banner the server sent during authentication, if any.
    pub fn banner(&self) -> Option<String> {
        self.handshake().banner.clone()
    }

    /// The SHA256 fingerprint of the server's host key.
    pub fn host_key_fingerprint(&self) -> Option<String> {
        self.handshake().key.as_ref().map(|k| match k {
            KeyCheck::Accepted { fingerprint }
            | KeyCheck::Learned { fingerprint }
            | KeyCheck::Unknown { fingerprint }
            | KeyCheck::Mismatch { fingerprint, .. }
            | KeyCheck::Revoked { fingerprint, .. }
            | KeyCheck::Unreadable { fingerprint, .. }
            | KeyCheck::NoKnownHostsFile { fingerprint } => fingerprint.clone(),
        })
    }

    pub(crate) fn set_pooled(&self) {
        self.inner.pooled.store(true, Ordering::SeqCst);
    }

    // ----- authentication ----------------------------------------------------

    /// Authenticates as `account`, trying the methods in OpenSSH's order
    /// (or [`SshOptions::auth_methods`]) among those the server offers:
    /// public keys (ssh-agent, the account's key, identity files, default
    /// identities), keyboard-interactive (password prompts answered with
    /// the password), password. A failure names the methods tried and the
    /// methods the server offered.
    pub async fn authenticate(&self, account: &Account) -> Result<()> {
        if self.is_authenticated() {
            return Ok(());
        }
        let timeout = self.inner.options.request_timeout;
        self.within(
            timeout,
            "during SSH authentication",
            self.authenticate_inner(account),
        )
        .await
    }

    /// Runs `work` with a deadline; a timeout names what was being done.
    async fn within<T>(
        &self,
        timeout: Duration,
        during: &str,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                during: format!("{during} with {}", self.inner.label),
                expected: crate::Expected(vec!["an answer from the SSH server".into()]),
                timeout,
                tail: crate::Tail::default(),
            }),
        }
    }

    async fn authenticate_inner(&self, account: &Account) -> Result<()> {
        let mut handle = self.inner.handle.write().await;
        let user = account.name().to_owned();
        let mut tried: Vec<String> = Vec::new();
        // "none" tells which methods the server offers (OpenSSH does the same).
        let mut offered: Vec<String> = match handle.authenticate_none(&user).await {
            Ok(AuthResult::Success) => {
                self.mark_authenticated(&user);
                return Ok(());
            }
            Ok(AuthResult::Failure {
                remaining_methods, ..
            }) => method_names(&remaining_methods),
            Err(e) => return Err(self.ssh_error(e)),
        };
        let order = self.inner.options.auth_methods.clone().unwrap_or_else(|| {
            vec![
                AuthMethod::PublicKey,
                AuthMethod::KeyboardInteractive,
                AuthMethod::Password,
            ]
        });
        let password = account.password().expose().to_owned();
        for method in order {
            if !offered.iter().any(|m| m == method.name()) {
                continue;
            }
            let outcome = match method {
                AuthMethod::PublicKey => {
                    self.try_public_keys(&mut handle, &user, account, &mut tried)
                        .await?
                }
                AuthMethod::KeyboardInteractive if !password.is_empty() => {
                    tried.push("keyboard-interactive".into());
                    self.try_keyboard_interactive(&mut handle, &user, &password)
                        .await?
                }
                AuthMethod::Password if !password.is_empty() => {
                    tried.push("password".into());
                    handle
                        .authenticate_password(&user, password.as_str())
                        .await
                        .map_err(|e| self.ssh_error(e))?
                }
                _ => continue,
            };
            match outcome {
                AuthResult::Success => {
                    self.mark_authenticated(&user);
                    return Ok(());
                }
                AuthResult::Failure {
                    remaining_methods, ..
                } => {
                    if !remaining_methods.is_empty() {
                        offered = method_names(&remaining_methods);
                    }
                }
            }
        }
        Err(Error::SshAuthFailed {
            host: self.inner.label.clone(),
            user,
            tried,
            offered,
        })
    }

    fn mark_authenticated(&self, user: &str) {
        self.inner.authenticated.store(true, Ordering::SeqCst);
        *lock(&self.inner.user) = Some(user.to_owned());
    }

    async fn try_public_keys(
        &self,
        handle: &mut client::Handle<ClientHandler>,
        user: &str,
        account: &Account,
        tried: &mut Vec<String>,
    ) -> Result<AuthResult> {
        // "Nothing accepted" without a server list: keeps what the server offered.
        let failure = || AuthResult::Failure {
            remaining_methods: MethodSet::empty(),
            partial_success: false,
        };
        let options = &self.inner.options;
        // 1. ssh-agent.
        if options.use_agent {
            let agent = match &options.agent_socket {
                Some(path) => {
                    Some(russh::keys::agent::client::AgentClient::connect_uds(path).await)
                }
                None if std::env::var_os("SSH_AUTH_SOCK").is_some() => {
                    Some(russh::keys::agent::client::AgentClient::connect_env().await)
                }
                None => None,
            };
            match agent {
                Some(Ok(mut agent)) => {
                    let identities = agent.request_identities().await.unwrap_or_default();
                    for identity in identities {
                        let russh::keys::agent::AgentIdentity::PublicKey { key, comment } =
                            identity
                        else {
                            continue;
                        };
                        tried.push(format!("publickey (agent: {comment})"));
                        let hash = self.rsa_hash(handle, key.algorithm().is_rsa()).await;
                        match handle
                            .authenticate_publickey_with(user, key, hash, &mut agent)
                            .await
                        {
                            Ok(AuthResult::Success) => return Ok(AuthResult::Success),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::debug!(host = %self.inner.label, error = %e, "agent signature failed")
                            }
                        }
                    }
                }
                Some(Err(e)) => tracing::debug!(error = %e, "ssh-agent not reachable"),
                None => {}
            }
        }
        // 2. The account's key and the configured identity files: a key that
        // cannot be loaded (wrong passphrase) is an error naming the file.
        let mut explicit: Vec<PrivateKeyFile> = Vec::new();
        if let Some(key) = account.key() {
            explicit.push(key.clone());
        }
        explicit.extend(options.identity_files.iter().cloned());
        for file in &explicit {
            let key = load_key(file)?;
            tried.push(format!("publickey ({})", file.path.display()));
            if self.offer_key(handle, user, key).await?.success() {
                return Ok(AuthResult::Success);
            }
        }
        // 3. OpenSSH's default identities, when usable without a passphrase.
        if options.default_identities
            && let Some(home) = std::env::home_dir()
        {
            for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
                let path: PathBuf = home.join(".ssh").join(name);
                if !path.exists() || explicit.iter().any(|f| f.path == path) {
                    continue;
                }
                match russh::keys::load_secret_key(&path, None) {
                    Ok(key) => {
                        tried.push(format!("publickey ({})", path.display()));
                        if self.offer_key(handle, user, key).await?.success() {
                            return Ok(AuthResult::Success);
                        }
                    }
                    Err(e) => {
                        tracing::debug!(path = %path.display(), error = %e, "default identity skipped")
                    }
                }
            }
        }
        Ok(failure())
    }

    async fn rsa_hash(
        &self,
        handle: &client::Handle<ClientHandler>,
        is_rsa: bool,
    ) -> Option<HashAlg> {
        if !is_rsa {
            return None;
        }
        handle
            .best_supported_rsa_hash()
            .await
            .ok()
            .flatten()
            .flatten()
    }

    async fn offer_key(
        &self,
        handle: &mut client::Handle<ClientHandler>,
        user: &str,
        key: PrivateKey,
    ) -> Result<AuthResult> {
        let hash = self.rsa_hash(handle, key.algorithm().is_rsa()).await;
        handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await
            .map_err(|e| self.ssh_error(e))
    }

    async fn try_keyboard_interactive(
        &self,
        handle: &mut client::Handle<ClientHandler>,
        user: &str,
        password: &str,
    ) -> Result<AuthResult> {
        let mut reply = handle
            .authenticate_keyboard_interactive_start(user, None)
            .await
            .map_err(|e| self.ssh_error(e))?;
        // Servers may send several (even empty) rounds; bounded.
        for _ in 0..8 {
            match reply {
                KeyboardInteractiveAuthResponse::Success => return Ok(AuthResult::Success),
                KeyboardInteractiveAuthResponse::Failure {
                    remaining_methods,
                    partial_success,
                } => {
                    return Ok(AuthResult::Failure {
                        remaining_methods,
                        partial_success,
                    });
                }
                KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                    let answers = prompts
                        .iter()
                        .map(|p| {
                            let text = p.prompt.to_ascii_lowercase();
                            if p.echo && (text.contains("user") || text.contains("login")) {
                                user.to_owned()
                            } else {
                                password.to_owned()
                            }
                        })
                        .collect();
                    reply = handle
                        .authenticate_keyboard_interactive_respond(answers)
                        .await
                        .map_err(|e| self.ssh_error(e))?;
                }
            }
        }
        Ok(AuthResult::Failure {
            remaining_methods: MethodSet::empty(),
            partial_success: false,
        })
    }

    // ----- channels ----------------------------------------------------------

    pub(super) fn ensure_authenticated(&self) -> Result<()> {
        if self.is_authenticated() {
            Ok(())
        } else {
            Err(Error::Ssh {
                host: self.inner.label.clone(),
                reason: "not authenticated yet: call authenticate() first".into(),
            })
        }
    }

    /// Opens a session channel (for exec, subsystems such as SFTP, shells).
    pub async fn open_session_channel(&self) -> Result<Channel<client::Msg>> {
        self.ensure_authenticated()?;
        let handle = self.inner.handle.read().await;
        handle
            .channel_open_session()
            .await
            .map_err(|e| self.ssh_error(e))
    }

    /// Opens an interactive shell with a PTY of the given terminal type and size.
    pub async fn open_shell(&self, term: &str, columns: u16, rows: u16) -> Result<ChannelStream> {
        let channel = self.open_session_channel().await?;
        channel
            .request_pty(true, term, u32::from(columns), u32::from(rows), 0, 0, &[])
            .await
            .map_err(|e| self.ssh_error(e))?;
        channel
            .request_shell(true)
            .await
            .map_err(|e| self.ssh_error(e))?;
        Ok(channel.into_stream())
    }

    /// Opens a tunnel to `host`:`port` as seen from this server
    /// (`direct-tcpip`, what `ssh -W` and ProxyJump use).
    pub async fn open_direct_tcpip(&self, host: &str, port: u16) -> Result<ChannelStream> {
        self.ensure_authenticated()?;
        let handle = self.inner.handle.read().await;
        let timeout = self.inner.options.request_timeout;
        let opened = self
            .within(
                timeout,
                &format!("opening a tunnel to {host}:{port}"),
                async {
                    Ok(handle
                        .channel_open_direct_tcpip(host, u32::from(port), "127.0.0.1", 0)
                        .await)
                },
            )
            .await?;
        drop(handle);
        let channel = match opened {
            Ok(channel) => channel,
            Err(e) => {
                let server_said = self.refusal_reason().await;
                return Err(Error::Ssh {
                    host: self.inner.label.clone(),
                    reason: match server_said {
                        Some(why) => format!(
                            "cannot open a tunnel to {host}:{port}: the server refused ({why})"
                        ),
                        None => format!("cannot open a tunnel to {host}:{port}: {e}"),
                    },
                });
            }
        };
        Ok(channel.into_stream())
    }

    /// The reason the server gave for the channel it just refused; russh
    /// reports it to the handler right after waking the opener, so wait
    /// for that briefly.
    async fn refusal_reason(&self) -> Option<String> {
        let recorded = self.handshake().open_failure_recorded.clone();
        if let Some(why) = self.handshake().last_open_failure.take() {
            return Some(why);
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), recorded.notified()).await;
        self.handshake().last_open_failure.take()
    }

    /// Runs `command` and collects its output and exit status (see [`Exec`]).
    pub async fn run(&self, command: &str) -> Result<super::ExecOutput> {
        self.exec(command).run().await
    }

    /// Prepares an exec command with options (stdin, allowed exit codes,
    /// line callback, timeout).
    pub fn exec(&self, command: impl Into<String>) -> Exec {
        Exec::new(
            self.clone(),
            command.into(),
            self.inner.options.exec_timeout,
        )
    }

    /// Whether the connection is closed (by us, the peer, or a failed keepalive).
    pub fn is_closed(&self) -> bool {
        if self.inner.closed.load(Ordering::SeqCst) {
            return true;
        }
        match self.inner.handle.try_read() {
            Ok(handle) => handle.is_closed(),
            Err(_) => false,
        }
    }

    /// Closes the connection, then its gateway hops unless a pool owns them
    /// (the remotest hop is closed first).
    pub async fn close(&self) {
        self.disconnect().await;
        let mut next = self.inner.via.clone();
        while let Some(hop) = next {
            if hop.inner.pooled.load(Ordering::SeqCst) {
                break;
            }
            hop.disconnect().await;
            next = hop.inner.via.clone();
        }
    }

    pub(crate) async fn disconnect(&self) {
        if self.inner.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let handle = self.inner.handle.read().await;
        if let Err(e) = handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await
        {
            tracing::debug!(host = %self.inner.label, error = %e, "disconnect");
        }
    }

    pub(crate) fn ssh_error(&self, e: russh::Error) -> Error {
        protocol_error(&self.inner.label, e)
    }
}

/// The agent socket forwarded agent channels go to, when forwarding is on.
fn agent_for_forwarding(options: &SshOptions) -> Option<PathBuf> {
    if !options.forward_agent {
        return None;
    }
    let socket = options
        .agent_socket
        .clone()
        .or_else(|| std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from));
    if socket.is_none() {
        tracing::warn!(
            "forward_agent is set but there is no agent (no agent_socket, no SSH_AUTH_SOCK): agent channels will be refused"
        );
    }
    socket
}

fn load_key(file: &PrivateKeyFile) -> Result<PrivateKey> {
    let passphrase = file.passphrase.as_ref().map(|p| p.expose().to_owned());
    russh::keys::load_secret_key(&file.path, passphrase.as_deref()).map_err(|e| {
        let reason = match e {
            russh::keys::Error::KeyIsEncrypted => {
                "the key is encrypted: give its passphrase".to_owned()
            }
            other => {
                let text = other.to_string();
                if file.passphrase.is_some() && text.to_ascii_lowercase().contains("decrypt") {
                    format!("wrong passphrase? ({text})")
                } else {
                    text
                }
            }
        };
        Error::KeyFile {
            path: file.path.clone(),
            reason,
        }
    })
}

/// Turns a handshake failure into the error that explains it.
fn connect_error(
    e: russh::Error,
    label: &str,
    handshake: &Mutex<Handshake>,
    known_hosts: Option<&str>,
) -> Error {
    let key = lock(handshake).key.clone();
    let file = known_hosts
        .unwrap_or("(no known_hosts file: home directory unknown)")
        .to_owned();
    match (e, key) {
        (russh::Error::UnknownKey, Some(KeyCheck::Unknown { fingerprint })) => {
            Error::HostKeyUnknown {
                host: label.to_owned(),
                fingerprint,
                known_hosts: file,
            }
        }
        (russh::Error::UnknownKey, Some(KeyCheck::NoKnownHostsFile { fingerprint })) => {
            Error::HostKeyUnknown {
                host: label.to_owned(),
                fingerprint,
                known_hosts: file,
            }
        }
        (
            russh::Error::UnknownKey,
            Some(KeyCheck::Mismatch {
                fingerprint,
                recorded,
                line,
            }),
        ) => Error::HostKeyMismatch {
            host: label.to_owned(),
            presented: fingerprint,
            recorded: recorded.join(", "),
            known_hosts: file,
            line,
        },
        (russh::Error::UnknownKey, Some(KeyCheck::Revoked { fingerprint, line })) => {
            Error::HostKeyRevoked {
                host: label.to_owned(),
                fingerprint,
                known_hosts: file,
                line,
            }
        }
        (
            russh::Error::UnknownKey,
            Some(KeyCheck::Unreadable {
                fingerprint,
                reason,
            }),
        ) => Error::HostKeyUnverifiable {
            host: label.to_owned(),
            fingerprint,
            reason,
        },
        (other, _) => protocol_error(label, other),
    }
}

/// A russh error as ours: a failed negotiation lists both sides.
fn protocol_error(label: &str, e: russh::Error) -> Error {
    match e {
        russh::Error::NoCommonAlgo { kind, ours, theirs } => Error::NoCommonAlgorithm {
            host: label.to_owned(),
            kind: format!("{kind:?}"),
            ours: ours.join(","),
            theirs: theirs.join(","),
        },
        other => Error::Ssh {
            host: label.to_owned(),
            reason: other.to_string(),
        },
    }
}
