//! One Telnet client's conversation with a [`DeviceSession`]
//! (crate-private).

use bytes::Bytes;
use futures::{FutureExt, SinkExt, StreamExt};
use oxscript_telnet::consts::AYT;
use oxscript_telnet::{Negotiator, ServerOptions, TelnetCodec, TelnetEvent, TelnetFrame};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;

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
            if close || batch == MAX_BATCH {
                break;
            }
            batch += 1;
            match framed.next().now_or_never() {
                Some(Some(event)) => next = Some(event),
                Some(None) => close = true,
                None => {}
            }
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
        TelnetEvent::Data(bytes) => Ok(session.feed_into(&bytes, data)),
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
