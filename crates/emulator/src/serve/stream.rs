//! Serving a [`DeviceSession`] over any byte stream (no Telnet framing).

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::serve::PIECE;
use crate::session::DeviceSession;

/// Serves `session` over `stream` until the client disconnects or the
/// session closes: sends the banner, then feeds every chunk read to the
/// session and writes its output (one write per chunk read; a long reply
/// is made and written in pieces of 256 KiB).
///
/// Used for in-memory links (`dummy://`) and any raw transport.
///
/// ```
/// use oxscript_emulator::{serve_stream, LoginType, VirtualDevice};
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let device = VirtualDevice::new("r1").with_login_type(LoginType::None);
/// let (mut client, server) = tokio::io::duplex(4096);
/// tokio::spawn(serve_stream(server, device.session()));
/// let mut buf = vec![0; 64];
/// let n = client.read(&mut buf).await?;
/// assert_eq!(&buf[..n], b"Welcome to r1!\r\nr1> ");
/// # client.shutdown().await?;
/// # Ok(())
/// # }
/// ```
pub async fn serve_stream<S>(stream: S, session: DeviceSession) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    serve_stream_until(stream, session, CancellationToken::new()).await
}

/// Like [`serve_stream`], and also stops (closing the stream) when
/// `cancel` is cancelled.
pub async fn serve_stream_until<S>(
    mut stream: S,
    mut session: DeviceSession,
    cancel: CancellationToken,
) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let output = session.start();
    let mut close = output.close;
    tokio::select! {
        () = cancel.cancelled() => close = true,
        res = stream.write_all(output.text.as_bytes()) => res?,
    }
    let mut buf = vec![0u8; 8 * 1024];
    let mut text = output.text;
    while !close {
        let n = tokio::select! {
            () = cancel.cancelled() => break,
            res = stream.read(&mut buf) => res?,
        };
        if n == 0 {
            break;
        }
        text.clear();
        close = session.feed_pieces(buf.get(..n).unwrap_or_default(), &mut text, PIECE);
        loop {
            if !text.is_empty() {
                tokio::select! {
                    () = cancel.cancelled() => close = true,
                    res = stream.write_all(text.as_bytes()) => res?,
                }
            }
            if close || !session.has_more() {
                break;
            }
            text.clear();
            close = session.more_into(&mut text, PIECE);
        }
    }
    // The peer may be gone already; closing is best effort.
    let _ = stream.shutdown().await;
    Ok(())
}
