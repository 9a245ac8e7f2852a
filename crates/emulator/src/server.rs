//! [`TelnetServer`]: serves a [`VirtualDevice`] over Telnet on a TCP port.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, ToSocketAddrs};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::device::VirtualDevice;
use crate::telnet_server::serve_telnet;

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

/// Decrements the active-connection count when a client task ends.
struct ActiveGuard(Arc<Counters>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A Telnet server for a [`VirtualDevice`], one Tokio task per client.
///
/// Each connection gets a fresh [`DeviceSession`](crate::DeviceSession):
/// the server offers `WILL ECHO` (when the device echoes), `WILL SGA`,
/// `DO NAWS` and `DO TTYPE`, answers the client's negotiation, then sends
/// the banner and relays data between the client and the session. The
/// connection closes when the session ends (e.g. after `exit`) or the
/// client leaves.
///
/// ```
/// use oxscript_emulator::{ios, TelnetServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = TelnetServer::bind("127.0.0.1:0", ios::device("R1")).await?;
/// assert!(server.url().starts_with("telnet://127.0.0.1:"));
/// assert_eq!(server.active_connections(), 0);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TelnetServer {
    local_addr: SocketAddr,
    cancel: CancellationToken,
    tracker: TaskTracker,
    counters: Arc<Counters>,
}

impl TelnetServer {
    /// Binds `addr` (`"127.0.0.1:0"` picks a free port; a `SocketAddr`
    /// works too) and starts accepting clients on the current Tokio
    /// runtime.
    pub async fn bind(addr: impl ToSocketAddrs, device: VirtualDevice) -> io::Result<TelnetServer> {
        let listener = listen(addr).await?;
        let local_addr = listener.local_addr()?;
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        let counters = Arc::new(Counters::default());
        tracker.spawn(accept_loop(
            listener,
            device,
            cancel.clone(),
            tracker.clone(),
            Arc::clone(&counters),
        ));
        tracing::debug!(%local_addr, "telnet emulator listening");
        Ok(TelnetServer {
            local_addr,
            cancel,
            tracker,
            counters,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// The server's URL, e.g. `telnet://127.0.0.1:40123`
    /// (`telnet://[::1]:40123` for IPv6).
    pub fn url(&self) -> String {
        format!("telnet://{}", self.local_addr)
    }

    /// How many connections were accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.counters.accepted.load(Ordering::Acquire)
    }

    /// How many clients are connected now.
    pub fn active_connections(&self) -> usize {
        self.counters.active.load(Ordering::Acquire)
    }

    /// Stops accepting, closes every client connection and waits until
    /// all the server's tasks have ended.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        tracing::debug!(local_addr = %self.local_addr, "telnet emulator stopped");
    }
}

impl Drop for TelnetServer {
    /// Dropping the server stops it too, without waiting for its tasks.
    fn drop(&mut self) {
        self.cancel.cancel();
        self.tracker.close();
    }
}

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

async fn accept_loop(
    listener: TcpListener,
    device: VirtualDevice,
    cancel: CancellationToken,
    tracker: TaskTracker,
    counters: Arc<Counters>,
) {
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => break,
            res = listener.accept() => res,
        };
        let (socket, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "telnet emulator: accept failed");
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        // Small writes (prompts) must leave at once.
        if let Err(e) = socket.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "telnet emulator: TCP_NODELAY failed");
        }
        counters.accepted.fetch_add(1, Ordering::AcqRel);
        counters.active.fetch_add(1, Ordering::AcqRel);
        let guard = ActiveGuard(Arc::clone(&counters));
        let session = device.session();
        let echo = device.echo();
        let cancel = cancel.clone();
        tracker.spawn(async move {
            let _guard = guard;
            tokio::select! {
                () = cancel.cancelled() => {
                    tracing::debug!(%peer, "telnet emulator: client closed by shutdown");
                }
                res = serve_telnet(socket, session, echo) => {
                    if let Err(e) = res {
                        tracing::debug!(%peer, error = %e, "telnet emulator: client ended with an error");
                    }
                }
            }
        });
    }
}
