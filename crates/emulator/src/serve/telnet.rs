//! [`TelnetServer`]: serves a [`VirtualDevice`] over Telnet on a TCP
//! port, each client's conversation with its own [`DeviceSession`].

use bytes::Bytes;
use futures::{FutureExt, SinkExt, StreamExt};
use oxscript_telnet::consts::AYT;
use oxscript_telnet::{Negotiator, ServerOptions, TelnetCodec, TelnetEvent, TelnetFrame};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;

use crate::device::VirtualDevice;
use crate::serve::PIECE;
use crate::serve::listener::{Listener, listener_accessors};
use crate::session::DeviceSession;

/// How many already-received events are handled before one flush.
const MAX_BATCH: usize = 64;

/// Serves `session` over a Telnet `stream` until either side closes.
pub(crate) async fn serve_telnet<S>(
    stream: S,
    mut session: DeviceSession,
    echo: bool,
) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut framed = Framed::new(stream, TelnetCodec::new());
    let mut negotiator = Negotiator::server(ServerOptions {
        echo,
        ..ServerOptions::default()
    });
    for frame in negotiator.start() {
        framed.feed(frame).await?;
    }
    let output = session.start();
    if !output.text.is_empty() {
        framed
            .feed(TelnetFrame::Data(Bytes::from(output.text)))
            .await?;
    }
    framed.flush().await?;
    let mut close = output.close;
    while !close {
        let mut next = framed.next().await;
        if next.is_none() {
            break;
        }
        let mut data = String::new();
        // Handle this event and what already arrived (up to MAX_BATCH
        // more), then write everything at once.
        let mut batch = 0;
        while let Some(event) = next.take() {
            close = handle(
                &mut framed,
                &mut negotiator,
                &mut session,
                event?,
                &mut data,
            )
            .await?;
            if close || batch == MAX_BATCH || session.has_more() {
                break;
            }
            batch += 1;
            match framed.next().now_or_never() {
                Some(Some(event)) => next = Some(event),
                Some(None) => close = true,
                None => {}
            }
        }
        // A long reply goes out piece by piece, each piece sent as soon
        // as it is made (through a write buffer of about PIECE).
        while !close && session.has_more() {
            if !data.is_empty() {
                let piece = std::mem::take(&mut data);
                framed.send(TelnetFrame::Data(Bytes::from(piece))).await?;
            }
            close = session.more_into(&mut data, PIECE);
        }
        if !data.is_empty() {
            framed.feed(TelnetFrame::Data(Bytes::from(data))).await?;
        }
        framed.flush().await?;
    }
    // Closing is best effort: the peer may be gone already.
    let _ = SinkExt::<TelnetFrame>::close(&mut framed).await;
    Ok(())
}

/// Handles one event: data goes to the session (its output is appended to
/// `data`), negotiation is answered at once. Returns whether the session
/// ended.
async fn handle<S>(
    framed: &mut Framed<S, TelnetCodec>,
    negotiator: &mut Negotiator,
    session: &mut DeviceSession,
    event: TelnetEvent,
    data: &mut String,
) -> std::io::Result<bool>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match event {
        TelnetEvent::Data(bytes) => Ok(session.feed_pieces(&bytes, data, PIECE)),
        TelnetEvent::Command(AYT) => {
            data.push_str("\r\n[Yes]\r\n");
            Ok(false)
        }
        TelnetEvent::Command(_) => Ok(false),
        event => {
            // Data produced so far is encoded before the negotiation can
            // change the binary flags, and goes out before the replies.
            if !data.is_empty() {
                let pending = std::mem::take(data);
                framed.feed(TelnetFrame::Data(Bytes::from(pending))).await?;
            }
            for reply in negotiator.handle_with(&event, framed.codec_mut()) {
                framed.feed(reply).await?;
            }
            Ok(false)
        }
    }
}

/// A Telnet server for a [`VirtualDevice`], one Tokio task per client.
///
/// Each connection gets a fresh [`DeviceSession`]:
/// the server offers `WILL ECHO` (when the device echoes), `WILL SGA`,
/// `DO NAWS` and `DO TTYPE`, answers the client's negotiation, then sends
/// the banner and relays data between the client and the session. The
/// connection closes when the session ends (e.g. after `exit`) or the
/// client leaves.
///
/// ```
/// use oxscript_emulator::{ios, TelnetServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = TelnetServer::bind("127.0.0.1:0", ios::device("R1")).await?;
/// assert!(server.url().starts_with("telnet://127.0.0.1:"));
/// assert_eq!(server.active_connections(), 0);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TelnetServer {
    listener: Listener,
}

impl TelnetServer {
    /// Binds `addr` (`"127.0.0.1:0"` picks a free port; a `SocketAddr`
    /// works too) and starts accepting clients on the current Tokio
    /// runtime.
    pub async fn bind(
        addr: impl tokio::net::ToSocketAddrs,
        device: VirtualDevice,
    ) -> std::io::Result<TelnetServer> {
        let mut listener = Listener::bind("telnet", addr).await?;
        let cancel = listener.cancel.clone();
        listener.accept(move |socket, peer| {
            let session = device.session();
            let echo = device.echo();
            let cancel = cancel.clone();
            async move {
                tokio::select! {
                    () = cancel.cancelled() => {
                        tracing::debug!(%peer, "telnet emulator: client closed by shutdown");
                    }
                    res = serve_telnet(socket, session, echo) => {
                        if let Err(e) = res {
                            tracing::debug!(%peer, error = %e, "telnet emulator: client ended with an error");
                        }
                    }
                }
            }
        });
        Ok(TelnetServer { listener })
    }

    listener_accessors!("telnet");

    /// Stops accepting, closes every client connection and waits until
    /// all the server's tasks have ended. Dropping the server stops it
    /// too, without waiting for its tasks.
    pub async fn shutdown(self) {
        self.listener.shutdown().await;
    }
}
