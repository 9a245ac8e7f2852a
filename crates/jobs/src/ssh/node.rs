//! [`SshNode`]: a host reached over SSH (through its gateways), with one
//! lazily opened connection shared by every job on it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oxscript_core::Host;
use oxscript_transport::ssh::{SshConnection, SshOptions, SshPool};

use crate::error::Result;
use crate::format::SharedFormatter;
use crate::node::{NodeBase, node_methods};

/// Settings of an [`SshNode`]. Build with struct-update syntax from `default()`.
#[derive(Clone)]
pub struct SshNodeOptions {
    /// SSH settings: host key policy, known_hosts, algorithms, keys, and
    /// the [`SshPool`] that shares gateway hops (give every node the same
    /// pool so each gateway is connected once).
    pub ssh: SshOptions,
    /// How long opening the connection (all hops included) may take.
    /// Default 30 s (apssh's default).
    pub connect_timeout: Duration,
    /// Where the output lines of the node's commands go (`None`: nowhere).
    pub formatter: Option<SharedFormatter>,
}

impl Default for SshNodeOptions {
    fn default() -> Self {
        SshNodeOptions {
            ssh: SshOptions::default(),
            connect_timeout: Duration::from_secs(30),
            formatter: None,
        }
    }
}

impl fmt::Debug for SshNodeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshNodeOptions")
            .field("ssh", &self.ssh)
            .field("connect_timeout", &self.connect_timeout)
            .field("formatter", &self.formatter.is_some())
            .finish()
    }
}

/// A host reached over SSH, directly or through its gateway chain
/// ([`Host::gateway`], any depth), and its one shared connection (apssh
/// `SshNode`). Clones are handles to the same node.
///
/// The connection is opened and authenticated (with the host's account)
/// by the first job that needs it; jobs that run at the same time on the
/// node share it, each command on a channel of its own. The gateway hops
/// come from the [`SshPool`] of the node's [`SshOptions`]: nodes that share
/// a pool share their hops, one connection per gateway. Without a pool the
/// node's connection opens its own hops and closes them with itself.
///
/// In a [`Scheduler`](crate::graph::Scheduler) the connection is closed
/// as soon as no job of the run still needs the node, unless a job on it
/// [keeps the connection](super::SshJob::keep_connection); at the end of
/// the run the pool's hops are closed too, remotest first (see
/// [`close_ssh_in_scheduler`](super::close_ssh_in_scheduler)).
///
/// ```no_run
/// use oxscript_core::Host;
/// use oxscript_jobs::ssh::SshNode;
/// use oxscript_transport::ssh::{SshOptions, SshPool};
///
/// # async fn demo() -> oxscript_jobs::Result<()> {
/// let ssh = SshOptions { pool: Some(SshPool::new()), ..SshOptions::default() };
/// let bastion = Host::new("ssh://jump@bastion.example.net")?;
/// let mut r1 = Host::new("ssh://admin@r1")?;
/// r1.set_gateway(Some(bastion));
/// let node = SshNode::new(r1, ssh);
/// let out = node.connection().await?.run("uname -a").await?;
/// assert_eq!(node.connections_opened(), 1);
/// # let _ = out;
/// node.close().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SshNode(Arc<NodeBase<SshConnection, SshNodeOptions>>);

impl fmt::Debug for SshNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshNode")
            .field("host", &self.0.host.name())
            .field("depth", &self.depth())
            .field("connections_opened", &self.connections_opened())
            .finish_non_exhaustive()
    }
}

node_methods!(SshNode, SshNodeOptions);

impl SshNode {
    /// A node for `host` with `ssh` settings and default node options.
    pub fn new(host: Host, ssh: SshOptions) -> SshNode {
        SshNode::with_options(
            host,
            SshNodeOptions {
                ssh,
                ..SshNodeOptions::default()
            },
        )
    }

    /// A node for `host` with `options`.
    pub fn with_options(host: Host, options: SshNodeOptions) -> SshNode {
        SshNode(Arc::new(NodeBase::new(host, options)))
    }

    /// A node for an `ssh://user@host` URL.
    pub fn from_url(url: &str, ssh: SshOptions) -> Result<SshNode> {
        Ok(SshNode::new(Host::new(url)?, ssh))
    }

    /// The pool sharing the gateway hops, if any.
    pub fn pool(&self) -> Option<&SshPool> {
        self.0.pool()
    }

    /// How many gateways stand between us and the host (0: direct).
    pub fn depth(&self) -> usize {
        std::iter::successors(self.0.host.gateway(), |h| h.gateway()).count()
    }

    /// A job on the node keeps its connection after the scheduler run.
    pub(crate) fn keep_connection(&self) {
        self.0.keep();
    }

    /// The open connection, if any (without opening one).
    pub fn current_connection(&self) -> Option<SshConnection> {
        self.0.current_ssh()
    }

    /// The node's connection: the open one, or a new one (connected
    /// through the gateways and authenticated with the host's account)
    /// when there is none or the server closed it. Concurrent callers wait
    /// for the same attempt; a failed attempt is not kept, the next caller
    /// tries again.
    pub async fn connection(&self) -> Result<SshConnection> {
        let mut slot = self.0.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            if !conn.is_closed() {
                return Ok(conn.clone());
            }
            tracing::debug!(node = %self.name(), "connection lost; reconnecting");
        }
        *slot = None;
        self.0.count_connection();
        let conn = SshConnection::connect_authenticated(
            &self.0.host,
            &self.0.options.ssh,
            self.0.options.connect_timeout,
        )
        .await?;
        *slot = Some(conn.clone());
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_node_is_not_connected() {
        let node = SshNode::new(Host::new("ssh://u@r1").unwrap(), SshOptions::default());
        assert_eq!(node.depth(), 0);
        assert!(node.pool().is_none());
        assert!(!node.is_connected());
        assert!(node.current_connection().is_none());
        assert_eq!(node.connections_opened(), 0);
        assert!(format!("{node:?} {:?}", node.options()).contains("r1"));
    }
}
