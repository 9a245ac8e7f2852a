//! Local port forwarding (`ssh -L`, execo's PortForwarder).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::SshConnection;
use crate::{Error, Result};

/// A local TCP port whose connections are tunnelled through an SSH
/// connection to a host and port seen from the server (see
/// [`SshConnection::forward_local`]).
///
/// Closing it ([`PortForward::close`]) or dropping it stops the listener
/// and every forwarded connection; `close` also waits until all of them
/// have ended. The forward keeps its SSH connection open while it lives.
///
/// ```no_run
/// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
/// // The database listens on the server's loopback only.
/// let forward = ssh.forward_local("127.0.0.1:0", "127.0.0.1", 5432).await?;
/// println!("connect to {}", forward.local_addr());
/// // ... use 127.0.0.1:<forward.port()> ...
/// forward.close().await;
/// # Ok(()) }
/// ```
pub struct PortForward {
    local_addr: SocketAddr,
    target: String,
    host: String,
    accepted: Arc<AtomicU64>,
    cancel: CancellationToken,
    tasks: TaskTracker,
}

impl fmt::Debug for PortForward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortForward")
            .field("local_addr", &self.local_addr)
            .field("host", &self.host)
            .field("target", &self.target)
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

impl SshConnection {
    /// Listens on `bind` (e.g. `"127.0.0.1:0"`; port 0 picks a free port,
    /// see [`PortForward::port`]) and tunnels each accepted connection to
    /// `remote_host`:`remote_port` as seen from the server (`direct-tcpip`,
    /// like `ssh -L`). Each connection gets its own SSH channel; one that
    /// the server refuses is closed and logged, the listener goes on.
    ///
    /// ```no_run
    /// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
    /// let web = ssh.forward_local("127.0.0.1:8080", "intranet.example.net", 80).await?;
    /// assert_eq!(web.port(), 8080);
    /// # Ok(()) }
    /// ```
    pub async fn forward_local(
        &self,
        bind: &str,
        remote_host: &str,
        remote_port: u16,
    ) -> Result<PortForward> {
        self.ensure_authenticated()?;
        let (listener, local_addr) = bind_listener(bind).await?;
        let forward = PortForward {
            local_addr,
            target: format!("{remote_host}:{remote_port}"),
            host: self.label().to_owned(),
            accepted: Arc::new(AtomicU64::new(0)),
            cancel: CancellationToken::new(),
            tasks: TaskTracker::new(),
        };
        tracing::debug!(host = %forward.host, local = %local_addr, target = %forward.target, "port forward listening");
        let acceptor = Acceptor {
            listener,
            ssh: self.clone(),
            remote_host: remote_host.to_owned(),
            remote_port,
            accepted: forward.accepted.clone(),
            cancel: forward.cancel.clone(),
            tasks: forward.tasks.clone(),
        };
        forward.tasks.spawn(acceptor.run());
        Ok(forward)
    }
}

impl PortForward {
    /// The address it listens on (with the port actually chosen).
    ///
    /// ```no_run
    /// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
    /// let forward = ssh.forward_local("127.0.0.1:0", "db.internal", 5432).await?;
    /// let url = format!("postgres://app@{}/app", forward.local_addr());
    /// # let _ = url; Ok(()) }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// How many connections were accepted so far.
    ///
    /// ```no_run
    /// # async fn demo(ssh: oxscript_transport::ssh::SshConnection) -> oxscript_transport::Result<()> {
    /// let forward = ssh.forward_local("127.0.0.1:0", "127.0.0.1", 80).await?;
    /// // ... clients connect to forward.local_addr() ...
    /// println!("{} connections forwarded", forward.connections());
    /// # Ok(()) }
    /// ```
    pub fn connections(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Stops listening, ends every forwarded connection, and waits until
    /// their tasks are gone.
    pub async fn close(self) {
        self.cancel.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        tracing::debug!(host = %self.host, local = %self.local_addr, "port forward closed");
    }
}

impl Drop for PortForward {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.tasks.close();
    }
}

/// Listens on `bind`, returning the listener and the address it actually
/// got (port 0 picks a free port). Errors name the address.
async fn bind_listener(bind: &str) -> Result<(TcpListener, SocketAddr)> {
    let bind_error = |error: std::io::Error| Error::Bind {
        address: bind.to_owned(),
        error: error.into(),
    };
    let listener = TcpListener::bind(bind).await.map_err(bind_error)?;
    let local_addr = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local_addr))
}

/// The listener's task.
struct Acceptor {
    listener: TcpListener,
    ssh: SshConnection,
    remote_host: String,
    remote_port: u16,
    accepted: Arc<AtomicU64>,
    cancel: CancellationToken,
    tasks: TaskTracker,
}

impl Acceptor {
    async fn run(self) {
        loop {
            let accepted = tokio::select! {
                biased;
                () = self.cancel.cancelled() => break,
                accepted = self.listener.accept() => accepted,
            };
            match accepted {
                Ok((socket, peer)) => {
                    self.accepted.fetch_add(1, Ordering::SeqCst);
                    if let Err(e) = socket.set_nodelay(true) {
                        tracing::debug!(error = %e, "TCP_NODELAY on a forwarded connection");
                    }
                    let connection = Forwarded {
                        socket,
                        peer,
                        ssh: self.ssh.clone(),
                        remote_host: self.remote_host.clone(),
                        remote_port: self.remote_port,
                        cancel: self.cancel.clone(),
                    };
                    self.tasks.spawn(connection.run());
                }
                Err(e) => {
                    // Out of descriptors and the like: retry after a pause
                    // rather than spin or give up.
                    tracing::warn!(host = %self.ssh.label(), error = %e, "port forward: accept failed");
                    tokio::select! {
                        biased;
                        () = self.cancel.cancelled() => break,
                        () = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
                    }
                }
            }
        }
    }
}

/// One forwarded connection's task.
struct Forwarded {
    socket: TcpStream,
    peer: SocketAddr,
    ssh: SshConnection,
    remote_host: String,
    remote_port: u16,
    cancel: CancellationToken,
}

impl Forwarded {
    async fn run(mut self) {
        // Biased: once the forward is closed, no new tunnel is opened even
        // if the channel-open future would be ready as well.
        let tunnel = tokio::select! {
            biased;
            () = self.cancel.cancelled() => return,
            tunnel = self.ssh.open_direct_tcpip(&self.remote_host, self.remote_port) => tunnel,
        };
        let mut tunnel = match tunnel {
            Ok(tunnel) => tunnel,
            Err(e) => {
                tracing::warn!(peer = %self.peer, error = %e, "port forward: tunnel refused; closing the connection");
                if self.ssh.is_closed() {
                    tracing::warn!(host = %self.ssh.label(), "port forward: the SSH connection is closed; stopping");
                    self.cancel.cancel();
                }
                return;
            }
        };
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => {}
            copied = tokio::io::copy_bidirectional(&mut self.socket, &mut tunnel) => match copied {
                Ok((up, down)) => tracing::debug!(peer = %self.peer, up, down, "forwarded connection ended"),
                Err(e) => tracing::debug!(peer = %self.peer, error = %e, "forwarded connection ended"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A forward can be opened from a spawned task.
    #[allow(dead_code)]
    fn futures_are_send(ssh: &SshConnection, forward: PortForward) {
        fn send<T: Send>(_: T) {}
        send(ssh.forward_local("127.0.0.1:0", "h", 1));
        send(forward.close());
    }

    #[tokio::test]
    async fn bind_listener_reports_the_chosen_port() {
        let (listener, addr) = bind_listener("127.0.0.1:0").await.unwrap();
        assert_ne!(addr.port(), 0);
        assert_eq!(listener.local_addr().unwrap(), addr);
    }

    #[tokio::test]
    async fn bind_errors_name_the_address() {
        let busy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = busy.local_addr().unwrap().to_string();
        let err = bind_listener(&address).await.unwrap_err();
        assert!(
            matches!(&err, Error::Bind { address: a, .. } if *a == address),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("cannot listen on {address}: ")),
            "{text}"
        );
    }

    #[tokio::test]
    async fn unparsable_bind_addresses_are_bind_errors() {
        let err = bind_listener("not an address").await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot listen on not an address: "),
            "{err}"
        );
    }
}
