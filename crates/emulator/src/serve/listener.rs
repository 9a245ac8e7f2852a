//! The TCP side the Telnet and SSH servers share (crate-private): binding
//! with a large backlog, the accept loop, one tracked task per
//! connection, connection counters (with waiting for a count) and
//! shutdown.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
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

#[derive(Debug)]
struct Counters {
    accepted: AtomicUsize,
    /// The number of connected clients; waiters watch it.
    active: watch::Sender<usize>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            accepted: AtomicUsize::new(0),
            active: watch::Sender::new(0),
        }
    }
}

/// Decrements the active-connection count when a connection task ends.
struct ActiveGuard(Arc<Counters>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.send_modify(|n| *n = n.saturating_sub(1));
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
        *self.counters.active.borrow()
    }

    /// Waits until exactly `n` clients are connected.
    pub(crate) async fn wait_active(&self, n: usize) {
        let mut active = self.counters.active.subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let _ = active.wait_for(|&now| now == n).await;
    }

    /// The address clients dial: the listening address, with a wildcard
    /// address (`0.0.0.0`, `::`) replaced by loopback.
    pub(crate) fn dial_addr(&self) -> SocketAddr {
        let addr = self.local_addr;
        let ip = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        SocketAddr::new(ip, addr.port())
    }

    /// The URL clients use: `scheme://` and the [dial address](Self::dial_addr).
    pub(crate) fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.dial_addr())
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
/// `local_addr`, `port`, `url` (with the scheme given),
/// `connections_accepted`, `active_connections`, `wait_active`,
/// `wait_idle`.
macro_rules! listener_accessors {
    ($scheme:literal) => {
        /// The address the server listens on.
        pub fn local_addr(&self) -> std::net::SocketAddr {
            self.listener.local_addr()
        }

        /// The port the server listens on.
        pub fn port(&self) -> u16 {
            self.local_addr().port()
        }

        #[doc = concat!("The server's URL, e.g. `", $scheme, "://127.0.0.1:40123`")]
        #[doc = concat!("(`", $scheme, "://[::1]:40123` for IPv6). A server bound to a")]
        /// wildcard address (`0.0.0.0`, `::`) gives the loopback address
        /// of its family.
        pub fn url(&self) -> String {
            self.listener.url($scheme)
        }

        /// How many connections were accepted so far.
        pub fn connections_accepted(&self) -> usize {
            self.listener.connections_accepted()
        }

        /// How many clients are connected now.
        pub fn active_connections(&self) -> usize {
            self.listener.active_connections()
        }

        /// Waits until exactly `n` clients are connected (returns at
        /// once if they are). Wrap it in a timeout where the count may
        /// never be reached.
        pub async fn wait_active(&self, n: usize) {
            self.listener.wait_active(n).await;
        }

        /// Waits until no client is connected, e.g. until the tasks of
        /// clients that left have ended.
        pub async fn wait_idle(&self) {
            self.listener.wait_active(0).await;
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
        counters.active.send_modify(|n| *n += 1);
        let guard = ActiveGuard(Arc::clone(&counters));
        let connection = serve(socket, peer);
        tracker.spawn(async move {
            let _guard = guard;
            connection.await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits for `n` connections, failing the test after 20 s.
    async fn active(listener: &Listener, n: usize) {
        tokio::time::timeout(Duration::from_secs(20), listener.wait_active(n))
            .await
            .unwrap_or_else(|_| panic!("no {n} active connections"));
    }

    #[tokio::test]
    async fn counts_can_be_waited_for_and_urls_dial_loopback() {
        let mut listener = Listener::bind("test", "0.0.0.0:0").await.unwrap();
        let port = listener.local_addr().port();
        assert_eq!(listener.url("telnet"), format!("telnet://127.0.0.1:{port}"));
        let (release, released) = tokio::sync::watch::channel(false);
        listener.accept(move |_socket, _peer| {
            let mut released = released.clone();
            async move {
                let _ = released.wait_for(|&r| r).await;
            }
        });
        active(&listener, 0).await;
        let a = TcpStream::connect(listener.dial_addr()).await.unwrap();
        let b = TcpStream::connect(listener.dial_addr()).await.unwrap();
        active(&listener, 2).await;
        assert_eq!(listener.active_connections(), 2);
        assert_eq!(listener.connections_accepted(), 2);
        release.send_replace(true);
        active(&listener, 0).await;
        assert_eq!(listener.connections_accepted(), 2);
        drop((a, b));
        listener.shutdown().await;

        let v6 = Listener::bind("test", "[::]:0").await;
        if let Ok(v6) = v6 {
            let port = v6.local_addr().port();
            assert_eq!(v6.url("ssh"), format!("ssh://[::1]:{port}"));
        }
    }
}
