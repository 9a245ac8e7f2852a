//! [`ReadAhead`]: one read from the socket for what the reader asks for in
//! small pieces.
//!
//! The SSH library reads every packet in two exact reads (the first
//! cipher block, to learn the length, then the rest), each a `recvfrom`
//! on the socket, and the socket re-arms `TCP_QUICKACK` after each (see
//! [`crate::tcp::QuickAckStream`]): four system calls per packet where one
//! read holds the whole packet and usually the next ones. A 100-host SSH
//! fan-out made 6,000 successful reads for 2,000 packets.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How much one read from the inner stream asks for, when the caller asks
/// for less. A packet of an interactive exchange (a command's output, a
/// key exchange reply with a post-quantum key) fits; a caller asking for
/// at least this much reads straight into its own buffer.
const AHEAD: usize = 4 * 1024;

/// A reader that fills small reads from one larger read of the inner
/// stream. Its buffer exists only while it holds data or a read is under
/// way: it is freed when the inner stream has nothing to give (the
/// connection is idle), so thousands of idle sessions hold none.
/// Writes pass through.
#[derive(Debug)]
pub(crate) struct ReadAhead<S> {
    inner: S,
    ahead: BytesMut,
}

impl<S> ReadAhead<S> {
    pub(crate) fn new(inner: S) -> Self {
        ReadAhead {
            inner,
            ahead: BytesMut::new(),
        }
    }

    /// Moves what is buffered into `buf`, as much as fits.
    fn give(&mut self, buf: &mut ReadBuf<'_>) {
        let n = self.ahead.len().min(buf.remaining());
        buf.put_slice(&self.ahead[..n]);
        self.ahead.advance(n);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadAhead<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.ahead.is_empty() {
            this.give(buf);
            return Poll::Ready(Ok(()));
        }
        if buf.remaining() >= AHEAD {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        this.ahead.reserve(AHEAD);
        match tokio_util::io::poll_read_buf(Pin::new(&mut this.inner), cx, &mut this.ahead) {
            Poll::Ready(Ok(_)) => {
                // Zero bytes read is the end of the stream: nothing given.
                this.give(buf);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                // Idle: no buffer kept while waiting.
                this.ahead = BytesMut::new();
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ReadAhead<S> {
    crate::stream::forward_async_write!(inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A stream that counts the reads that reach it.
    struct Counted<S> {
        inner: S,
        reads: Arc<AtomicUsize>,
    }

    impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
            if poll.is_ready() {
                self.reads.fetch_add(1, Ordering::Relaxed);
            }
            poll
        }
    }

    #[tokio::test]
    async fn small_reads_are_served_from_one_read_and_nothing_is_lost() {
        let (mut device, client) = tokio::io::duplex(64 * 1024);
        let reads = Arc::new(AtomicUsize::new(0));
        let mut reader = ReadAhead::new(Counted {
            inner: client,
            reads: Arc::clone(&reads),
        });
        // Three "packets" in one write, read as SSH does: a 16-byte
        // block, then the rest.
        let packets: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 100 + usize::from(i)]).collect();
        device.write_all(&packets.concat()).await.unwrap();
        for packet in &packets {
            let mut head = [0u8; 16];
            reader.read_exact(&mut head).await.unwrap();
            let mut rest = vec![0u8; packet.len() - 16];
            reader.read_exact(&mut rest).await.unwrap();
            assert_eq!([&head[..], &rest[..]].concat(), *packet);
        }
        assert_eq!(reads.load(Ordering::Relaxed), 1, "one read for all six");
        // A large read goes straight through; more than the buffer holds
        // arrives whole, in order.
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let writer = tokio::spawn({
            let big = big.clone();
            async move {
                device.write_all(&big).await.unwrap();
                // Then the end of the stream.
            }
        });
        let mut got = vec![0u8; big.len()];
        reader.read_exact(&mut got).await.unwrap();
        assert!(got == big);
        writer.await.unwrap();
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn an_idle_reader_keeps_no_buffer() {
        let (mut device, client) = tokio::io::duplex(1024);
        let mut reader = ReadAhead::new(client);
        device.write_all(b"abc").await.unwrap();
        let mut one = [0u8; 1];
        reader.read_exact(&mut one).await.unwrap();
        assert_eq!(&reader.ahead[..], b"bc", "read ahead");
        let mut two = [0u8; 2];
        reader.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"bc");
        // Nothing more has arrived: the read waits, and the buffer is gone.
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut space = [0u8; 8];
        let mut buf = ReadBuf::new(&mut space);
        assert!(
            Pin::new(&mut reader)
                .poll_read(&mut cx, &mut buf)
                .is_pending()
        );
        assert_eq!(reader.ahead.capacity(), 0);
    }
}
