//! Closing every SSH connection of a scheduler (apssh `close_ssh_in_scheduler`).
//!
//! A scheduler run closes its nodes' connections on its own (see
//! [`Scheduler::run`](crate::graph::Scheduler::run)); what it leaves open
//! is what jobs asked to keep, which this closes.

use crate::graph::{Scheduler, scheduler_attachments};
use crate::node::as_node;

/// A connection closed by [`close_ssh_in_scheduler`], in the order closed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClosedConnection {
    /// `address:port` of the connection.
    pub label: String,
    /// How many gateways it ran through (0: direct).
    pub depth: usize,
    /// The node's name for a node's own connection, `None` for a gateway hop.
    pub node: Option<String>,
}

/// Closes every SSH connection the jobs of `scheduler` (nested schedulers
/// included) use, kept ones too: first the nodes' own connections
/// (those of [`SshNode`](super::SshNode)s and of `ssh://`
/// [`Node`](crate::node::Node)s), remotest first, then the gateway hops of
/// their pools, remotest first (apssh `close_ssh_in_scheduler`). Returns
/// what was closed, in order.
///
/// ```
/// use oxscript_jobs::graph::Scheduler;
/// use oxscript_jobs::ssh::close_ssh_in_scheduler;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let scheduler = Scheduler::new();
/// assert!(close_ssh_in_scheduler(&scheduler).await.is_empty());
/// # }
/// ```
pub async fn close_ssh_in_scheduler(scheduler: &Scheduler) -> Vec<ClosedConnection> {
    let attachments = scheduler_attachments(scheduler);
    let nodes: Vec<_> = attachments
        .iter()
        .filter_map(|a| as_node(a.as_ref()))
        .collect();
    let mut open: Vec<_> = nodes
        .iter()
        .filter_map(|n| n.current_ssh().map(|c| (n, c)))
        .collect();
    open.sort_by_key(|(_, c)| std::cmp::Reverse(c.depth()));
    let mut closed = Vec::new();
    for (node, conn) in open {
        node.close().await;
        closed.push(ClosedConnection {
            label: conn.label().to_owned(),
            depth: conn.depth(),
            node: Some(node.host().name().to_owned()),
        });
        if node.pool().is_none() {
            // Its own hops, closed with it, remotest first.
            let mut hop = conn.gateway();
            while let Some(h) = hop {
                closed.push(ClosedConnection {
                    label: h.label().to_owned(),
                    depth: h.depth(),
                    node: None,
                });
                hop = h.gateway();
            }
        }
    }
    for node in &nodes {
        if let Some(pool) = node.pool() {
            // A pool shared by several nodes is emptied by the first call.
            let hops = pool.connections();
            pool.close_all().await;
            closed.extend(hops.iter().map(|h| ClosedConnection {
                label: h.label().to_owned(),
                depth: h.depth(),
                node: None,
            }));
        }
    }
    closed
}
