//! The russh handler of one connection: authentication against the
//! device's credentials, shell and exec channels, direct-tcpip tunnels.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::PublicKey;
use russh::server::{
    Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Response, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, ChannelOpenFailure, Pty};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::SshServerConfig;
use super::exec;
use super::sftp;
use crate::device::{DeviceSpec, VirtualDevice};
use crate::session::{DeviceSession, Output};

/// The most channels one connection may have open at once.
const MAX_CHANNELS: usize = 64;

/// How long a gateway connection to a tunnel's target may take.
const TUNNEL_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The keyboard-interactive prompt.
const PASSWORD_PROMPT: &str = "Password: ";

/// What every connection of one server shares.
pub(super) struct Shared {
    device: VirtualDevice,
    config: SshServerConfig,
    pub(super) tracker: TaskTracker,
    pub(super) cancel: CancellationToken,
    /// The files of the SFTP subsystem.
    files: sftp::Tree,
}

impl Shared {
    /// `config` must not hold the host key (the handler has no use for it).
    pub(super) fn new(
        device: VirtualDevice,
        config: SshServerConfig,
        tracker: TaskTracker,
        cancel: CancellationToken,
    ) -> Self {
        Shared {
            device,
            config,
            tracker,
            cancel,
            files: sftp::Tree::default(),
        }
    }

    /// The device's definition (its credentials).
    fn spec(&self) -> &DeviceSpec {
        self.device.definition()
    }

    fn key_allowed(&self, user: &str, key: &PublicKey) -> bool {
        self.spec().knows_user(user)
            && self
                .config
                .authorized_keys
                .iter()
                .any(|k| k.key_data() == key.key_data())
    }
}

/// The terminal a client asked for with a `pty-req`.
#[derive(Debug)]
struct Terminal {
    term: String,
    columns: u32,
    rows: u32,
}

/// A session channel.
enum ChannelState {
    /// Opened; no shell or exec yet.
    Idle { terminal: Option<Terminal> },
    /// A shell talking to its own device session.
    Shell(Box<DeviceSession>),
    /// The SFTP subsystem: what the client sends goes to its server task.
    Sftp(mpsc::UnboundedSender<Vec<u8>>),
}

/// One connection's handler (russh runs it in the connection's task).
pub(super) struct ConnectionHandler {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// The user that authenticated.
    user: Option<String>,
    /// Session channels; tunnels are not here (their data is relayed by
    /// their own task, and russh also hands it to [`Handler::data`], which
    /// ignores channels it does not know).
    channels: HashMap<ChannelId, ChannelState>,
}

impl ConnectionHandler {
    pub(super) fn new(shared: Arc<Shared>, peer: SocketAddr) -> Self {
        ConnectionHandler {
            shared,
            peer,
            user: None,
            channels: HashMap::new(),
        }
    }

    fn accept_user(&mut self, user: &str) -> Auth {
        tracing::debug!(peer = %self.peer, user, "ssh emulator: authenticated");
        self.user = Some(user.to_owned());
        Auth::Accept
    }

    /// Sends a device session's output; when the session ended, ends the
    /// channel (exit status 0, EOF, close) and forgets it.
    fn send_output(&mut self, channel: ChannelId, output: Output, session: &mut Session) {
        if !output.text.is_empty() {
            self.check(session.data(channel, output.text.into_bytes()), "data");
        }
        if output.close {
            self.finish(channel, 0, session);
        }
    }

    /// Ends a channel: exit status, EOF, close.
    fn finish(&mut self, channel: ChannelId, status: u32, session: &mut Session) {
        self.channels.remove(&channel);
        self.check(session.exit_status_request(channel, status), "exit-status");
        self.check(session.eof(channel), "eof");
        self.check(session.close(channel), "close");
    }

    /// Logs a failed channel operation (the client may have closed the
    /// channel already); the connection goes on.
    fn check(&self, result: Result<(), russh::Error>, what: &str) {
        if let Err(e) = result {
            tracing::debug!(peer = %self.peer, error = %e, "ssh emulator: sending {what} failed");
        }
    }

    fn reply(&self, channel: ChannelId, ok: bool, session: &mut Session) {
        let result = if ok {
            session.channel_success(channel)
        } else {
            session.channel_failure(channel)
        };
        self.check(result, "a channel request reply");
    }
}

impl Handler for ConnectionHandler {
    type Error = russh::Error;

    async fn authentication_banner(&mut self) -> Result<Option<String>, Self::Error> {
        Ok(self.shared.config.banner.clone())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if self.shared.config.password_auth && self.shared.spec().check_credentials(user, password)
        {
            return Ok(self.accept_user(user));
        }
        Ok(Auth::reject())
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.shared.key_allowed(user, offer.public_key) {
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.shared.key_allowed(user, key.public_key) {
            return Ok(self.accept_user(user));
        }
        Ok(Auth::reject())
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        if !self.shared.config.keyboard_interactive {
            return Ok(Auth::reject());
        }
        let Some(mut answers) = response else {
            return Ok(Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(""),
                prompts: Cow::Owned(vec![(Cow::Borrowed(PASSWORD_PROMPT), false)]),
            });
        };
        let password = answers.next();
        let ok = password.is_some_and(|p| {
            std::str::from_utf8(&p).is_ok_and(|p| self.shared.spec().check_credentials(user, p))
        });
        if ok {
            return Ok(self.accept_user(user));
        }
        Ok(Auth::reject())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The channel object is dropped: this handler serves the channel
        // through its callbacks (data, requests) and `Session`.
        if self.channels.len() >= MAX_CHANNELS {
            reply
                .reject(ChannelOpenFailure::Other {
                    code: ChannelOpenFailure::ResourceShortage.code(),
                    reason: format!("at most {MAX_CHANNELS} channels per connection"),
                })
                .await;
            return Ok(());
        }
        self.channels
            .insert(channel.id(), ChannelState::Idle { terminal: None });
        reply.accept().await;
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.shared.config.direct_tcpip {
            reply
                .reject(ChannelOpenFailure::Other {
                    code: ChannelOpenFailure::AdministrativelyProhibited.code(),
                    reason: "this server does not forward TCP (direct_tcpip is off)".to_owned(),
                })
                .await;
            return Ok(());
        }
        let Ok(port) = u16::try_from(port_to_connect) else {
            reply
                .reject(ChannelOpenFailure::Other {
                    code: ChannelOpenFailure::ConnectFailed.code(),
                    reason: format!("invalid port {port_to_connect}"),
                })
                .await;
            return Ok(());
        };
        // Connecting can take a while: a task of its own does it, so this
        // connection's other channels go on meanwhile.
        let target = host_to_connect.to_owned();
        let cancel = self.shared.cancel.clone();
        let peer = self.peer;
        self.shared.tracker.spawn(async move {
            tunnel(channel, reply, target, port, cancel, peer).await;
        });
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // End of input ends a shell, as it does a real one.
        match self.channels.get(&channel) {
            Some(ChannelState::Shell(_)) => self.finish(channel, 0, session),
            // The SFTP server sees the end of its input, answers what is
            // pending and closes the channel.
            Some(ChannelState::Sftp(_)) => {
                self.channels.remove(&channel);
            }
            _ => {}
        }
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            Some(ChannelState::Shell(device)) => {
                let mut text = String::new();
                let close = device.feed_into(data, &mut text);
                self.send_output(channel, Output { text, close }, session);
            }
            Some(ChannelState::Sftp(input)) => {
                let _ = input.send(data.to_vec());
            }
            _ => {}
        }
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let ok = match self.channels.get_mut(&channel) {
            Some(ChannelState::Idle { terminal }) => {
                *terminal = Some(Terminal {
                    term: term.to_owned(),
                    columns: col_width,
                    rows: row_height,
                });
                true
            }
            _ => false,
        };
        self.reply(channel, ok, session);
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let ok = match self.channels.get_mut(&channel) {
            Some(ChannelState::Shell(device)) => {
                let ctx = device.context_mut();
                ctx.set_var("COLUMNS", col_width.to_string());
                ctx.set_var("LINES", row_height.to_string());
                true
            }
            Some(ChannelState::Idle {
                terminal: Some(terminal),
            }) => {
                terminal.columns = col_width;
                terminal.rows = row_height;
                true
            }
            _ => false,
        };
        self.reply(channel, ok, session);
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(ChannelState::Idle { terminal }) = self.channels.remove(&channel) else {
            self.reply(channel, false, session);
            return Ok(());
        };
        let mut device = self.shared.device.session();
        if let Some(terminal) = terminal {
            let ctx = device.context_mut();
            ctx.set_var("TERM", terminal.term);
            ctx.set_var("COLUMNS", terminal.columns.to_string());
            ctx.set_var("LINES", terminal.rows.to_string());
        }
        let output = if self.shared.config.app_login {
            device.start()
        } else {
            device.start_authenticated(self.user.as_deref())
        };
        self.reply(channel, true, session);
        self.channels
            .insert(channel, ChannelState::Shell(Box::new(device)));
        self.send_output(channel, output, session);
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let idle = matches!(self.channels.get(&channel), Some(ChannelState::Idle { .. }));
        if !self.shared.config.exec || !idle {
            self.reply(channel, false, session);
            return Ok(());
        }
        self.reply(channel, true, session);
        let result = exec::run(&self.shared.device, self.user.as_deref(), data);
        tracing::debug!(peer = %self.peer, status = result.status, "ssh emulator: exec");
        if !result.output.is_empty() {
            self.check(session.data(channel, result.output.into_bytes()), "data");
        }
        self.finish(channel, result.status, session);
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _variable_name: &str,
        _variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Like sshd without AcceptEnv.
        self.reply(channel, false, session);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let idle = matches!(self.channels.get(&channel), Some(ChannelState::Idle { .. }));
        if name != "sftp" || !self.shared.config.sftp || !idle {
            self.reply(channel, false, session);
            return Ok(());
        }
        let (input, rx) = mpsc::unbounded_channel();
        self.channels.insert(channel, ChannelState::Sftp(input));
        let files = sftp::Session::new(self.shared.files.clone(), self.user.as_deref());
        self.shared.tracker.spawn(serve_sftp(
            channel,
            session.handle(),
            rx,
            files,
            self.shared.cancel.clone(),
        ));
        self.reply(channel, true, session);
        Ok(())
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.reply(channel, false, session);
        Ok(())
    }
}

/// Runs the SFTP server of one channel: the client's bytes (from
/// [`Handler::data`]) into it, its answers back as channel data; ends the
/// channel when the server ends (after the client's EOF) or the SSH
/// server shuts down.
async fn serve_sftp(
    channel: ChannelId,
    handle: russh::server::Handle,
    mut input: mpsc::UnboundedReceiver<Vec<u8>>,
    files: sftp::Session,
    cancel: CancellationToken,
) {
    let (ours, theirs) = tokio::io::duplex(256 * 1024);
    russh_sftp::server::run(theirs, files).await;
    let (mut from_server, mut to_server) = tokio::io::split(ours);
    let feed = async {
        while let Some(chunk) = input.recv().await {
            if to_server.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to_server.shutdown().await;
    };
    let answer = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from_server.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let chunk = bytes::Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                    if handle.data(channel, chunk).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    tokio::select! {
        () = cancel.cancelled() => {}
        _ = async { tokio::join!(feed, answer) } => {}
    }
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}

/// A direct-tcpip tunnel: connects to `host`:`port`, then accepts the
/// channel and relays both ways until either side closes or the server
/// shuts down. A failed connection refuses the channel with the reason.
async fn tunnel(
    channel: Channel<Msg>,
    reply: ChannelOpenHandle,
    host: String,
    port: u16,
    cancel: CancellationToken,
    peer: SocketAddr,
) {
    let connect = tokio::time::timeout(
        TUNNEL_CONNECT_TIMEOUT,
        TcpStream::connect((host.as_str(), port)),
    );
    let connected = tokio::select! {
        () = cancel.cancelled() => {
            reply
                .reject(ChannelOpenFailure::Other {
                    code: ChannelOpenFailure::ConnectFailed.code(),
                    reason: "the server is shutting down".to_owned(),
                })
                .await;
            return;
        }
        res = connect => res,
    };
    let reason = match connected {
        Ok(Ok(mut tcp)) => {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(%peer, error = %e, "ssh emulator: TCP_NODELAY failed");
            }
            reply.accept().await;
            let mut stream = channel.into_stream();
            tokio::select! {
                () = cancel.cancelled() => {}
                res = tokio::io::copy_bidirectional(&mut stream, &mut tcp) => {
                    if let Err(e) = res {
                        tracing::debug!(%peer, target = %host, port, error = %e, "ssh emulator: tunnel ended with an error");
                    }
                }
            }
            return;
        }
        Ok(Err(e)) => format!("cannot connect to {host}:{port}: {e}"),
        Err(_) => format!(
            "cannot connect to {host}:{port}: no answer within {} s",
            TUNNEL_CONNECT_TIMEOUT.as_secs()
        ),
    };
    tracing::debug!(%peer, %reason, "ssh emulator: tunnel refused");
    reply
        .reject(ChannelOpenFailure::Other {
            code: ChannelOpenFailure::ConnectFailed.code(),
            reason,
        })
        .await;
}
