//! Links: how bytes reach a device, and the one task per connection that
//! moves them.
//!
//! A link is a tokio-util codec over a byte stream: [`RawLink`] passes
//! bytes through (in-memory dummy devices, SSH channels), [`TelnetLink`]
//! decodes Telnet and answers option negotiation itself. [`spawn`] starts
//! the connection's only task: it reads the stream, cleans what arrives and
//! appends it to the [`Shared`] buffer, answers negotiations, and performs
//! the writes the Session asks for. It stops reading while the buffer is
//! full, so memory stays bounded by the buffer limit. TCP connections for
//! Telnet are opened by [`crate::tcp`].

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{Decoder, Encoder, Framed};

use oxscript_telnet::{ClientOptions, Negotiator, TelnetCodec, TelnetEvent, TelnetFrame};

use crate::buffer::{Closed, Shared};
use crate::clean::Cleaner;
use crate::{Error, Result};

/// What a link decoded.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// Device output.
    Data(Bytes),
    /// Protocol traffic that produced replies (see [`Link::take_replies`]).
    Control,
}

/// What the I/O task writes.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Text for the device.
    Data(Bytes),
    /// A Telnet protocol frame (ignored by raw links).
    Telnet(TelnetFrame),
}

/// A codec that turns a byte stream into device output and back.
pub(crate) trait Link:
    Decoder<Item = Inbound, Error = Error> + Encoder<Outbound, Error = Error> + Send + Unpin + 'static
{
    /// Frames to send as soon as the connection is up.
    fn start(&mut self) -> Vec<Outbound> {
        Vec::new()
    }
    /// Replies produced while decoding (negotiation answers).
    fn take_replies(&mut self) -> Vec<Outbound> {
        Vec::new()
    }
    /// Frames announcing a new window size.
    fn window_size(&mut self, _columns: u16, _rows: u16) -> Vec<Outbound> {
        Vec::new()
    }
}

/// Bytes in, bytes out.
#[derive(Debug, Default)]
pub(crate) struct RawLink;

impl Decoder for RawLink {
    type Item = Inbound;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Inbound>> {
        if src.is_empty() {
            Ok(None)
        } else {
            Ok(Some(Inbound::Data(src.split().freeze())))
        }
    }
}

impl Encoder<Outbound> for RawLink {
    type Error = Error;

    fn encode(&mut self, item: Outbound, dst: &mut BytesMut) -> Result<()> {
        if let Outbound::Data(data) = item {
            dst.extend_from_slice(&data);
        }
        Ok(())
    }
}

impl Link for RawLink {}

/// Telnet: the codec plus the client-side option negotiator.
#[derive(Debug)]
pub(crate) struct TelnetLink {
    codec: TelnetCodec,
    negotiator: Negotiator,
    replies: Vec<Outbound>,
}

impl TelnetLink {
    pub(crate) fn new(options: ClientOptions) -> Self {
        TelnetLink {
            codec: TelnetCodec::new(),
            negotiator: Negotiator::client(options),
            replies: Vec::new(),
        }
    }

    fn on_event(&mut self, event: TelnetEvent) -> Option<Inbound> {
        match event {
            TelnetEvent::Data(data) => Some(Inbound::Data(data)),
            other => {
                let replies = self.negotiator.handle_with(&other, &mut self.codec);
                if replies.is_empty() {
                    None
                } else {
                    self.replies
                        .extend(replies.into_iter().map(Outbound::Telnet));
                    Some(Inbound::Control)
                }
            }
        }
    }
}

impl Decoder for TelnetLink {
    type Item = Inbound;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Inbound>> {
        while let Some(event) = self.codec.decode(src)? {
            if let Some(item) = self.on_event(event) {
                return Ok(Some(item));
            }
        }
        Ok(None)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Inbound>> {
        while let Some(event) = self.codec.decode_eof(src)? {
            if let Some(item) = self.on_event(event) {
                return Ok(Some(item));
            }
        }
        Ok(None)
    }
}

impl Encoder<Outbound> for TelnetLink {
    type Error = Error;

    fn encode(&mut self, item: Outbound, dst: &mut BytesMut) -> Result<()> {
        let frame = match item {
            Outbound::Data(data) => TelnetFrame::Data(data),
            Outbound::Telnet(frame) => frame,
        };
        Ok(self.codec.encode(frame, dst)?)
    }
}

impl Link for TelnetLink {
    fn start(&mut self) -> Vec<Outbound> {
        self.negotiator
            .start()
            .into_iter()
            .map(Outbound::Telnet)
            .collect()
    }

    fn take_replies(&mut self) -> Vec<Outbound> {
        std::mem::take(&mut self.replies)
    }

    fn window_size(&mut self, columns: u16, rows: u16) -> Vec<Outbound> {
        self.negotiator
            .set_window_size(columns, rows)
            .into_iter()
            .map(Outbound::Telnet)
            .collect()
    }
}

/// Requests from a Session to its I/O task.
#[derive(Debug)]
pub(crate) enum IoCommand {
    Write {
        data: Bytes,
        done: oneshot::Sender<Result<()>>,
    },
    WindowSize {
        columns: u16,
        rows: u16,
    },
    Close {
        done: oneshot::Sender<()>,
    },
}

/// The Session's handle on its I/O task.
#[derive(Debug)]
pub(crate) struct Io {
    pub(crate) tx: mpsc::Sender<IoCommand>,
    pub(crate) task: JoinHandle<()>,
}

/// Starts the I/O task of a connection.
pub(crate) fn spawn<S, L>(stream: S, link: L, shared: Arc<Shared>) -> Io
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    L: Link,
{
    let (tx, rx) = mpsc::channel(16);
    let task = tokio::spawn(run(stream, link, shared, rx));
    Io { tx, task }
}

async fn run<S, L>(stream: S, link: L, shared: Arc<Shared>, mut rx: mpsc::Receiver<IoCommand>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    L: Link,
{
    let mut framed = Framed::with_capacity(stream, link, 64 * 1024);
    let mut cleaner = Cleaner::new();
    let mut cleaned = Vec::with_capacity(64 * 1024);
    let start = framed.codec_mut().start();
    if let Err(e) = send_all(&mut framed, start).await {
        shared.close(Closed::Failed(e.to_string()));
        return;
    }
    loop {
        let full = shared.lock().is_full();
        tokio::select! {
            biased;
            command = rx.recv() => match command {
                Some(IoCommand::Write { data, done }) => {
                    let result = framed.send(Outbound::Data(data)).await;
                    let failed = result.as_ref().err().map(ToString::to_string);
                    // The caller may have given up waiting; that is fine.
                    let _ = done.send(result);
                    if let Some(reason) = failed {
                        shared.close(Closed::Failed(reason));
                        break;
                    }
                }
                Some(IoCommand::WindowSize { columns, rows }) => {
                    let frames = framed.codec_mut().window_size(columns, rows);
                    if let Err(e) = send_all(&mut framed, frames).await {
                        shared.close(Closed::Failed(e.to_string()));
                        break;
                    }
                }
                Some(IoCommand::Close { done }) => {
                    let _ = tokio::time::timeout(Duration::from_secs(5), SinkExt::<Outbound>::close(&mut framed)).await;
                    shared.close(Closed::Local);
                    let _ = done.send(());
                    break;
                }
                None => {
                    // The Session was dropped.
                    let _ = tokio::time::timeout(Duration::from_secs(5), SinkExt::<Outbound>::close(&mut framed)).await;
                    shared.close(Closed::Local);
                    break;
                }
            },
            () = shared.wait_for_space(), if full => {}
            item = framed.next(), if !full => match item {
                Some(Ok(Inbound::Data(data))) => {
                    cleaned.clear();
                    cleaner.clean_into(&data, &mut cleaned);
                    shared.append(&cleaned);
                }
                Some(Ok(Inbound::Control)) => {}
                Some(Err(e)) => {
                    shared.close(Closed::Failed(e.to_string()));
                    break;
                }
                None => {
                    shared.close(Closed::Eof);
                    break;
                }
            },
        }
        let replies = framed.codec_mut().take_replies();
        if let Err(e) = send_all(&mut framed, replies).await {
            shared.close(Closed::Failed(e.to_string()));
            break;
        }
    }
}

async fn send_all<S, L>(framed: &mut Framed<S, L>, items: Vec<Outbound>) -> Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
    L: Link,
{
    if items.is_empty() {
        return Ok(());
    }
    for item in items {
        framed.feed(item).await?;
    }
    SinkExt::<Outbound>::flush(framed).await
}
