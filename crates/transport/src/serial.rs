//! Serial consoles (execo `Serial`, `SerialSsh`): `serial:///dev/ttyUSB0?baud=115200`
//! as a Session byte stream, on this machine or, when the host has a
//! gateway, on the gateway reached over SSH.
//!
//! A local device is opened with `tokio-serial` (8 data bits, no
//! parity, one stop bit, no flow control, at the URL's `baud`). A remote
//! one is set up with `stty` and relayed with `cat` over an exec channel
//! of the gateway's SSH connection (its pool's, when the options have
//! one): the remote host needs only a POSIX shell, `stty` and `cat`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use oxscript_core::Host;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_serial::SerialPortBuilderExt;

use crate::BoxedStream;
use crate::session::SessionOptions;
use crate::ssh::{ChannelStream, SshConnection};
use crate::{Error, Result};

/// The speed used when the URL gives no `baud` (the usual console speed).
pub const DEFAULT_BAUD: u32 = 9600;

/// The `baud` of a serial host's URL, or [`DEFAULT_BAUD`].
fn baud(host: &Host) -> Result<u32> {
    match host.get_first("baud") {
        None => Ok(DEFAULT_BAUD),
        Some(text) => text.parse::<u32>().ok().filter(|b| *b > 0).ok_or_else(|| {
            Error::from(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "serial device {}: baud `{text}` is not a positive number",
                    host.address()
                ),
            ))
        }),
    }
}

/// Opens the serial device of `host`: locally, or on its gateway over SSH.
pub(crate) async fn open(host: &Host, options: &SessionOptions) -> Result<BoxedStream> {
    let baud = baud(host)?;
    let device = host.address();
    match host.gateway() {
        None => open_local(device, baud),
        Some(gateway) => open_remote(gateway, device, baud, options).await,
    }
}

/// Opens the local serial device at `path` (8N1, no flow control, at
/// `baud`) as a byte stream: what a `serial://` Session runs over, and
/// the other end of a pseudo-terminal pair for tests and bridges.
///
/// ```no_run
/// use tokio::io::AsyncWriteExt;
///
/// # async fn demo() -> oxscript_transport::Result<()> {
/// let mut console = oxscript_transport::serial::open_local("/dev/ttyUSB0", 115_200)?;
/// console.write_all(b"\r").await?;
/// # Ok(()) }
/// ```
pub fn open_local(path: &str, baud: u32) -> Result<BoxedStream> {
    let port = tokio_serial::new(path, baud)
        .open_native_async()
        .map_err(|e| Error::Connect {
            address: path.to_owned(),
            error: std::sync::Arc::new(io::Error::from(e)),
        })?;
    Ok(Box::new(port))
}

/// `text` quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The command that sets the line up (raw, no echo, at `baud`).
fn stty_command(device: &str, baud: u32) -> String {
    format!("stty -F {} {baud} raw -echo", quote(device))
}

/// The relay: the device's output to stdout, stdin to the device; when
/// stdin ends (the Session closed), the reader is stopped too.
fn relay_command(device: &str) -> String {
    let dev = quote(device);
    format!("cat {dev} & r=$!; cat > {dev}; kill $r 2>/dev/null")
}

async fn open_remote(
    gateway: &Host,
    device: &str,
    baud: u32,
    options: &SessionOptions,
) -> Result<BoxedStream> {
    let ssh = &options.ssh;
    let conn = match &ssh.pool {
        Some(pool) => pool.connect(gateway, ssh, options.connect_timeout).await?,
        None => SshConnection::connect_authenticated(gateway, ssh, options.connect_timeout).await?,
    };
    conn.exec(stty_command(device, baud))
        .allowed_exit_codes([0])
        .run()
        .await?;
    let channel = conn.open_session_channel().await?;
    channel
        .exec(true, relay_command(device))
        .await
        .map_err(|e| Error::Ssh {
            host: conn.label().to_owned(),
            reason: format!("cannot relay serial device {device}: {e}"),
        })?;
    Ok(Box::new(RemoteSerial {
        stream: channel.into_stream(),
        _connection: conn,
    }))
}

/// The relay's channel, keeping its connection open as long as it lives.
struct RemoteSerial {
    stream: ChannelStream,
    _connection: SshConnection,
}

impl AsyncRead for RemoteSerial {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for RemoteSerial {
    crate::stream::forward_async_write!(stream);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baud_rates_and_commands() {
        let host = |url: &str| Host::new(url).unwrap();
        assert_eq!(baud(&host("serial:///dev/ttyS0")).unwrap(), DEFAULT_BAUD);
        assert_eq!(
            baud(&host("serial:///dev/ttyS0?baud=115200")).unwrap(),
            115_200
        );
        let err = baud(&host("serial:///dev/ttyS0?baud=fast")).unwrap_err();
        assert!(err.to_string().contains("baud `fast`"), "{err}");
        assert!(baud(&host("serial:///dev/ttyS0?baud=0")).is_err());
        assert_eq!(
            stty_command("/dev/ttyS0", 9600),
            "stty -F '/dev/ttyS0' 9600 raw -echo"
        );
        assert_eq!(
            relay_command("/tmp/it's"),
            "cat '/tmp/it'\\''s' & r=$!; cat > '/tmp/it'\\''s'; kill $r 2>/dev/null"
        );
    }
}
