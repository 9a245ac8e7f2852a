//! oxscript telnet: a tokio-util Telnet codec and an I/O-free option
//! negotiator.
//!
//! This crate does no I/O and knows nothing of the rest of oxscript: its
//! errors are [`std::io::Error`], as with tokio-util's own codecs, so it
//! fits any [`Framed`](tokio_util::codec::Framed) stream. oxscript's
//! Session uses it for `telnet://` hosts, and the emulator's Telnet server
//! for the device side.
//!
//! Three pieces, each usable alone:
//!
//! - [`TelnetCodec`] is a [`Decoder`](tokio_util::codec::Decoder) and
//!   [`Encoder`](tokio_util::codec::Encoder) for the wire format (RFC 854).
//!   It hands received data over as soon as it arrives, because a device
//!   prompt (`Router#`) ends without a newline, and it un-escapes `IAC IAC`
//!   and applies the NVT newline rules in both directions.
//! - [`OptionTable`] is the RFC 1143 "Q method": the state of every option
//!   on both sides, which never answers a request that does not change the
//!   state, so two peers cannot loop.
//! - [`Negotiator`] puts a client or server policy on top of the table and
//!   answers the terminal type (RFC 1091) and window size (RFC 1073)
//!   subnegotiations.
//!
//! # Driving a connection
//!
//! Wrap the stream in a [`Framed`](tokio_util::codec::Framed) with a
//! [`TelnetCodec`], pass every event to the [`Negotiator`], send what it
//! returns, and copy its binary flags into the codec. Everything else is
//! data. Here a client and a server talk over an in-memory pipe:
//!
//! ```
//! use futures::{SinkExt, StreamExt};
//! use oxscript_telnet::{
//!     ClientOptions, Negotiator, ServerOptions, TelnetCodec, TelnetEvent, TelnetFrame,
//! };
//! use tokio_util::codec::Framed;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), std::io::Error> {
//! let (client_io, server_io) = tokio::io::duplex(1024);
//!
//! // A tiny server: negotiate, print a prompt once the client said who it is.
//! let server = tokio::spawn(async move {
//!     let mut framed = Framed::new(server_io, TelnetCodec::new());
//!     let mut negotiator = Negotiator::server(ServerOptions::default());
//!     for frame in negotiator.start() {
//!         framed.send(frame).await?;
//!     }
//!     while let Some(event) = framed.next().await {
//!         for reply in negotiator.handle(&event?) {
//!             framed.send(reply).await?;
//!         }
//!         if negotiator.terminal_type().is_some() {
//!             framed.send(TelnetFrame::Data("Router#".into())).await?;
//!             break;
//!         }
//!     }
//!     Ok::<_, std::io::Error>(negotiator.terminal_type().map(str::to_owned))
//! });
//!
//! // The client loop: answer negotiations, collect data.
//! let mut framed = Framed::new(client_io, TelnetCodec::new());
//! let mut negotiator = Negotiator::client(ClientOptions::default());
//! let mut received = Vec::new();
//! while let Some(event) = framed.next().await {
//!     let event = event?;
//!     // Replies, with the codec's binary flags kept in step.
//!     for reply in negotiator.handle_with(&event, framed.codec_mut()) {
//!         framed.send(reply).await?;
//!     }
//!     if let TelnetEvent::Data(data) = event {
//!         received.extend_from_slice(&data);
//!     }
//! }
//! assert_eq!(received, b"Router#");
//! assert!(negotiator.remote_echo());
//! let terminal_type = server.await.map_err(std::io::Error::other)??;
//! assert_eq!(terminal_type.as_deref(), Some("VT100"));
//! # Ok(())
//! # }
//! ```

mod codec;
pub mod consts;
mod negotiator;
mod qmethod;

pub use codec::{TelnetCodec, TelnetEvent, TelnetFrame, Verb};
pub use negotiator::{ClientOptions, Negotiator, ServerOptions};
pub use qmethod::{OptionTable, QState, Side};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use futures::{SinkExt, StreamExt};
    use tokio_util::codec::Framed;

    use super::consts::{ECHO, NAWS, SGA, TTYPE};
    use super::*;

    type Result<T> = std::result::Result<T, std::io::Error>;

    /// Sends `frames`, then flushes once.
    async fn send_all<T>(
        framed: &mut Framed<T, TelnetCodec>,
        frames: Vec<TelnetFrame>,
    ) -> Result<()>
    where
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        for frame in frames {
            framed.feed(frame).await?;
        }
        framed.flush().await
    }

    async fn serve(io: tokio::io::DuplexStream) -> Result<(Negotiator, Vec<u8>)> {
        let mut framed = Framed::new(io, TelnetCodec::new());
        let mut negotiator = Negotiator::server(ServerOptions::default());
        let start = negotiator.start();
        send_all(&mut framed, start).await?;
        let mut prompted = false;
        let mut received = Vec::new();
        while let Some(event) = framed.next().await {
            let event = event?;
            let replies = negotiator.handle_with(&event, framed.codec_mut());
            send_all(&mut framed, replies).await?;
            if !prompted
                && negotiator.terminal_type().is_some()
                && negotiator.window_size().is_some()
            {
                send_all(&mut framed, vec![TelnetFrame::Data("Username: ".into())]).await?;
                prompted = true;
            }
            if let TelnetEvent::Data(data) = event {
                received.extend_from_slice(&data);
                if received.ends_with(b"\r\n") {
                    let bye = Bytes::from_static(b"Hello admin \xff bye\n");
                    send_all(&mut framed, vec![TelnetFrame::Data(bye)]).await?;
                    break;
                }
            }
        }
        Ok((negotiator, received))
    }

    async fn client(io: tokio::io::DuplexStream) -> Result<(Negotiator, Vec<u8>, usize)> {
        let mut framed = Framed::new(io, TelnetCodec::new());
        let mut negotiator = Negotiator::client(ClientOptions::default());
        let mut received = Vec::new();
        let mut data_events = 0;
        let mut answered = false;
        while let Some(event) = framed.next().await {
            let event = event?;
            let replies = negotiator.handle_with(&event, framed.codec_mut());
            send_all(&mut framed, replies).await?;
            if let TelnetEvent::Data(data) = event {
                data_events += 1;
                received.extend_from_slice(&data);
                // React to the prompt although it has no newline.
                if !answered && received.ends_with(b"Username: ") {
                    send_all(&mut framed, vec![TelnetFrame::Data("admin\n".into())]).await?;
                    answered = true;
                }
            }
        }
        Ok((negotiator, received, data_events))
    }

    #[tokio::test(start_paused = true)]
    async fn framed_client_and_server_converge_and_exchange_data() {
        // A small pipe so reads split frames at arbitrary points.
        let (client_io, server_io) = tokio::io::duplex(7);
        let both = async { tokio::join!(client(client_io), serve(server_io)) };
        // Time is paused: if the exchange deadlocked, the runtime would
        // auto-advance straight to this timeout instead of hanging.
        let (client, server) = tokio::time::timeout(Duration::from_secs(30), both)
            .await
            .expect("the exchange deadlocked");
        let (client, client_received, data_events) = client.unwrap();
        let (server, server_received) = server.unwrap();

        assert_eq!(client_received, b"Username: Hello admin \xff bye\r\n");
        assert!(data_events >= 2);
        assert_eq!(server_received, b"admin\r\n");

        assert!(client.remote_echo());
        assert!(client.is_enabled(Side::Remote, SGA));
        assert!(client.is_enabled(Side::Local, NAWS));
        assert!(client.is_enabled(Side::Local, TTYPE));
        assert!(server.is_enabled(Side::Local, ECHO));
        assert!(server.is_enabled(Side::Remote, NAWS));
        assert_eq!(server.terminal_type(), Some("VT100"));
        assert_eq!(server.window_size(), Some((200, 24)));
    }
}
