//! The TCP side the Telnet and SSH servers share (crate-private): binding
//! with a large backlog, the accept loop, one tracked task per
//! connection, connection counters and shutdown.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The listen backlog: room for a burst of hundreds of clients connecting
/// at once (the kernel caps it at `net.core.somaxconn`). With the usual 128
/// the kernel drops handshakes of a burst, and those clients wait for SYN-ACK
/// retransmissions, seconds later.
const BACKLOG: u32 = 4096;

/// How long the accept loop pauses after a failed `accept` (out of file
/// descriptors, say) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicUsize,
    active: AtomicUsize,
}

/// Decrements the active-connection count when a connection task ends.
struct ActiveGuard(Arc<Counters>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A bound listener and the tasks serving it. Dropping it stops it,
/// without waiting for its tasks.
#[derive(Debug)]
pub(crate) struct Listener {
    /// `telnet` or `ssh`, for the logs.
    kind: &'static str,
    local_addr: SocketAddr,
    listener: Option<TcpListener>,
    /// Cancelled when the server stops.
    pub(crate) cancel: CancellationToken,
    /// Every task of the server.
    pub(crate) tracker: TaskTracker,
    counters: Arc<Counters>,
}

impl Listener {
    /// Binds the first address `addr` resolves to that works (with
    /// [`BACKLOG`]); nothing is accepted before [`accept`](Self::accept).
    pub(crate) async fn bind(kind: &'static str, addr: impl ToSocketAddrs) -> io::Result<Self> {
        let listener = listen(addr).await?;
        Ok(Listener {
            kind,
            local_addr: listener.local_addr()?,
            listener: Some(listener),
            cancel: CancellationToken::new(),
            tracker: TaskTracker::new(),
            counters: Arc::new(Counters::default()),
        })
    }

    /// Starts accepting clients on the current Tokio runtime: each one
    /// (with `TCP_NODELAY`, so that prompts leave at once) is served by
    /// `serve` in a task of its own.
    pub(crate) fn accept<F, Fut>(&mut self, serve: F)
    where
        F: Fn(TcpStream, SocketAddr) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Some(listener) = self.listener.take() else {
            return;
        };
        self.tracker.spawn(accept_loop(
            self.kind,
            listener,
            self.cancel.clone(),
            self.tracker.clone(),
            Arc::clone(&self.counters),
            serve,
        ));
        tracing::debug!(local_addr = %self.local_addr, "{} emulator listening", self.kind);
    }

    /// The address the server listens on.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How many connections were accepted so far.
    pub(crate) fn connections_accepted(&self) -> usize {
        self.counters.accepted.load(Ordering::Acquire)
    }

    /// How many clients are connected now.
    pub(crate) fn active_connections(&self) -> usize {
        self.counters.active.load(Ordering::Acquire)
    }

    /// Stops accepting, cancels every connection and waits until all the
    /// server's tasks have ended.
    pub(crate) async fn shutdown(self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        tracing::debug!(local_addr = %self.local_addr, "{} emulator stopped", self.kind);
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.tracker.close();
    }
}

/// The accessors of a server type with a `listener: Listener` field:
/// `local_addr`, `port`, `connections_accepted`, `active_connections`.
macro_rules! listener_accessors {
    () => {
        /// The address the server listens on.
        pub fn local_addr(&self) -> std::net::SocketAddr {
            self.listener.local_addr()
        }

        /// The port the server listens on.
        pub fn port(&self) -> u16 {
            self.local_addr().port()
        }

        /// How many connections were accepted so far.
        pub fn connections_accepted(&self) -> usize {
            self.listener.connections_accepted()
        }

        /// How many clients are connected now.
        pub fn active_connections(&self) -> usize {
            self.listener.active_connections()
        }
    };
}

pub(crate) use listener_accessors;

/// Binds the first address `addr` resolves to that works, with
/// [`BACKLOG`].
async fn listen(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
    let mut last_error = None;
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        )
    }))
}

async fn accept_loop<F, Fut>(
    kind: &'static str,
    listener: TcpListener,
    cancel: CancellationToken,
    tracker: TaskTracker,
    counters: Arc<Counters>,
    serve: F,
) where
    F: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => break,
            res = listener.accept() => res,
        };
        let (socket, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "{kind} emulator: accept failed");
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        if let Err(e) = socket.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "{kind} emulator: TCP_NODELAY failed");
        }
        counters.accepted.fetch_add(1, Ordering::AcqRel);
        counters.active.fetch_add(1, Ordering::AcqRel);
        let guard = ActiveGuard(Arc::clone(&counters));
        let connection = serve(socket, peer);
        tracker.spawn(async move {
            let _guard = guard;
            connection.await;
        });
    }
}
