//! A stream the server can cut from outside, once it handed the stream to
//! russh's session task.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// Wraps a stream; once the token is cancelled, reads end (EOF) and
/// writes fail, so whoever drives the stream stops at once, even when the
/// peer stopped reading or writing.
pub(super) struct Killable<S> {
    inner: S,
    cut: Pin<Box<WaitForCancellationFutureOwned>>,
    dead: bool,
}

impl<S> Killable<S> {
    pub(super) fn new(inner: S, cut: CancellationToken) -> Self {
        Killable {
            inner,
            cut: Box::pin(cut.cancelled_owned()),
            dead: false,
        }
    }

    /// Whether the stream was cut; registers the task for the wake-up
    /// otherwise.
    fn is_cut(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.dead && self.cut.as_mut().poll(cx).is_ready() {
            self.dead = true;
        }
        self.dead
    }
}

fn cut_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "connection cut by the server's shutdown",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Killable<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_cut(cx) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Killable<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.is_cut(cx) {
            return Poll::Ready(Err(cut_error()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_cut(cx) {
            return Poll::Ready(Err(cut_error()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_cut(cx) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn cutting_ends_a_pending_read_and_fails_writes() {
        let (mut peer, ours) = tokio::io::duplex(64);
        let cut = CancellationToken::new();
        let mut stream = Killable::new(ours, cut.clone());
        peer.write_all(b"hi").await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(stream.read(&mut buf).await.unwrap(), 2);
        let reader = tokio::spawn(async move {
            let n = stream.read(&mut buf).await.unwrap();
            (n, stream)
        });
        cut.cancel();
        let (n, mut stream) = reader.await.unwrap();
        assert_eq!(n, 0, "a cut stream reads as EOF");
        let err = stream.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        drop(peer);
    }
}
