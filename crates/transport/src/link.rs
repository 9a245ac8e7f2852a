//! Links: how bytes reach a device, and the one task per connection that
//! moves them.
//!
//! A link is a tokio-util codec over a byte stream: [`RawLink`] passes
//! bytes through (in-memory dummy devices, SSH channels), [`TelnetLink`]
//! decodes Telnet and answers option negotiation itself. [`spawn`] starts
//! the connection's only task: it reads the stream, cleans what arrives and
//! appends it to the [`Shared`] buffer, answers negotiations, and performs
//! the writes the Session asks for. Reads, writes and the Session's
//! requests are served together: a write to a peer that stopped reading
//! never hides a close request, and closing (or dropping the Session) ends
//! the task and frees the stream within [`CLOSE_GRACE`]. It stops reading
//! while the buffer is full, so memory stays bounded by the buffer limit.
//! TCP connections for Telnet are opened by [`crate::tcp`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{Decoder, Encoder};

use oxscript_telnet::{ClientOptions, Negotiator, TelnetCodec, TelnetEvent, TelnetFrame};

use crate::buffer::{Closed, Shared};
use crate::clean::{Cleaned, Cleaner};
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

/// How long closing may spend sending what is still queued (and the
/// stream's own shutdown) before the stream is dropped anyway. A peer that
/// stopped reading cannot keep the task, the socket or the queued data
/// alive longer than this.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Past this many queued, unsent bytes a write is refused: the peer is
/// not reading, and queuing more would only grow memory.
const MAX_QUEUED: usize = 16 * 1024 * 1024;

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

/// Encoded bytes waiting to be written, and the writers waiting for them.
#[derive(Default)]
struct Outgoing {
    buf: BytesMut,
    /// Bytes written so far (absolute).
    written: u64,
    /// Each waiting `Write`, with the absolute offset its data ends at.
    waiters: VecDeque<(u64, oneshot::Sender<Result<()>>)>,
}

impl Outgoing {
    fn queued(&self) -> u64 {
        self.written + self.buf.len() as u64
    }

    fn encode<L: Link>(&mut self, link: &mut L, items: Vec<Outbound>) -> Result<()> {
        for item in items {
            link.encode(item, &mut self.buf)?;
        }
        Ok(())
    }

    /// `n` bytes went out: completes the writes that are now fully sent.
    fn advance(&mut self, n: usize) {
        self.buf.advance(n);
        self.written += n as u64;
        while self
            .waiters
            .front()
            .is_some_and(|(end, _)| *end <= self.written)
        {
            if let Some((_, done)) = self.waiters.pop_front() {
                // The caller may have given up waiting; that is fine.
                let _ = done.send(Ok(()));
            }
        }
    }

    /// Fails every waiting write with `why`.
    fn fail(&mut self, why: &str) {
        for (_, done) in self.waiters.drain(..) {
            let _ = done.send(Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                why.to_owned(),
            )
            .into()));
        }
    }
}

/// Why the loop of [`run`] ended.
enum Ending {
    /// The Session asked to close (with whom to tell), or was dropped.
    Close(Option<oneshot::Sender<()>>),
    /// The stream ended or failed; `shared` already says how.
    Stream,
}

/// The I/O task. Reading, writing and the Session's requests are served
/// together, so a write to a peer that stopped reading never keeps the
/// task from seeing a close (or the Session being dropped).
async fn run<S, L>(stream: S, mut link: L, shared: Arc<Shared>, mut rx: mpsc::Receiver<IoCommand>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    L: Link,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut inbuf = ReadBuffer::default();
    let mut out = Outgoing::default();
    let mut cleaner = Cleaner::new();
    let mut cleaned = Cleaned::default();
    let start = link.start();
    let ending = match out.encode(&mut link, start) {
        Err(e) => {
            shared.close(Closed::Failed(e.to_string()));
            Ending::Stream
        }
        Ok(()) => loop {
            let full = shared.lock().is_full();
            tokio::select! {
                biased;
                command = rx.recv() => match command {
                    Some(IoCommand::Write { data, done }) => {
                        if out.buf.len() > MAX_QUEUED {
                            let _ = done.send(Err(std::io::Error::new(
                                std::io::ErrorKind::WouldBlock,
                                format!("the device is not reading: {} bytes still wait to be sent", out.buf.len()),
                            ).into()));
                        } else if let Err(e) = out.encode(&mut link, vec![Outbound::Data(data)]) {
                            let _ = done.send(Err(e));
                        } else {
                            let end = out.queued();
                            out.waiters.push_back((end, done));
                        }
                    }
                    Some(IoCommand::WindowSize { columns, rows }) => {
                        let frames = link.window_size(columns, rows);
                        if let Err(e) = out.encode(&mut link, frames) {
                            shared.close(Closed::Failed(e.to_string()));
                            break Ending::Stream;
                        }
                    }
                    Some(IoCommand::Close { done }) => break Ending::Close(Some(done)),
                    // The Session was dropped.
                    None => break Ending::Close(None),
                },
                written = writer.write(&out.buf), if !out.buf.is_empty() => match written {
                    Ok(0) => {
                        shared.close(Closed::Failed("the connection accepts no more data".into()));
                        break Ending::Stream;
                    }
                    Ok(n) => out.advance(n),
                    Err(e) => {
                        shared.close(Closed::Failed(e.to_string()));
                        break Ending::Stream;
                    }
                },
                () = shared.wait_for_space(), if full => {}
                read = inbuf.read_some(&mut reader), if !full => {
                    let n = match read {
                        Ok(n) => n,
                        Err(e) => {
                            shared.close(Closed::Failed(e.to_string()));
                            break Ending::Stream;
                        }
                    };
                    let eof = n == 0;
                    if let Err(e) = deliver(&mut link, &mut inbuf.buf, eof, &mut cleaner, &mut cleaned, &shared) {
                        shared.close(Closed::Failed(e.to_string()));
                        break Ending::Stream;
                    }
                    inbuf.settle(n);
                    if eof {
                        shared.close(Closed::Eof);
                        break Ending::Stream;
                    }
                    let replies = link.take_replies();
                    if let Err(e) = out.encode(&mut link, replies) {
                        shared.close(Closed::Failed(e.to_string()));
                        break Ending::Stream;
                    }
                }
            }
        },
    };
    match ending {
        Ending::Close(done) => {
            // Send what is queued (the last command, a logout) and shut the
            // stream down, within the grace; then drop it regardless.
            let flushed = tokio::time::timeout(CLOSE_GRACE, async {
                writer.write_all(&out.buf).await?;
                writer.shutdown().await
            })
            .await;
            if !matches!(flushed, Ok(Ok(()))) {
                tracing::debug!(
                    unsent = out.buf.len(),
                    "closing: queued data could not be sent within the grace period"
                );
            }
            shared.close(Closed::Local);
            out.fail("the connection was closed before the data was sent");
            drop((reader, writer));
            if let Some(done) = done {
                let _ = done.send(());
            }
        }
        Ending::Stream => out.fail("the connection ended before the data was sent"),
    }
}

/// Bytes asked for per read: the least, and the most.
const MIN_READ: usize = 2 * 1024;
const MAX_READ: usize = 64 * 1024;

/// The I/O task's read buffer. It grows with the output (a read that
/// fills it doubles the next one, up to [`MAX_READ`]) and shrinks back
/// once a large output is over, so an idle session holds a few KiB, not
/// the largest read it ever made.
struct ReadBuffer {
    buf: BytesMut,
    chunk: usize,
}

impl Default for ReadBuffer {
    fn default() -> Self {
        ReadBuffer {
            buf: BytesMut::new(),
            chunk: MIN_READ,
        }
    }
}

impl ReadBuffer {
    /// Reads what is available (cancellation-safe: nothing is read
    /// unless the future completes).
    async fn read_some<R: AsyncRead + Unpin>(&mut self, reader: &mut R) -> std::io::Result<usize> {
        self.buf.reserve(self.chunk);
        reader.read_buf(&mut self.buf).await
    }

    /// After a read of `n` bytes was decoded: grow when the read filled
    /// what was asked for, shrink back after a short read.
    fn settle(&mut self, n: usize) {
        if n >= self.chunk {
            self.chunk = (self.chunk * 2).min(MAX_READ);
        } else if n < MIN_READ {
            self.chunk = MIN_READ;
            if self.buf.is_empty() && self.buf.capacity() > 4 * MIN_READ {
                self.buf = BytesMut::new();
            }
        }
    }
}

/// Decodes what `inbuf` holds and hands the device output, cleaned, to
/// the buffer and the transcript.
fn deliver<L: Link>(
    link: &mut L,
    inbuf: &mut BytesMut,
    eof: bool,
    cleaner: &mut Cleaner,
    cleaned: &mut Cleaned,
    shared: &Shared,
) -> Result<()> {
    loop {
        let item = if eof {
            link.decode_eof(inbuf)?
        } else {
            link.decode(inbuf)?
        };
        match item {
            Some(Inbound::Data(data)) => {
                if cleaner.passes_through(&data) {
                    shared.append(&data, &[]);
                } else {
                    cleaned.clear();
                    cleaner.clean_into(&data, cleaned);
                    shared.append(&cleaned.text, &cleaned.moves);
                }
            }
            Some(Inbound::Control) => {}
            None => return Ok(()),
        }
    }
}
