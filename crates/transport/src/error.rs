//! The transport crate's error type.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Result alias for the transport crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many trailing bytes of received data an error shows.
const TAIL_BYTES: usize = 240;

/// The last bytes received from a device, escaped for display.
///
/// Errors carry a `Tail` so a timeout always shows what arrived instead of
/// what was expected. Control characters are escaped (`\r`, `\n`, `\x1b`),
/// and a leading `…` marks a cut.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Tail(String);

impl Tail {
    /// The escaped tail of `data` (at most 240 bytes of it).
    pub fn of(data: &[u8]) -> Tail {
        let cut = data.len().saturating_sub(TAIL_BYTES);
        let mut out = String::new();
        if cut > 0 {
            out.push('…');
        }
        for chunk in data[cut..].utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '\r' => out.push_str("\\r"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                    c => out.push(c),
                }
            }
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        Tail(out)
    }

    /// The escaped text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether nothing was received.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Tail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(nothing)")
        } else {
            write!(f, "\"{}\"", self.0)
        }
    }
}

impl fmt::Debug for Tail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A list of patterns, displayed for error messages.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Expected(pub Vec<String>);

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "/{p}/")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Everything that can go wrong while talking to a device.
///
/// Messages never contain secrets: passwords are never part of an error,
/// and received data is shown as an escaped [`Tail`]. Errors are cheap to
/// clone (I/O errors inside are shared), so one can be kept in a log and
/// returned at the same time.
///
/// A job of `oxscript-jobs` returns this error inside its own (as
/// `Error::Transport`), so matching a variant takes one pattern there too.
///
/// ```no_run
/// use oxscript_transport::{Error, Session};
///
/// # async fn demo(session: &mut Session) -> oxscript_transport::Result<()> {
/// match session.execute("show bogus").await {
///     Ok(response) => println!("{}", response.text()),
///     Err(Error::InvalidCommand { line, .. }) => println!("refused: {line}"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on the underlying stream (shared, so the error can be
    /// cloned).
    #[error(transparent)]
    Io(Arc<std::io::Error>),

    /// The TCP connection could not be opened.
    #[error("cannot connect to {address}: {error}")]
    Connect {
        /// `host:port` that was dialled.
        address: String,
        /// The reason (part of the message, so not repeated as a source).
        error: Arc<std::io::Error>,
    },

    /// The TCP connection was not established in time.
    #[error("connecting to {address} timed out after {timeout:?}")]
    ConnectTimeout {
        /// `host:port` that was dialled.
        address: String,
        /// The connect timeout.
        timeout: Duration,
    },

    /// An SSH server accepted the TCP connection but sent no SSH version
    /// line in time: it said nothing, or only other text (a pre-banner
    /// that never ends, garbage: not an SSH server).
    #[error(
        "{address} accepted the connection but sent no SSH version line ({why}); received {received}"
    )]
    SshNoVersion {
        /// `host:port` that was dialled.
        address: String,
        /// "none within 15s", or what was wrong with the line that came.
        why: String,
        /// The end of what arrived instead of the version line.
        received: Tail,
    },

    /// Nothing expected arrived before the deadline.
    #[error("timed out after {timeout:?} {during}: expected {expected}; last received {tail}")]
    Timeout {
        /// What was being done ("waiting for the prompt", "during login", …).
        during: String,
        /// The patterns that were waited for.
        expected: Expected,
        /// The timeout that expired.
        timeout: Duration,
        /// The end of what arrived.
        tail: Tail,
    },

    /// A command's response was not read to its prompt (the wait timed out
    /// or was cancelled), and that prompt did not come within the timeout
    /// before the next command: the Session cannot tell which output
    /// belongs to which command, so it sent nothing. The next call waits
    /// for the prompt again; closing the Session always works.
    #[error(
        "{host}: out of step: the prompt after `{previous}` (timed out or cancelled) did not come within {timeout:?}, so the next command was not sent; last received {tail}"
    )]
    OutOfStep {
        /// The host.
        host: String,
        /// The command left in flight.
        previous: String,
        /// How long its prompt was waited for.
        timeout: Duration,
        /// The end of what arrived.
        tail: Tail,
    },

    /// The device rejected the credentials (a wrong password is this, never a timeout).
    #[error("login failed on {host}: {reason}; last received {tail}")]
    LoginFailure {
        /// The host.
        host: String,
        /// What the device said, or what happened.
        reason: String,
        /// The end of what arrived.
        tail: Tail,
    },

    /// The device rejected the authorization (e.g. a wrong enable password).
    #[error("authorization failed on {host}: {reason}; last received {tail}")]
    AuthorizationFailure {
        /// The host.
        host: String,
        /// What the device said, or what happened.
        reason: String,
        /// The end of what arrived.
        tail: Tail,
    },

    /// The device reported an error for a command.
    #[error("command `{command}` failed: {line}")]
    InvalidCommand {
        /// The command that was sent.
        command: String,
        /// The line of the response that matched an error pattern.
        line: String,
        /// The whole response, echo and prompt removed.
        response: String,
    },

    /// The connection ended while waiting.
    #[error("connection closed {during}{reason}; last received {tail}")]
    ConnectionClosed {
        /// What was being done.
        during: String,
        /// Why, when known (prefixed with ": ").
        reason: String,
        /// The end of what arrived.
        tail: Tail,
    },

    /// A wait was cancelled with [`crate::ExpectCanceller::cancel`].
    #[error("expect cancelled {during}")]
    ExpectCancelled {
        /// What was being done.
        during: String,
    },

    /// The receive buffer reached its limit without a match.
    #[error(
        "receive buffer full ({limit} bytes) {during} without a match for {expected}; last received {tail}"
    )]
    BufferFull {
        /// The configured limit.
        limit: usize,
        /// What was being done.
        during: String,
        /// The patterns that were waited for.
        expected: Expected,
        /// The end of what arrived.
        tail: Tail,
    },

    /// An operation needs an account and none was given.
    #[error("no account to log into {host}: give one in the URL, on the Host or as an argument")]
    NoAccount {
        /// The host.
        host: String,
    },

    /// After login the device's platform is still unknown: nothing it
    /// sent and none of the probe commands matched a driver. The generic
    /// driver is only used when chosen explicitly.
    #[error(
        "cannot tell which platform {host} runs (prompt `{prompt}`; probed with {tried}): choose a driver (SessionOptions::driver, Host::set_driver, a `driver` variable of the host, or --driver in the CLI), or `generic` to use the generic driver; last received {tail}"
    )]
    UnknownPlatform {
        /// The host.
        host: String,
        /// The prompt seen after login.
        prompt: String,
        /// The probe commands sent, and what became of them.
        tried: String,
        /// The end of the last probe's answer.
        tail: Tail,
    },

    /// The driver has no way to do what was asked (save the
    /// configuration, commit, commit with a confirm timer).
    #[error("{operation} is not possible on {host}: the `{driver}` driver {why}")]
    Unsupported {
        /// The host.
        host: String,
        /// The driver in use.
        driver: String,
        /// What was asked, e.g. `save_config`.
        operation: String,
        /// What the driver lacks.
        why: String,
    },

    /// A driver name that is not registered.
    #[error("unknown driver `{name}` (known: {known})")]
    UnknownDriver {
        /// The requested name.
        name: String,
        /// The registered names.
        known: String,
    },

    /// A `dummy://` URL names no registered in-memory device.
    #[error("no in-memory device named `{name}` is registered (registered: {known})")]
    UnknownDummyDevice {
        /// The requested name.
        name: String,
        /// The registered names.
        known: String,
    },

    /// A regular expression given by the caller is invalid.
    #[error(transparent)]
    Pattern(#[from] oxscript_drivers::Error),

    /// A capture helper was asked for a different number of groups than the pattern has.
    #[error("pattern /{pattern}/ has {found} capture group(s), but {expected} were asked for")]
    GroupCount {
        /// The pattern.
        pattern: String,
        /// Groups asked for.
        expected: usize,
        /// Groups in the pattern.
        found: usize,
    },

    /// An error from the core model (URL, host, account).
    #[error(transparent)]
    Core(#[from] oxscript_core::Error),

    /// A privilege level could not be reached.
    #[error("cannot change privilege level on {host}: {reason}")]
    Privilege {
        /// The host.
        host: String,
        /// What happened.
        reason: String,
    },

    /// A configuration line was rejected by the device.
    #[error(
        "configuration line {number} on {host} was rejected: `{line}`: {message} ({applied} line(s) before it were applied; configuration mode was left without committing)"
    )]
    ConfigFailed {
        /// The host.
        host: String,
        /// 1-based number of the rejected line (the commit counts as the line after the last).
        number: usize,
        /// The rejected line.
        line: String,
        /// The device's error message.
        message: String,
        /// How many lines were accepted before it.
        applied: usize,
    },

    /// An SSH protocol error (negotiation, channel, disconnect).
    #[error("SSH error with {host}: {reason}")]
    Ssh {
        /// `host:port`.
        host: String,
        /// What went wrong.
        reason: String,
    },

    /// Client and server share no algorithm of one kind.
    #[error(
        "no common {kind} algorithm with {host}: we offer {ours}; the server offers {theirs} (old gear may need AlgorithmProfile::Legacy)"
    )]
    NoCommonAlgorithm {
        /// `host:port`.
        host: String,
        /// Key exchange, cipher, MAC, host key, compression.
        kind: String,
        /// Our list.
        ours: String,
        /// The server's list.
        theirs: String,
    },

    /// The host key is not in known_hosts and the policy is strict.
    #[error(
        "host key of {host} ({fingerprint}) is not in {known_hosts}; refusing to connect (record it with ssh-keyscan, or trust new hosts: the CLI's --accept-new, the library's HostKeyPolicy::AcceptNew)"
    )]
    HostKeyUnknown {
        /// `host:port`.
        host: String,
        /// SHA256 fingerprint presented by the server.
        fingerprint: String,
        /// The known_hosts file checked.
        known_hosts: String,
    },

    /// The host key differs from the recorded one.
    #[error(
        "HOST KEY MISMATCH for {host}: the server presented {presented} but {known_hosts} line {line} records {recorded}; possible man-in-the-middle attack, refusing to connect"
    )]
    HostKeyMismatch {
        /// `host:port`.
        host: String,
        /// SHA256 fingerprint presented by the server.
        presented: String,
        /// SHA256 fingerprint(s) recorded for the host.
        recorded: String,
        /// The known_hosts file.
        known_hosts: String,
        /// Line of the recorded key.
        line: usize,
    },

    /// The host key is marked `@revoked`.
    #[error("host key {fingerprint} of {host} is revoked ({known_hosts} line {line})")]
    HostKeyRevoked {
        /// `host:port`.
        host: String,
        /// SHA256 fingerprint.
        fingerprint: String,
        /// The known_hosts file.
        known_hosts: String,
        /// Line of the revocation.
        line: usize,
    },

    /// The host key could not be checked (unreadable or unwritable known_hosts).
    #[error("host key {fingerprint} of {host} cannot be verified: {reason}")]
    HostKeyUnverifiable {
        /// `host:port`.
        host: String,
        /// SHA256 fingerprint.
        fingerprint: String,
        /// Why.
        reason: String,
    },

    /// Every SSH authentication method failed.
    #[error("SSH authentication of `{user}` on {host} failed: tried {}; the server offers {}", list(.tried), list(.offered))]
    SshAuthFailed {
        /// `host:port`.
        host: String,
        /// The user name.
        user: String,
        /// What was tried, in order (keys named by file or agent comment).
        tried: Vec<String>,
        /// The methods the server offered.
        offered: Vec<String>,
    },

    /// A private key file cannot be used.
    #[error("cannot use key {}: {reason}", .path.display())]
    KeyFile {
        /// The key file.
        path: std::path::PathBuf,
        /// Why (missing passphrase, wrong passphrase, bad format).
        reason: String,
    },

    /// A remote command exited with a status that is not allowed.
    #[error("command `{command}` on {host} failed with {status}; stderr: {stderr}")]
    CommandFailed {
        /// `host:port`.
        host: String,
        /// The command.
        command: String,
        /// `status N`, `signal X` or `no exit status`.
        status: String,
        /// The end of stderr.
        stderr: Tail,
    },

    /// An SSH session was used before `login` opened its shell.
    #[error("the SSH shell to {host} opens at login: call login() or authenticate() first")]
    ShellNotOpen {
        /// The host.
        host: String,
    },

    /// The session is closed; no more operations are possible.
    #[error("the session to {host} is closed")]
    Closed {
        /// The host.
        host: String,
    },

    /// An SFTP operation failed, locally or on the server.
    #[error("SFTP with {host}: {path}: {reason}")]
    Sftp {
        /// `host:port`.
        host: String,
        /// The local or remote path concerned.
        path: String,
        /// What went wrong (the server's status or the local I/O error).
        reason: String,
    },

    /// A local port forward cannot listen on its address.
    #[error("cannot listen on {address}: {error}")]
    Bind {
        /// The address asked for.
        address: String,
        /// The reason (part of the message, so not repeated as the error's source).
        error: Arc<std::io::Error>,
    },

    /// An OpenSSH client configuration file is invalid or cannot be used.
    #[error("{file} line {line}: {reason}")]
    SshConfig {
        /// The file (or the source name given to the parser).
        file: String,
        /// 1-based line number (0 when the file as a whole is concerned).
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Error {
        Error::Io(Arc::new(error))
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_owned()
    } else {
        items.join(", ")
    }
}

impl Error {
    /// Whether the connection ended under us: closed by the device or the
    /// network while waiting, or already closed when used. Reconnecting
    /// may help.
    ///
    /// ```
    /// use oxscript_transport::Error;
    ///
    /// assert!(Error::Closed { host: "r1".into() }.is_connection_lost());
    /// assert!(!Error::NoAccount { host: "r1".into() }.is_connection_lost());
    /// ```
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::ConnectionClosed { .. } | Error::Closed { .. })
    }

    /// Whether the device rejected the credentials: SSH authentication,
    /// app-level login or authorization (`enable`).
    ///
    /// ```
    /// use oxscript_transport::{Error, Tail};
    ///
    /// let e = Error::LoginFailure { host: "r1".into(), reason: "% Login invalid".into(), tail: Tail::default() };
    /// assert!(e.is_login_failure() && !e.is_connect_failure());
    /// ```
    pub fn is_login_failure(&self) -> bool {
        matches!(
            self,
            Error::LoginFailure { .. }
                | Error::AuthorizationFailure { .. }
                | Error::SshAuthFailed { .. }
        )
    }

    /// Whether the connection could not be opened or was lost: refused,
    /// unreachable, timed out, closed, or an SSH protocol error. Host key
    /// problems are not connection failures (retrying cannot fix them).
    ///
    /// ```
    /// use std::time::Duration;
    /// use oxscript_transport::Error;
    ///
    /// let e = Error::ConnectTimeout { address: "10.0.0.1:22".into(), timeout: Duration::from_secs(5) };
    /// assert!(e.is_connect_failure());
    /// ```
    pub fn is_connect_failure(&self) -> bool {
        matches!(
            self,
            Error::Connect { .. }
                | Error::ConnectTimeout { .. }
                | Error::SshNoVersion { .. }
                | Error::Io(_)
                | Error::ConnectionClosed { .. }
                | Error::Ssh { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_escapes_and_cuts() {
        assert_eq!(Tail::of(b"router#").to_string(), "\"router#\"");
        assert_eq!(
            Tail::of(b"a\r\nb\x1b[0m\xff").as_str(),
            "a\\r\\nb\\x1b[0m\\xff"
        );
        let long = vec![b'x'; 1000];
        let t = Tail::of(&long);
        assert!(t.as_str().starts_with('…'));
        assert_eq!(t.as_str().chars().filter(|&c| c == 'x').count(), TAIL_BYTES);
        assert_eq!(Tail::of(b"").to_string(), "(nothing)");
    }

    #[test]
    fn io_errors_convert_and_clone_with_their_kind_and_message() {
        let e: Error = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe gone").into();
        let copy = e.clone();
        match (&e, &copy) {
            (Error::Io(a), Error::Io(b)) => {
                assert_eq!(a.kind(), std::io::ErrorKind::BrokenPipe);
                assert!(Arc::ptr_eq(a, b), "the I/O error is shared, not rebuilt");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(copy.to_string(), "pipe gone");
        assert!(e.is_connect_failure());
    }

    #[test]
    fn timeout_message_names_patterns_and_tail() {
        let e = Error::Timeout {
            during: "waiting for the prompt".into(),
            expected: Expected(vec!["router#".into(), "--More--".into()]),
            timeout: Duration::from_secs(2),
            tail: Tail::of(b"partial output\r\n"),
        };
        let msg = e.to_string();
        assert!(msg.contains("/router#/ | /--More--/"), "{msg}");
        assert!(msg.contains("partial output\\r\\n"), "{msg}");
    }
}
