//! The Session: one conversation with one device.
//!
//! A Session owns one spawned I/O task that reads the connection and
//! appends what arrives to a monitored buffer (see [`crate::buffer`]). The
//! caller drives the conversation with Exscript's vocabulary: [`login`],
//! [`execute`], [`send`], [`expect`], [`waitfor`], [`expect_prompt`],
//! [`authorize`](Session::auto_authorize), [`autoinit`], [`close`].
//! Telnet, SSH and in-memory dummy devices behave the same: changing the
//! URL scheme is the only change a user makes.
//!
//! Every wait has a deadline ([`Session::set_timeout`], 30 s by default);
//! a timeout names the patterns waited for and shows the tail of what
//! arrived. Waits are cancellation-safe: dropping one leaves the received
//! data in the buffer and the Session usable.
//!
//! [`login`]: Session::login
//! [`execute`]: Session::execute
//! [`send`]: Session::send
//! [`expect`]: Session::expect
//! [`waitfor`]: Session::waitfor
//! [`expect_prompt`]: Session::expect_prompt
//! [`autoinit`]: Session::autoinit
//! [`close`]: Session::close

mod detect;
mod exec;
mod login;
mod privilege;
mod prompts;
mod save;
mod step;
mod wait;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use oxscript_core::{Account, Host, Protocol};
use oxscript_drivers::{Answer, DEFAULT_LOOKBEHIND, Driver, OsGuesser, Registry};
use tokio::sync::oneshot;

use crate::BoxedStream;
use crate::buffer::{MonitorCallback, MonitorMatch, Shared, TranscriptSink};
use crate::dummy;
use crate::link::{self, Io, IoCommand, RawLink, TelnetLink};
use crate::patterns::IntoPatterns;
use crate::response::{self, Response};
use crate::ssh::{SshConnection, SshOptions};
use crate::tcp::{self, QuickAckStream};
use crate::{Error, Result};
use oxscript_telnet::ClientOptions;

pub use exec::ExecOptions;
pub use privilege::ConfigOutput;
pub use prompts::Prompts;
pub use wait::ExpectMatch;

/// Settings of a Session. Build with struct-update syntax from `default()`.
///
/// ```
/// use std::time::Duration;
/// use oxscript_transport::SessionOptions;
///
/// let options = SessionOptions {
///     timeout: Duration::from_secs(10),
///     driver: Some("ios".into()),
///     ..SessionOptions::default()
/// };
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Deadline for opening the connection (TCP connect, SSH handshake). Default 15 s.
    pub connect_timeout: Duration,
    /// Deadline of every wait (prompt, login step, expect). Default 30 s.
    pub timeout: Duration,
    /// Driver name; `None` uses the Host's driver, or guesses one.
    pub driver: Option<String>,
    /// Where driver names are looked up; `None` is the builtin registry.
    pub registry: Option<Arc<Registry>>,
    /// Terminal type announced to the device. Default `vt100`.
    pub terminal_type: String,
    /// Terminal width announced to the device (wide, so devices do not wrap). Default 511.
    pub columns: u16,
    /// Terminal height announced to the device. Default 255.
    pub rows: u16,
    /// Maximum size of unconsumed received data; past it the Session stops
    /// reading and a wait fails with [`Error::BufferFull`]. Default 256 MiB.
    pub buffer_limit: usize,
    /// How far back before already-searched data a pattern search may
    /// start (a pattern spanning more than this plus the current line is
    /// not seen). Default 4096 bytes. See [How patterns are
    /// searched](oxscript_drivers#how-patterns-are-searched).
    pub lookbehind: usize,
    /// SSH settings (host keys, algorithms, keys, gateways) for `ssh://` hosts.
    pub ssh: SshOptions,
    /// Re-arm `TCP_QUICKACK` after every read on Telnet sockets (Linux), so
    /// servers that write in small pieces are not held up by delayed ACKs
    /// (~40 ms per command against GNU telnetd without it). Default true.
    pub quick_ack: bool,
    /// Receives everything the device sends, from the first byte
    /// (terminal control sequences removed), e.g. to write a per-host log.
    /// Data the Session sends is not included: devices echo commands, and
    /// never passwords.
    pub transcript: Option<Transcript>,
    /// Deadline of each probe command (`show version`, …) sent after
    /// login when the platform could not be guessed from what the device
    /// sent (see [`Session::login`]). Default 10 s.
    pub detect_timeout: Duration,
    /// How long [`Session::logout`] waits for the device to close the
    /// connection after the logout command, before closing it itself.
    /// Default 1 s.
    pub logout_grace: Duration,
    /// How long a username or password prompt must stay at the end of
    /// the data, with nothing more arriving, before the credential is
    /// sent: the rest of a banner line that a read cut right after
    /// `Password:` arrives within it, and the prompt-looking text is then
    /// skipped. Default 10 ms (the rest of a cut TCP segment arrives in
    /// microseconds on a network, and a 9600-baud console sends a
    /// character per millisecond); raise it for links slower than that.
    /// Each login waits it once per credential.
    pub prompt_settle: Duration,
}

/// A sink for everything a device sends (terminal control sequences
/// removed), e.g. to write a per-host log. Cheap to clone.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use oxscript_transport::{SessionOptions, Transcript};
///
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let sink = log.clone();
/// let options = SessionOptions {
///     transcript: Some(Transcript::new(move |data| sink.lock().unwrap().extend_from_slice(data))),
///     ..SessionOptions::default()
/// };
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct Transcript(TranscriptSink);

impl Transcript {
    /// Wraps a function called with each piece of received data.
    pub fn new(sink: impl Fn(&[u8]) + Send + Sync + 'static) -> Transcript {
        Transcript(Arc::new(sink))
    }
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transcript")
    }
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            driver: None,
            registry: None,
            terminal_type: "vt100".into(),
            columns: 511,
            rows: 255,
            buffer_limit: 256 * 1024 * 1024,
            lookbehind: DEFAULT_LOOKBEHIND,
            ssh: SshOptions::default(),
            quick_ack: true,
            transcript: None,
            detect_timeout: Duration::from_secs(10),
            logout_grace: Duration::from_secs(1),
            prompt_settle: Duration::from_millis(10),
        }
    }
}

/// Which framing a stream given to [`Session::over_stream`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// Telnet: option negotiation and IAC escaping.
    Telnet,
    /// Plain bytes (a pipe, an SSH channel, an in-memory device).
    Raw,
}

/// How the driver is chosen.
#[derive(Clone, Debug)]
enum DriverChoice {
    Manual(Arc<Driver>),
    /// Follow the OS guesser.
    Auto,
}

/// How far a Session got in logging in (Exscript's three levels), from
/// [`Session::auth`].
///
/// ```
/// use oxscript_transport::AuthState;
///
/// let fresh = AuthState::default();
/// assert!(!fresh.protocol && !fresh.app_authenticated && !fresh.app_authorized);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthState {
    /// Protocol-level authentication (SSH) completed. Always true after
    /// a login on Telnet, where there is none (Exscript
    /// `is_protocol_authenticated`).
    pub protocol: bool,
    /// Application-level authentication completed: a CLI prompt was seen
    /// (Exscript `is_app_authenticated`).
    pub app_authenticated: bool,
    /// Application-level authorization (e.g. `enable`) completed
    /// (Exscript `is_app_authorized`).
    pub app_authorized: bool,
}

/// A cloneable handle that cancels the Session's current (or next) wait,
/// which then fails with [`Error::ExpectCancelled`] (Exscript
/// `cancel_expect`). Useful from monitor callbacks and other tasks.
#[derive(Clone)]
pub struct ExpectCanceller {
    shared: Arc<Shared>,
}

impl ExpectCanceller {
    /// Cancels the current wait, or the next one if none is running.
    pub fn cancel(&self) {
        self.shared.cancel();
    }
}

impl std::fmt::Debug for ExpectCanceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExpectCanceller")
    }
}

/// One conversation with one device over Telnet, SSH or an in-memory link.
///
/// ```no_run
/// use oxscript_core::Host;
/// use oxscript_transport::Session;
///
/// # async fn demo() -> oxscript_transport::Result<()> {
/// let host = Host::new("telnet://admin:secret@192.0.2.1")?;
/// let mut session = Session::connect(&host).await?;
/// session.login(None).await?;
/// session.autoinit().await?;
/// let response = session.execute("show version").await?;
/// let [version] = response.first_match(r"Version ([^,\s]+)")?;
/// println!("{:?}", version);
/// session.close().await?;
/// # Ok(()) }
/// ```
pub struct Session {
    host: Host,
    shared: Arc<Shared>,
    io: Option<Io>,
    registry: Arc<Registry>,
    driver: DriverChoice,
    prompts: Prompts,
    timeout: Duration,
    /// Deadline of each platform probe.
    detect_timeout: Duration,
    /// How long logout waits for the device to close.
    logout_grace: Duration,
    /// How long a credential prompt must be stable before it is answered.
    prompt_settle: Duration,
    lookbehind: usize,
    auth: AuthState,
    last_account: Option<Account>,
    last_response: Option<Response>,
    /// Whether commands and responses are in step (see `step`).
    in_step: step::InStep,
    prompt: Option<String>,
    /// Pager prompts answered during the current response.
    pager_texts: Vec<String>,
    /// What the device sent during [`Session::send_config`], while it runs.
    config_transcript: Option<String>,
    /// The SSH connection of an `ssh://` session.
    ssh: Option<SshConnection>,
    /// Terminal settings for the SSH shell, opened at login.
    terminal: (String, u16, u16),
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("host", &self.host.name())
            .field("protocol", &self.host.protocol())
            .field("driver", &self.driver().name)
            .field("prompt", &self.prompt)
            .field("open", &self.io.is_some())
            .finish_non_exhaustive()
    }
}

/// The most a configuration transcript keeps (16 MiB).
const MAX_CONFIG_TRANSCRIPT: usize = 16 << 20;

/// How far before new data a monitor pattern is searched (Exscript's 80).
const MONITOR_LOOKBEHIND: usize = 80;

fn builtin_registry() -> Arc<Registry> {
    use std::sync::OnceLock;
    static BUILTIN: OnceLock<Arc<Registry>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| Arc::new(oxscript_drivers::builtin().clone()))
        .clone()
}

fn resolve_driver(registry: &Registry, name: &str) -> Result<Arc<Driver>> {
    registry.get(name).ok_or_else(|| Error::UnknownDriver {
        name: name.to_owned(),
        known: registry.names().join(", "),
    })
}

impl Session {
    /// Connects to `host` with default options (see [`Session::connect_with`]).
    pub async fn connect(host: &Host) -> Result<Session> {
        Session::connect_with(host, SessionOptions::default()).await
    }

    /// Connects to `host`: opens the TCP connection (Telnet) or the
    /// in-memory link (`dummy://name`). Call [`Session::login`] next.
    #[doc(alias("connect"))]
    pub async fn connect_with(host: &Host, options: SessionOptions) -> Result<Session> {
        match host.protocol() {
            Protocol::Telnet => {
                let tcp =
                    tcp::connect_tcp(host.address(), host.port(), options.connect_timeout).await?;
                let telnet = telnet_link(&options);
                let mut session = Session::prepare(host, &options)?;
                let shared = session.shared.clone();
                session.io = Some(if options.quick_ack {
                    link::spawn(QuickAckStream::new(tcp), telnet, shared)
                } else {
                    link::spawn(tcp, telnet, shared)
                });
                Ok(session)
            }
            Protocol::Dummy => {
                let name = host.address();
                let connector = dummy::lookup(name).ok_or_else(|| Error::UnknownDummyDevice {
                    name: name.to_owned(),
                    known: dummy::names().join(", "),
                })?;
                let stream = connector.connect()?;
                let mut session = Session::prepare(host, &options)?;
                session.io = Some(link::spawn(stream, RawLink, session.shared.clone()));
                Ok(session)
            }
            Protocol::Ssh => {
                let ssh = Box::pin(SshConnection::connect(
                    host,
                    &options.ssh,
                    options.connect_timeout,
                ))
                .await?;
                let mut session = Session::prepare(host, &options)?;
                if let Some(version) = ssh.server_version() {
                    session.shared.with_guesser(|g| g.protocol_info(&version));
                }
                session.ssh = Some(ssh);
                Ok(session)
            }
            Protocol::Serial => {
                let stream = Box::pin(crate::serial::open(host, &options)).await?;
                Session::over_stream(host, stream, LinkKind::Raw, options).await
            }
            other => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                format!("protocol {other} is not supported by this build"),
            )
            .into()),
        }
    }

    /// Runs a Session over an already open stream (a socket you dialled
    /// yourself, a serial console bridge, a test pipe).
    pub async fn over_stream(
        host: &Host,
        stream: BoxedStream,
        kind: LinkKind,
        options: SessionOptions,
    ) -> Result<Session> {
        let mut session = Session::prepare(host, &options)?;
        let shared = session.shared.clone();
        session.io = Some(match kind {
            LinkKind::Telnet => {
                let telnet = telnet_link(&options);
                link::spawn(stream, telnet, shared)
            }
            LinkKind::Raw => link::spawn(stream, RawLink, shared),
        });
        Ok(session)
    }

    /// Builds the Session state (no I/O yet).
    pub(crate) fn prepare(host: &Host, options: &SessionOptions) -> Result<Session> {
        let registry = options.registry.clone().unwrap_or_else(builtin_registry);
        let name = options.driver.as_deref().or(host.driver());
        let driver = match name {
            Some(n) if !n.eq_ignore_ascii_case("auto") => {
                DriverChoice::Manual(resolve_driver(&registry, n)?)
            }
            _ => DriverChoice::Auto,
        };
        let guesser = OsGuesser::from_registry(&registry);
        let shared = Shared::new(options.buffer_limit, Some(guesser));
        if let Some(transcript) = &options.transcript {
            shared.set_transcript(Some(transcript.0.clone()));
        }
        Ok(Session {
            host: host.clone(),
            shared,
            io: None,
            registry,
            driver,
            prompts: Prompts::default(),
            timeout: options.timeout,
            detect_timeout: options.detect_timeout,
            logout_grace: options.logout_grace,
            prompt_settle: options.prompt_settle,
            lookbehind: options.lookbehind.max(1),
            auth: AuthState::default(),
            last_account: None,
            last_response: None,
            in_step: step::InStep::default(),
            prompt: None,
            pager_texts: Vec::new(),
            config_transcript: None,
            ssh: None,
            terminal: (options.terminal_type.clone(), options.columns, options.rows),
        })
    }

    // ----- identity and configuration ---------------------------------------

    /// The host this Session talks to.
    #[doc(alias("get_host"))]
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The driver in use: the one set, or the best guess so far.
    #[doc(alias("get_driver"))]
    pub fn driver(&self) -> Arc<Driver> {
        match &self.driver {
            DriverChoice::Manual(d) => d.clone(),
            DriverChoice::Auto => self
                .shared
                .with_guesser(|g| self.registry.get(g.best_driver()))
                .flatten()
                .or_else(|| self.registry.get("generic"))
                .unwrap_or_else(|| Arc::new(Driver::generic())),
        }
    }

    /// Selects the driver by name (or alias); `None` returns to automatic
    /// choice by [`guess_os`](Session::guess_os).
    pub fn set_driver(&mut self, name: Option<&str>) -> Result<()> {
        self.driver = match name {
            Some(n) => DriverChoice::Manual(resolve_driver(&self.registry, n)?),
            None => DriverChoice::Auto,
        };
        Ok(())
    }

    /// Whether the driver follows the OS guesser (none was chosen).
    pub(crate) fn is_auto_driver(&self) -> bool {
        matches!(self.driver, DriverChoice::Auto)
    }

    /// The operating system guessed from what the device sent so far
    /// (banner, login prompts, first responses): a driver name, or
    /// `"unknown"` while nothing scored.
    pub fn guess_os(&self) -> String {
        self.shared
            .with_guesser(|g| g.guess().map(|guess| guess.driver))
            .flatten()
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// Deadline of every wait.
    #[doc(alias("get_timeout"))]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets the deadline of every wait (Exscript `set_timeout`).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The patterns used instead of the driver's (none at first).
    ///
    /// ```no_run
    /// # fn demo(session: &oxscript_transport::Session) {
    /// let prompts = session.prompts().prompt_for(&session.driver()).to_vec();
    /// println!("waiting for {prompts:?}");
    /// # }
    /// ```
    #[doc(alias("prompt_patterns", "error_patterns", "get_prompt", "get_error_prompt"))]
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// Changes the patterns used instead of the driver's (see [`Prompts`]
    /// for saving and restoring them).
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// session.prompts_mut().set_prompt(r"\[confirm\]")?;
    /// session.execute("write memory").await?;
    /// session.prompts_mut().prompt = None; // the driver's prompts again
    /// session.execute("").await?; // confirm with Enter
    /// # Ok(()) }
    /// ```
    #[doc(alias(
        "set_prompt",
        "reset_prompt",
        "set_error_prompt",
        "reset_error_prompt",
        "disable_error_detection",
        "set_username_prompt",
        "set_password_prompt",
        "set_login_error_prompt",
        "reset_login_prompts"
    ))]
    pub fn prompts_mut(&mut self) -> &mut Prompts {
        &mut self.prompts
    }

    // ----- state queries ------------------------------------------------------

    /// How far logging in got: protocol authentication, app-level
    /// authentication, app-level authorization.
    ///
    /// ```no_run
    /// # async fn demo(session: &mut oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// session.login(None).await?;
    /// assert!(session.auth().app_authenticated);
    /// # Ok(()) }
    /// ```
    #[doc(alias(
        "is_protocol_authenticated",
        "is_app_authenticated",
        "is_app_authorized"
    ))]
    pub fn auth(&self) -> AuthState {
        self.auth
    }

    /// The last prompt seen, e.g. `router#`.
    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_deref()
    }

    /// The last response (Exscript `conn.response`).
    pub fn response(&self) -> Option<&Response> {
        self.last_response.as_ref()
    }

    /// Whether the connection is still open (the device did not close it
    /// and it was not closed locally).
    pub fn is_open(&self) -> bool {
        self.io.is_some() && self.shared.lock().closed.is_none()
    }

    /// Received data not consumed yet.
    pub fn buffer(&self) -> String {
        String::from_utf8_lossy(&self.shared.lock().buf).into_owned()
    }

    /// Drops received data not consumed yet; returns how many bytes.
    pub fn clear_buffer(&mut self) -> usize {
        let n = {
            let mut st = self.shared.lock();
            let n = st.buf.len();
            st.consume(n);
            n
        };
        self.shared.space_freed();
        n
    }

    // ----- hooks --------------------------------------------------------------

    /// Calls `callback` whenever one of `patterns` matches incoming data
    /// (Exscript `add_monitor`). Matches are searched in new data plus the
    /// previous 80 bytes (Exscript's limit), each reported once. The
    /// callback runs on the connection's I/O task: keep it short and
    /// non-blocking.
    pub fn add_monitor(
        &mut self,
        patterns: impl IntoPatterns,
        callback: impl Fn(&MonitorMatch) + Send + Sync + 'static,
    ) -> Result<()> {
        let callback: MonitorCallback = Arc::new(callback);
        self.shared
            .add_monitor(patterns.into_patterns()?, callback, MONITOR_LOOKBEHIND);
        Ok(())
    }

    /// Removes every monitor.
    pub fn clear_monitors(&mut self) {
        self.shared.clear_monitors();
    }

    /// A handle that cancels waits (see [`ExpectCanceller`]).
    #[doc(alias("cancel_expect"))]
    pub fn canceller(&self) -> ExpectCanceller {
        ExpectCanceller {
            shared: self.shared.clone(),
        }
    }

    // ----- sending --------------------------------------------------------------

    fn io(&self) -> Result<&Io> {
        self.io.as_ref().ok_or_else(|| match &self.ssh {
            Some(ssh) if !ssh.is_closed() => Error::ShellNotOpen {
                host: self.host.name().to_owned(),
            },
            _ => Error::Closed {
                host: self.host.name().to_owned(),
            },
        })
    }

    /// The SSH connection of an `ssh://` session (None otherwise), to run
    /// exec commands, open tunnels or SFTP on the same connection, and to
    /// read the server's version string and banner.
    ///
    /// ```no_run
    /// # fn demo(session: &oxscript_transport::Session) {
    /// if let Some(ssh) = session.ssh() {
    ///     println!("{:?} said {:?}", ssh.server_version(), ssh.banner());
    /// }
    /// # }
    /// ```
    #[doc(alias("banner", "remote_version", "get_banner", "get_remote_version"))]
    pub fn ssh(&self) -> Option<&SshConnection> {
        self.ssh.as_ref()
    }

    /// Opens the SSH shell after protocol authentication (no-op otherwise).
    pub(crate) async fn open_ssh_shell(&mut self) -> Result<()> {
        let Some(ssh) = self.ssh.clone() else {
            return Ok(());
        };
        if let Some(banner) = ssh.banner() {
            self.shared.with_guesser(|g| g.protocol_info(&banner));
        }
        if self.io.is_none() {
            let (term, columns, rows) = self.terminal.clone();
            let stream = ssh.open_shell(&term, columns, rows).await?;
            self.io = Some(link::spawn(stream, RawLink, self.shared.clone()));
        }
        Ok(())
    }

    /// Sends raw data without waiting for anything (Exscript `send`).
    pub async fn send(&mut self, data: impl AsRef<[u8]>) -> Result<()> {
        self.write(Bytes::copy_from_slice(data.as_ref())).await
    }

    /// Sends `line` followed by the driver's newline.
    #[doc(alias("sendline"))]
    pub async fn send_line(&mut self, line: &str) -> Result<()> {
        let driver = self.driver();
        self.send_line_with(&driver, line).await
    }

    async fn send_line_with(&mut self, driver: &Driver, line: &str) -> Result<()> {
        let mut data = Vec::with_capacity(line.len() + driver.newline.len());
        data.extend_from_slice(line.as_bytes());
        data.extend_from_slice(driver.newline.as_bytes());
        self.write(Bytes::from(data)).await
    }

    pub(crate) async fn write(&mut self, data: Bytes) -> Result<()> {
        let timeout = self.timeout;
        let tx = self.io()?.tx.clone();
        let (done, result) = oneshot::channel();
        // A peer that stops reading fills the socket: the write must not
        // wait for it forever.
        let sent = tokio::time::timeout(timeout, async {
            if tx.send(IoCommand::Write { data, done }).await.is_err() {
                return None;
            }
            result.await.ok()
        })
        .await;
        match sent {
            Ok(Some(result)) => result,
            Ok(None) => Err(self.closed_error("while sending")),
            Err(_) => Err(Error::Timeout {
                during: "while sending (the device stopped reading)".into(),
                expected: crate::Expected(vec!["the write to complete".into()]),
                timeout,
                tail: crate::Tail::of(&self.shared.lock().buf),
            }),
        }
    }

    /// Announces a new terminal size to the device (Telnet NAWS).
    pub async fn set_window_size(&mut self, columns: u16, rows: u16) -> Result<()> {
        if self
            .io()?
            .tx
            .send(IoCommand::WindowSize { columns, rows })
            .await
            .is_err()
        {
            return Err(self.closed_error("while resizing the window"));
        }
        Ok(())
    }

    fn closed_error(&self, during: &str) -> Error {
        let st = self.shared.lock();
        let reason = match &st.closed {
            Some(crate::buffer::Closed::Failed(why)) => format!(": {why}"),
            Some(crate::buffer::Closed::Local) => ": closed locally".to_owned(),
            _ => String::new(),
        };
        Error::ConnectionClosed {
            during: during.to_owned(),
            reason,
            tail: crate::Tail::of(&st.buf),
        }
    }

    // ----- commands -----------------------------------------------------------

    /// Sends `command` and waits for the prompt; returns the output without
    /// the echoed command and without the prompt (Exscript `execute`).
    ///
    /// Responses are kept in step with commands: data that arrived before
    /// the command was sent (a stray second prompt, an asynchronous log
    /// line) is dropped first; once the device is seen to echo, a response
    /// starts at its command's echo, so a late or fake prompt never ends
    /// another command's response; a command left in flight by a timeout
    /// or a cancelled call is waited for before the next one is sent, and
    /// [`Error::OutOfStep`] says when its prompt does not come.
    /// Pager prompts (`--More--` …) are answered on the way. If the output
    /// matches an error pattern, the result is [`Error::InvalidCommand`]
    /// carrying the error line and the whole response.
    pub async fn execute(&mut self, command: &str) -> Result<Response> {
        let driver = self.driver();
        self.drop_stale_data(&driver).await?;
        self.send_and_wait(command, &[]).await
    }

    /// Sends `command` and waits for its response (answering `answers`
    /// on the way), then checks it for errors. The driver is resolved
    /// once for the whole exchange.
    pub(crate) async fn send_and_wait(
        &mut self,
        command: &str,
        answers: &[Answer],
    ) -> Result<Response> {
        let driver = self.driver();
        self.finish_in_flight(&driver).await?;
        let started = Instant::now();
        self.send_in_flight(&driver, command).await?;
        let during = format!("waiting for the prompt after `{command}`");
        let response = self
            .wait_response(
                &driver,
                answers,
                Some(command),
                &during,
                started,
                self.timeout,
            )
            .await?;
        self.check_errors(&driver, &response)?;
        Ok(response)
    }

    /// Waits for the prompt and returns what came before it as a response
    /// (Exscript `expect_prompt`); no echo is removed.
    pub async fn expect_prompt(&mut self) -> Result<Response> {
        let driver = self.driver();
        let started = Instant::now();
        let response = self
            .wait_response(
                &driver,
                &[],
                None,
                "waiting for the prompt",
                started,
                self.timeout,
            )
            .await?;
        self.check_errors(&driver, &response)?;
        Ok(response)
    }

    /// Waits up to `timeout` for the prompt ending the response of
    /// `command` (see [`wait_in_step`](Session::wait_in_step)) and builds
    /// the response.
    pub(super) async fn wait_response(
        &mut self,
        driver: &Driver,
        answers: &[Answer],
        command: Option<&str>,
        during: &str,
        started: Instant,
        timeout: Duration,
    ) -> Result<Response> {
        self.pager_texts.clear();
        let (hit, raw) = self
            .wait_in_step(driver, answers, command, during, timeout)
            .await?;
        Ok(self.make_response(raw, &hit.text, command, started, true))
    }

    /// The response of `command` from what arrived before the prompt (or
    /// the text that ended it: `is_prompt` says whether that is a prompt to
    /// learn), recorded as the last response (and in the configuration
    /// transcript while one is kept).
    fn make_response(
        &mut self,
        raw: String,
        end: &str,
        command: Option<&str>,
        started: Instant,
        is_prompt: bool,
    ) -> Response {
        let text = response::clean_text(&raw, command, &self.pager_texts);
        let prompt = end.trim().to_owned();
        if is_prompt {
            self.note_prompt(&prompt);
        }
        // Bounded: a send_config dropped midway leaves no growing log.
        if let Some(log) = &mut self.config_transcript
            && log.len() < MAX_CONFIG_TRANSCRIPT
        {
            log.push_str(&raw);
            log.push_str(end);
        }
        let response = Response::new(
            command.unwrap_or_default().to_owned(),
            text,
            raw,
            prompt,
            started.elapsed(),
        );
        // Kept once: the Session and the caller share it.
        self.last_response = Some(response.clone());
        response
    }

    /// Fails with [`Error::InvalidCommand`] when the response reports a
    /// rejected command: the driver's error patterns look at the leading
    /// lines of the response ([`Driver::find_error`]); error patterns the
    /// caller set ([`Prompts::set_error_prompt`]) look at all of it.
    fn check_errors(&self, driver: &Driver, response: &Response) -> Result<()> {
        let found = match &self.prompts.error {
            Some(own) => oxscript_drivers::matching_line(own, response.text()),
            None => driver.find_error(response.text()),
        };
        match found {
            Some(line) => Err(Error::InvalidCommand {
                command: response.command().to_owned(),
                line: line.to_owned(),
                response: response.text().to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Records the prompt just seen; a changed hostname is re-learned.
    fn note_prompt(&mut self, prompt: &str) {
        if prompt.is_empty() {
            return;
        }
        if let Some(old) = &self.prompt
            && prompt_name(old) != prompt_name(prompt)
        {
            tracing::info!(host = self.host.name(), old = %old, new = %prompt, "prompt changed");
        }
        self.prompt = Some(prompt.to_owned());
    }

    /// Makes the device script-friendly with the driver's init commands
    /// (Exscript `autoinit`; on IOS `terminal length 0`, `terminal width 0`).
    /// For each command the alternatives are tried in order until one is
    /// accepted; a command no alternative of which is accepted is skipped.
    pub async fn autoinit(&mut self) -> Result<()> {
        let driver = self.driver();
        for init in &driver.init_commands {
            let mut accepted = false;
            for alternative in &init.alternatives {
                match self.execute(alternative).await {
                    Ok(_) => {
                        accepted = true;
                        break;
                    }
                    Err(Error::InvalidCommand { line, .. }) => {
                        tracing::debug!(host = self.host.name(), command = %alternative, %line, "init command refused");
                    }
                    Err(e) => return Err(e),
                }
            }
            if !accepted {
                tracing::warn!(host = self.host.name(), commands = ?init.alternatives, "no init command alternative was accepted");
            }
        }
        Ok(())
    }

    // ----- closing -------------------------------------------------------------

    /// Closes the connection without logging out (Exscript `close(force=True)`).
    pub async fn close(mut self) -> Result<()> {
        self.shutdown().await;
        Ok(())
    }

    /// Like [`close`](Session::close) for callers that only borrow the
    /// Session (a template's `connection.close()`): the connection is
    /// closed, the Session stays, and every later call fails with
    /// [`Error::Closed`].
    pub async fn close_in_place(&mut self) {
        self.shutdown().await;
    }

    /// Sends the driver's logout commands (e.g. `exit`), waits a short
    /// grace ([`SessionOptions::logout_grace`], 1 s by default) for the
    /// device to close the connection, then closes it (Exscript `close()`
    /// with auto-logout). Returns whether the device closed the
    /// connection by itself; a device that stays open is closed all the
    /// same, and logout never waits for the command timeout.
    ///
    /// ```no_run
    /// # async fn demo(session: oxscript_transport::Session) -> oxscript_transport::Result<()> {
    /// if !session.logout().await? {
    ///     println!("the device ignored the logout command; closed it");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn logout(mut self) -> Result<bool> {
        let closed_by_device = self.is_open() && self.send_logout().await;
        self.shutdown().await;
        Ok(closed_by_device)
    }

    /// Sends the logout commands and waits for the device to close,
    /// everything within the logout grace. Returns whether it closed.
    async fn send_logout(&mut self) -> bool {
        let grace = self.logout_grace;
        let deadline = oxscript_core::time::deadline_after(grace);
        let driver = self.driver();
        let mut rx = self.shared.subscribe();
        let sent = tokio::time::timeout_at(deadline, async {
            for command in &driver.logout {
                if self.send_line_with(&driver, command).await.is_err() {
                    break;
                }
            }
        })
        .await;
        if sent.is_err() {
            tracing::debug!(
                host = self.host.name(),
                "the logout command could not be sent in time"
            );
        }
        loop {
            rx.borrow_and_update();
            if self.shared.lock().closed.is_some() {
                return true;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                tracing::debug!(
                    host = self.host.name(),
                    ?grace,
                    "the device did not close the connection after logout; closing it"
                );
                return false;
            }
        }
    }

    async fn shutdown(&mut self) {
        self.shutdown_io().await;
        if let Some(ssh) = self.ssh.take() {
            ssh.close().await;
        }
    }

    async fn shutdown_io(&mut self) {
        if let Some(io) = self.io.take() {
            let (done, closed) = oneshot::channel();
            // The I/O task always serves its requests: the close is seen at
            // once, and the task ends within its grace period.
            if io.tx.try_send(IoCommand::Close { done }).is_ok() {
                let _ =
                    tokio::time::timeout(link::CLOSE_GRACE + Duration::from_secs(1), closed).await;
            }
            drop(io.tx);
            let abort = io.task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(1), io.task)
                .await
                .is_err()
            {
                tracing::warn!(
                    host = self.host.name(),
                    "I/O task did not stop in time: aborted"
                );
                abort.abort();
            }
        }
    }

    pub(crate) fn remember_account(&mut self, account: &Account) {
        self.last_account = Some(account.clone());
    }
}

/// The Telnet link announcing the terminal of `options`.
fn telnet_link(options: &SessionOptions) -> TelnetLink {
    TelnetLink::new(ClientOptions {
        terminal_type: options.terminal_type.clone(),
        columns: options.columns,
        rows: options.rows,
        ..ClientOptions::default()
    })
}

/// The part of a prompt that names the device: `router(config)#` -> `router`.
fn prompt_name(prompt: &str) -> &str {
    let end = prompt
        .find(['(', '#', '>', '$', '%', ' ', ':'])
        .unwrap_or(prompt.len());
    &prompt[..end]
}

#[cfg(test)]
mod tests {
    use super::{Session, SessionOptions, prompt_name};
    use oxscript_core::Host;

    /// The SSH handshake, SSH login and serial open are boxed: inline, they
    /// made every job's future (Telnet ones too) ~20 KiB larger, memory
    /// touched for the first time by every host of a fan-out.
    #[test]
    fn connect_and_login_futures_stay_small() {
        let host = Host::new("telnet://127.0.0.1:1").unwrap_or_else(|e| panic!("{e}"));
        let connect = Session::connect_with(&host, SessionOptions::default());
        let size = std::mem::size_of_val(&connect);
        eprintln!("connect_with: {size} bytes");
        assert!(size <= 3 * 1024, "connect_with future is {size} bytes");
        drop(connect);
        let mut session =
            Session::prepare(&host, &SessionOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let login = session.login(None);
        let size = std::mem::size_of_val(&login);
        eprintln!("login: {size} bytes");
        assert!(size <= 4 * 1024, "login future is {size} bytes");
    }

    #[test]
    fn prompt_names() {
        assert_eq!(prompt_name("router(config-if)#"), "router");
        assert_eq!(prompt_name("router>"), "router");
        assert_eq!(prompt_name("user@host:~$"), "user@host");
    }
}
