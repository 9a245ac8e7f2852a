//! What a [`Node`](super::Node) and an [`SshNode`](crate::ssh::SshNode)
//! share: a host, one lazily opened connection, its counters, and its
//! life in scheduler runs as an [`Attachment`].

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use oxscript_core::Host;
use oxscript_core::sync::lock;
use oxscript_transport::ssh::{SshConnection, SshPool};

use super::{Live, NodeOptions};
use crate::graph::{Attachment, SharedResource};
use crate::ssh::SshNodeOptions;

/// The connection a node holds: a logged-in Session, or an SSH connection.
pub(crate) trait Link: Send + Sync + 'static {
    /// Whether the peer has not closed it.
    fn is_open(&self) -> bool;
    /// The SSH connection under it, if it runs over SSH.
    fn ssh(&self) -> Option<SshConnection>;
    /// Closes it (its own gateway hops too when it has no pool).
    fn close(self) -> impl Future<Output = ()> + Send;
}

impl Link for SshConnection {
    fn is_open(&self) -> bool {
        !self.is_closed()
    }

    fn ssh(&self) -> Option<SshConnection> {
        Some(self.clone())
    }

    async fn close(self) {
        SshConnection::close(&self).await;
    }
}

/// What the lifecycle needs of a node's options.
pub(crate) trait NodeConfig: Send + Sync + 'static {
    /// Whether the connection stays open after the jobs of a run are done.
    fn keeps_connection(&self) -> bool;
    /// The pool that shares the gateway hops towards `host`, if any.
    fn ssh_pool(&self, host: &Host) -> Option<&SshPool>;
}

impl NodeConfig for NodeOptions {
    fn keeps_connection(&self) -> bool {
        self.keep_connection
    }

    fn ssh_pool(&self, host: &Host) -> Option<&SshPool> {
        (host.protocol() == oxscript_core::Protocol::Ssh)
            .then_some(self.session.ssh.pool.as_ref())
            .flatten()
    }
}

impl NodeConfig for SshNodeOptions {
    fn keeps_connection(&self) -> bool {
        false
    }

    fn ssh_pool(&self, _host: &Host) -> Option<&SshPool> {
        self.ssh.pool.as_ref()
    }
}

/// How many jobs of scheduler runs still need a node, and whether one
/// that ran asked to keep its connection.
#[derive(Debug, Default)]
pub(crate) struct Usage(Mutex<UsageState>);

#[derive(Debug, Default)]
struct UsageState {
    claims: usize,
    kept: bool,
}

impl Usage {
    /// A job of a run will use the node.
    pub(crate) fn claim(&self) {
        let mut usage = lock(&self.0);
        if usage.claims == 0 {
            // A keep request of an earlier run, or of a job run outside any run.
            usage.kept = false;
        }
        usage.claims += 1;
    }

    /// A job that runs on the node keeps its connection after the run.
    pub(crate) fn keep(&self) {
        lock(&self.0).kept = true;
    }

    /// A job of a run is done with the node; returns whether its
    /// connection should be closed now: no other job of a run needs it
    /// and none that ran asked to keep it.
    pub(crate) fn release(&self) -> bool {
        let mut usage = lock(&self.0);
        usage.claims = usage.claims.saturating_sub(1);
        usage.claims == 0 && !usage.kept
    }

    /// Whether a job of the current or last run asked to keep the connection.
    pub(crate) fn is_kept(&self) -> bool {
        lock(&self.0).kept
    }

    /// Whether a job of a run still needs the node.
    pub(crate) fn is_claimed(&self) -> bool {
        lock(&self.0).claims > 0
    }
}

/// A host, its options, and its one lazily opened connection (`C`),
/// shared by the clones of a node.
pub(crate) struct NodeBase<C, O> {
    pub(crate) host: Host,
    pub(crate) options: O,
    /// The connection; a job may hold the lock while it uses it.
    pub(crate) conn: Arc<tokio::sync::Mutex<Option<C>>>,
    opened: AtomicU64,
    usage: Usage,
}

impl<C, O> fmt::Debug for NodeBase<C, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("host", &self.host.name())
            .field("connections_opened", &self.connections_opened())
            .finish_non_exhaustive()
    }
}

impl<C, O> NodeBase<C, O> {
    pub(crate) fn new(host: Host, options: O) -> Self {
        NodeBase {
            host,
            options,
            conn: Arc::new(tokio::sync::Mutex::new(None)),
            opened: AtomicU64::new(0),
            usage: Usage::default(),
        }
    }

    /// Counts a connection being opened.
    pub(crate) fn count_connection(&self) {
        self.opened.fetch_add(1, Ordering::Relaxed);
    }

    /// How many connections were opened so far (reconnections included).
    pub(crate) fn connections_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// A job on the node keeps its connection after the run.
    pub(crate) fn keep(&self) {
        self.usage.keep();
    }
}

impl<C: Link, O: NodeConfig> NodeBase<C, O> {
    /// Whether a connection is open now (`false` while a job holds it or
    /// it is being opened, when that cannot be checked).
    pub(crate) fn is_connected(&self) -> bool {
        self.conn
            .try_lock()
            .is_ok_and(|c| c.as_ref().is_some_and(Link::is_open))
    }

    /// The open SSH connection, if any, when no job holds it (without
    /// opening one).
    pub(crate) fn current_ssh(&self) -> Option<SshConnection> {
        let guard = self.conn.try_lock().ok()?;
        guard.as_ref().filter(|c| c.is_open()).and_then(Link::ssh)
    }

    /// Closes the connection, if one is open (waiting for the job that
    /// holds it, if any).
    pub(crate) async fn close(&self) {
        let conn = self.conn.lock().await.take();
        if let Some(conn) = conn {
            conn.close().await;
        }
    }

    /// The pool sharing the gateway hops, if any.
    pub(crate) fn pool(&self) -> Option<&SshPool> {
        self.options.ssh_pool(&self.host)
    }

    /// Whether the connection stays open after the run: the node's
    /// options say so, or a job of the run asked to keep it.
    fn is_kept(&self) -> bool {
        self.options.keeps_connection() || self.usage.is_kept()
    }
}

impl<C: Link, O: NodeConfig> Attachment for NodeBase<C, O> {
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    fn claim(&self) {
        self.usage.claim();
    }

    fn release(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.usage.release() && !self.is_kept() {
                self.close().await;
            }
        })
    }

    fn end_run(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if !self.usage.is_claimed() && !self.is_kept() {
                self.close().await;
            }
        })
    }

    fn close_unkept(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if !self.is_kept() {
                self.close().await;
            }
        })
    }

    /// The pool of the gateway hops, in use while a connection through
    /// them stays open.
    fn shared(&self) -> Option<(Box<dyn SharedResource>, bool)> {
        let pool = self.pool()?;
        let in_use = self.host.gateway().is_some() && self.is_connected();
        Some((Box::new(pool.clone()), in_use))
    }
}

/// The gateway hops nodes share; closed remotest first.
impl SharedResource for SshPool {
    fn same_as(&self, other: &dyn SharedResource) -> bool {
        (other as &dyn Any)
            .downcast_ref::<SshPool>()
            .is_some_and(|other| other.same_pool(self))
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.close_all())
    }
}

/// The accessors every node type (a newtype over an `Arc<NodeBase>`)
/// has: host, name, options, counters, closing, and its attachment.
macro_rules! node_methods {
    ($ty:ident, $options:ty) => {
        impl $ty {
            /// The host.
            pub fn host(&self) -> &oxscript_core::Host {
                &self.0.host
            }

            /// The host's name (the label of the node's output lines).
            pub fn name(&self) -> &str {
                self.0.host.name()
            }

            /// The options.
            pub fn options(&self) -> &$options {
                &self.0.options
            }

            /// How many connections were opened so far (reconnections
            /// included).
            pub fn connections_opened(&self) -> u64 {
                self.0.connections_opened()
            }

            /// Whether a connection is open now (`false` while a job holds
            /// it or it is being opened, when that cannot be checked).
            pub fn is_connected(&self) -> bool {
                self.0.is_connected()
            }

            /// Closes the connection, if one is open, waiting for a job
            /// that holds it (an SSH connection's own gateway hops close
            /// with it when it has no pool; pooled hops stay for the other
            /// nodes). The next job opens a new one.
            pub async fn close(&self) {
                self.0.close().await;
            }

            /// The node as the [`Attachment`](crate::graph::Attachment) of
            /// the graph jobs that run on it.
            pub(crate) fn attachment(&self) -> std::sync::Arc<dyn crate::graph::Attachment> {
                self.0.clone()
            }
        }
    };
}

pub(crate) use node_methods;

/// A node seen through one of its jobs' attachments, for the SSH helpers
/// (closing every connection of a scheduler, drawing its topology).
pub(crate) trait NodeView: Send + Sync {
    fn host(&self) -> &Host;
    fn current_ssh(&self) -> Option<SshConnection>;
    fn pool(&self) -> Option<&SshPool>;
    fn close(&self) -> BoxFuture<'_, ()>;
}

impl<C: Link, O: NodeConfig> NodeView for NodeBase<C, O> {
    fn host(&self) -> &Host {
        &self.host
    }

    fn current_ssh(&self) -> Option<SshConnection> {
        NodeBase::current_ssh(self)
    }

    fn pool(&self) -> Option<&SshPool> {
        NodeBase::pool(self)
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(NodeBase::close(self))
    }
}

/// The node behind an attachment: a [`Node`](super::Node)'s or an
/// [`SshNode`](crate::ssh::SshNode)'s.
pub(crate) fn as_node(attachment: &dyn Attachment) -> Option<&dyn NodeView> {
    let any = attachment as &dyn Any;
    if let Some(node) = any.downcast_ref::<NodeBase<Live, NodeOptions>>() {
        return Some(node);
    }
    any.downcast_ref::<NodeBase<SshConnection, SshNodeOptions>>()
        .map(|node| node as &dyn NodeView)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_release_closes_unless_a_job_kept_the_connection() {
        let usage = Usage::default();
        usage.claim();
        usage.claim();
        assert!(usage.is_claimed());
        assert!(!usage.release(), "another job still needs it");
        assert!(usage.release(), "the last one closes");
        assert!(!usage.is_claimed());
        usage.claim();
        usage.keep();
        assert!(!usage.release(), "kept");
        assert!(usage.is_kept(), "still kept after the run");
        usage.claim();
        assert!(
            !usage.is_kept(),
            "the keep request was for the previous run"
        );
        assert!(usage.release());
        usage.keep(); // outside a run
        usage.claim();
        assert!(usage.release(), "a stale keep request is forgotten");
        assert!(usage.release(), "releasing more than claimed stays at zero");
    }

    #[test]
    fn nodes_know_their_pools_and_share_them() {
        use oxscript_transport::SessionOptions;
        use oxscript_transport::ssh::SshOptions;

        use crate::node::Node;
        use crate::ssh::SshNode;

        let pool = SshPool::new();
        let ssh = SshOptions {
            pool: Some(pool.clone()),
            ..SshOptions::default()
        };
        let mut host = Host::new("ssh://u@r1").unwrap();
        host.set_gateway(Some(Host::new("ssh://j@gw").unwrap()));
        let session_node = Node::with_options(
            host.clone(),
            NodeOptions {
                session: SessionOptions {
                    ssh: ssh.clone(),
                    ..SessionOptions::default()
                },
                ..NodeOptions::default()
            },
        );
        let nodes = [
            session_node.attachment(),
            SshNode::new(host, ssh).attachment(),
            Node::from_url("telnet://r2").unwrap().attachment(),
        ];
        let views: Vec<&dyn NodeView> = nodes.iter().filter_map(|a| as_node(&**a)).collect();
        assert_eq!(views.len(), 3, "both kinds of node are seen");
        assert!(views[0].pool().is_some_and(|p| p.same_pool(&pool)));
        assert!(views[1].pool().is_some_and(|p| p.same_pool(&pool)));
        assert!(views[2].pool().is_none(), "telnet has no SSH pool");
        assert_eq!(views[2].host().name(), "r2");
        assert!(views.iter().all(|n| n.current_ssh().is_none()));
        assert_eq!(nodes[0].key(), session_node.attachment().key());
        assert_ne!(nodes[0].key(), nodes[1].key());
        let (first, in_use) = nodes[0].shared().unwrap();
        assert!(!in_use, "not connected");
        assert!(first.same_as(nodes[1].shared().unwrap().0.as_ref()));
        assert!(nodes[2].shared().is_none());
    }
}
