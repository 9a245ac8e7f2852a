//! The russh client handler: host key decision, banner and server version.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use oxscript_core::sync::lock;
use russh::client::{self, Session};
use russh::keys::PublicKeyOrCertificate;

use super::known_hosts::{HostKeyPolicy, KnownHosts, Verdict, fingerprint};

/// What the handler decided about the host key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyCheck {
    Accepted {
        fingerprint: String,
    },
    Learned {
        fingerprint: String,
    },
    Unknown {
        fingerprint: String,
    },
    Mismatch {
        fingerprint: String,
        recorded: Vec<String>,
        line: usize,
    },
    Revoked {
        fingerprint: String,
        line: usize,
    },
    Unreadable {
        fingerprint: String,
        reason: String,
    },
    NoKnownHostsFile {
        fingerprint: String,
    },
}

/// What the handshake left for the connection to read.
#[derive(Debug, Default)]
pub(crate) struct Handshake {
    pub(crate) key: Option<KeyCheck>,
    pub(crate) banner: Option<String>,
    pub(crate) server_version: Option<String>,
    /// The description the server gave with the last refused channel.
    pub(crate) last_open_failure: Option<String>,
    /// Signalled when `last_open_failure` is set: russh wakes the opener
    /// before it calls the handler, so the opener waits for this.
    pub(crate) open_failure_recorded: Arc<tokio::sync::Notify>,
}

pub(crate) struct ClientHandler {
    host: String,
    port: u16,
    policy: HostKeyPolicy,
    known_hosts: Option<KnownHosts>,
    state: Arc<Mutex<Handshake>>,
    /// The local agent that forwarded agent channels are relayed to
    /// (`None`: agent forwarding is off and such channels are refused).
    agent: Option<PathBuf>,
}

impl ClientHandler {
    pub(crate) fn new(
        host: &str,
        port: u16,
        policy: HostKeyPolicy,
        known_hosts: Option<KnownHosts>,
    ) -> (ClientHandler, Arc<Mutex<Handshake>>) {
        let state = Arc::new(Mutex::new(Handshake::default()));
        (
            ClientHandler {
                host: host.to_owned(),
                port,
                policy,
                known_hosts,
                state: state.clone(),
                agent: None,
            },
            state,
        )
    }

    /// Relays agent channels the server opens to the agent at `socket`.
    pub(crate) fn with_agent(mut self, socket: Option<PathBuf>) -> ClientHandler {
        self.agent = socket;
        self
    }

    fn record(&self, check: KeyCheck) -> bool {
        let accepted = matches!(check, KeyCheck::Accepted { .. } | KeyCheck::Learned { .. });
        let mut state = lock(&self.state);
        state.key = Some(check);
        accepted
    }
}

impl client::Handler for ClientHandler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            // Certificates are checked by the key they certify.
            PublicKeyOrCertificate::Certificate(cert) => cert.public_key().clone().into(),
        };
        let fp = fingerprint(&key);
        if self.policy == HostKeyPolicy::InsecureAcceptAny {
            tracing::warn!(host = %self.host, port = self.port, fingerprint = %fp, "host key accepted without verification (insecure policy)");
            return Ok(self.record(KeyCheck::Accepted { fingerprint: fp }));
        }
        let Some(known) = &self.known_hosts else {
            return Ok(self.record(KeyCheck::NoKnownHostsFile { fingerprint: fp }));
        };
        let check = match known.check(&self.host, self.port, &key) {
            Ok(Verdict::Match { .. }) => KeyCheck::Accepted { fingerprint: fp },
            Ok(Verdict::Unknown) if self.policy == HostKeyPolicy::AcceptNew => {
                match known.learn(&self.host, self.port, &key) {
                    Ok(()) => {
                        tracing::info!(host = %self.host, port = self.port, fingerprint = %fp, file = %known.path().display(), "new host key recorded");
                        KeyCheck::Learned { fingerprint: fp }
                    }
                    Err(e) => KeyCheck::Unreadable {
                        fingerprint: fp,
                        reason: format!("cannot record the key in {}: {e}", known.path().display()),
                    },
                }
            }
            Ok(Verdict::Unknown) => KeyCheck::Unknown { fingerprint: fp },
            Ok(Verdict::Mismatch { line, recorded }) => KeyCheck::Mismatch {
                fingerprint: fp,
                recorded,
                line,
            },
            Ok(Verdict::Revoked { line }) => KeyCheck::Revoked {
                fingerprint: fp,
                line,
            },
            Err(e) => KeyCheck::Unreadable {
                fingerprint: fp,
                reason: format!("cannot read {}: {e}", known.path().display()),
            },
        };
        Ok(self.record(check))
    }

    async fn auth_banner(
        &mut self,
        banner: &str,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let mut state = lock(&self.state);
        state
            .banner
            .get_or_insert_with(String::new)
            .push_str(banner);
        Ok(())
    }

    async fn channel_open_failure(
        &mut self,
        _channel: russh::ChannelId,
        reason: russh::ChannelOpenFailure,
        description: &str,
        _language: &str,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let mut state = lock(&self.state);
        let text = if description.trim().is_empty() {
            format!("{reason:?}")
        } else {
            format!("{reason:?}: {}", description.trim())
        };
        state.last_open_failure = Some(text);
        state.open_failure_recorded.notify_one();
        Ok(())
    }

    async fn server_channel_open_agent_forward(
        &mut self,
        channel: russh::Channel<client::Msg>,
        reply: client::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(socket) = self.agent.clone() else {
            tracing::warn!(host = %self.host, port = self.port, "the server opened an agent channel, but agent forwarding is off: refused");
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        };
        reply.accept().await;
        let host = self.host.clone();
        tokio::spawn(async move {
            match tokio::net::UnixStream::connect(&socket).await {
                Ok(mut agent) => {
                    let mut stream = channel.into_stream();
                    if let Err(e) = tokio::io::copy_bidirectional(&mut stream, &mut agent).await {
                        tracing::debug!(%host, error = %e, "forwarded agent channel ended");
                    }
                }
                Err(e) => {
                    tracing::warn!(%host, socket = %socket.display(), error = %e, "cannot reach the local agent for a forwarded agent channel");
                }
            }
        });
        Ok(())
    }

    async fn kex_done(
        &mut self,
        _shared_secret: Option<&[u8]>,
        _names: &russh::Names,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let mut state = lock(&self.state);
        if state.server_version.is_none() {
            state.server_version = Some(
                String::from_utf8_lossy(session.remote_sshid())
                    .trim()
                    .to_owned(),
            );
        }
        Ok(())
    }
}
