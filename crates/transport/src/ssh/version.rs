//! Watching what an SSH server sends before its version line, so a server
//! that accepts TCP and then says nothing (or only talks garbage) gets an
//! error of its own instead of a generic connect timeout.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use oxscript_core::sync::lock;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::error::Tail;

/// How many of the last received bytes are kept to show in the error.
const KEEP: usize = 256;

/// What arrived from the server until its version line.
#[derive(Debug, Default)]
pub(crate) struct Greeting {
    /// The stream is open (TCP connected, or the tunnel is up).
    pub(crate) open: bool,
    /// A line starting with `SSH-` arrived.
    pub(crate) version: bool,
    /// How much of `SSH-` the current line matched so far; `None` once the
    /// line is known not to be the version.
    matched: Option<usize>,
    /// The last bytes received before the version line.
    tail: Vec<u8>,
}

impl Greeting {
    fn feed(&mut self, data: &[u8]) {
        for &b in data {
            if self.version {
                return;
            }
            if self.tail.len() == 2 * KEEP {
                self.tail.drain(..KEEP);
            }
            self.tail.push(b);
            self.matched = match (self.matched, b) {
                (_, b'\n') => Some(0),
                (Some(n), b) if b"SSH-".get(n) == Some(&b) => {
                    if n + 1 == 4 {
                        self.version = true;
                    }
                    Some(n + 1)
                }
                _ => None,
            };
        }
    }

    /// What arrived before the version line (escaped).
    pub(crate) fn received(&self) -> Tail {
        Tail::of(&self.tail[self.tail.len().saturating_sub(KEEP)..])
    }
}

/// Shared between a [`Watched`] stream and the code that waits on it.
pub(crate) type GreetingWatch = Arc<Watch>;

/// What a [`Watched`] stream records, and whether the handshake is over.
#[derive(Debug)]
pub(crate) struct Watch {
    greeting: Mutex<Greeting>,
    /// The handshake succeeded: the stream can no longer be given up, and
    /// stops checking (it is read and written for the connection's life).
    settled: AtomicBool,
}

impl Watch {
    /// What arrived so far.
    pub(crate) fn greeting(&self) -> MutexGuard<'_, Greeting> {
        lock(&self.greeting)
    }

    /// Records that the handshake succeeded.
    pub(crate) fn settle(&self) {
        self.settled.store(true, Ordering::Release);
    }
}

/// A new watch: nothing connected, nothing received.
pub(crate) fn watch() -> GreetingWatch {
    Arc::new(Watch {
        greeting: Mutex::new(Greeting {
            matched: Some(0),
            ..Greeting::default()
        }),
        settled: AtomicBool::new(false),
    })
}

/// A stream that records into a [`Greeting`] what it reads until the
/// server's version line.
pub(crate) struct Watched<S> {
    inner: S,
    watch: GreetingWatch,
    /// The version line was seen: nothing more to record.
    version_seen: bool,
    /// Resolves when the handshake was given up (timed out or cancelled):
    /// from then on reads and writes fail, so the SSH library's task that
    /// owns the stream ends and frees the socket. `None` once the
    /// handshake succeeded ([`Watch::settle`]).
    abandoned: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
}

impl<S> Watched<S> {
    pub(crate) fn new(inner: S, watch: GreetingWatch, abandon: CancellationToken) -> Self {
        watch.greeting().open = true;
        Watched {
            inner,
            watch,
            version_seen: false,
            abandoned: Some(Box::pin(abandon.cancelled_owned())),
        }
    }

    /// An error once the handshake was given up; nothing to check (no
    /// lock taken) once it succeeded.
    fn check_abandoned(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        let abandoned = self.abandoned.as_mut()?;
        if self.watch.settled.load(Ordering::Acquire) {
            self.abandoned = None;
            return None;
        }
        abandoned.as_mut().poll(cx).is_ready().then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the SSH handshake was given up",
            )
        })
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.check_abandoned(cx) {
            return Poll::Ready(Err(e));
        }
        let this = &mut *self;
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if !this.version_seen && matches!(poll, Poll::Ready(Ok(()))) {
            let mut greeting = this.watch.greeting();
            greeting.feed(&buf.filled()[before..]);
            this.version_seen = greeting.version;
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.check_abandoned(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.check_abandoned(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greet(chunks: &[&[u8]]) -> Greeting {
        let mut g = Greeting {
            matched: Some(0),
            ..Greeting::default()
        };
        for c in chunks {
            g.feed(c);
        }
        g
    }

    #[tokio::test]
    async fn a_given_up_stream_fails_until_the_handshake_settles() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // Given up during the handshake: reads and writes fail.
        let (_server, client) = tokio::io::duplex(64);
        let abandon = CancellationToken::new();
        let mut stream = Watched::new(client, watch(), abandon.clone());
        abandon.cancel();
        let mut buf = [0u8; 8];
        let err = stream.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted);
        assert!(stream.write_all(b"x").await.is_err());
        // Settled first: the token no longer matters, and the version line
        // was recorded once.
        let (mut server, client) = tokio::io::duplex(64);
        let abandon = CancellationToken::new();
        let seen = watch();
        let mut stream = Watched::new(client, Arc::clone(&seen), abandon.clone());
        server.write_all(b"SSH-2.0-x\r\n").await.unwrap();
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0);
        assert!(seen.greeting().version);
        seen.settle();
        abandon.cancel();
        server.write_all(b"more").await.unwrap();
        let mut rest = Vec::new();
        while !rest.ends_with(b"more") {
            let n = stream.read(&mut buf).await.unwrap();
            rest.extend_from_slice(&buf[..n]);
        }
        stream.write_all(b"ok").await.unwrap();
        assert!(stream.abandoned.is_none(), "no check after settling");
    }

    #[test]
    fn finds_the_version_line_after_a_pre_banner_and_across_reads() {
        assert!(greet(&[b"SSH-2.0-x\r\n"]).version);
        assert!(greet(&[b"hello\r\nSS", b"H-2.0"]).version);
        assert!(!greet(&[b"hello SSH-2.0"]).version, "not at a line start");
        assert!(!greet(&[b""]).version);
        let garbage = greet(&[&[0xff; 1000]]);
        assert!(!garbage.version);
        assert!(garbage.tail.len() <= 2 * KEEP);
        assert!(garbage.received().as_str().ends_with("\\xff\\xff"));
    }
}
