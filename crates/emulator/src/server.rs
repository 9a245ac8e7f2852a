//! [`TelnetServer`]: serves a [`VirtualDevice`] over Telnet on a TCP port.

use std::io;

use tokio::net::ToSocketAddrs;

use crate::device::VirtualDevice;
use crate::listener::{Listener, listener_accessors};
use crate::telnet_server::serve_telnet;

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
    listener: Listener,
}

impl TelnetServer {
    /// Binds `addr` (`"127.0.0.1:0"` picks a free port; a `SocketAddr`
    /// works too) and starts accepting clients on the current Tokio
    /// runtime.
    pub async fn bind(addr: impl ToSocketAddrs, device: VirtualDevice) -> io::Result<TelnetServer> {
        let mut listener = Listener::bind("telnet", addr).await?;
        let cancel = listener.cancel.clone();
        listener.accept(move |socket, peer| {
            let session = device.session();
            let echo = device.echo();
            let cancel = cancel.clone();
            async move {
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
            }
        });
        Ok(TelnetServer { listener })
    }

    listener_accessors!("telnet");

    /// Stops accepting, closes every client connection and waits until
    /// all the server's tasks have ended. Dropping the server stops it
    /// too, without waiting for its tasks.
    pub async fn shutdown(self) {
        self.listener.shutdown().await;
    }
}
