//! TCP for Telnet: connecting with a deadline, and a stream that keeps
//! the peer from waiting on our delayed ACKs.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::{Error, Result};

/// Opens a TCP connection with a deadline; Nagle off.
pub(crate) async fn connect_tcp(address: &str, port: u16, timeout: Duration) -> Result<TcpStream> {
    let target = if address.contains(':') && !address.starts_with('[') {
        format!("[{address}]:{port}")
    } else {
        format!("{address}:{port}")
    };
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(target.as_str())).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            return Err(Error::Connect {
                address: target,
                error: error.into(),
            });
        }
        Err(_) => {
            return Err(Error::ConnectTimeout {
                address: target,
                timeout,
            });
        }
    };
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// A TCP stream that re-enables `TCP_QUICKACK` after every read.
///
/// Telnet daemons write in small pieces; with delayed ACKs on the client a
/// server that waits for the ACK before its next write stalls ~40 ms per
/// exchange (measured on GNU telnetd + `/bin/login`). Linux clears the
/// quick-ACK flag by itself, so it is set again after each read. On other
/// systems this is a plain pass-through.
#[derive(Debug)]
pub(crate) struct QuickAckStream {
    inner: TcpStream,
}

impl QuickAckStream {
    pub(crate) fn new(inner: TcpStream) -> Self {
        QuickAckStream { inner }
    }

    #[cfg(target_os = "linux")]
    fn quickack(&self) {
        // Best effort: failure only costs latency.
        let _ = socket2::SockRef::from(&self.inner).set_tcp_quickack(true);
    }

    #[cfg(not(target_os = "linux"))]
    fn quickack(&self) {}
}

impl AsyncRead for QuickAckStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.quickack();
        }
        poll
    }
}

impl AsyncWrite for QuickAckStream {
    crate::stream::forward_async_write!(inner);
}
