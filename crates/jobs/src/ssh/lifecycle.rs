//! When SSH connections of a scheduler run are closed.
//!
//! At the start of a run every job claims its SSH nodes; when a job ends
//! it releases them, and a node nobody claims any more is closed unless a
//! job that ran on it keeps the connection. At the end of the run the
//! jobs that never ran release theirs, then the gateway hops are closed
//! (remotest first) unless a kept connection still needs them.

use std::collections::HashSet;

use crate::graph::{Job, Scheduler};

use super::SshNode;

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

/// Every job of `scheduler`, nested schedulers' jobs included.
fn all_jobs(scheduler: &Scheduler, out: &mut Vec<Job>) {
    for job in scheduler.jobs() {
        if let Some(nested) = job.nested() {
            all_jobs(nested, out);
        }
        out.push(job);
    }
}

/// The SSH nodes of the jobs of `scheduler` (nested included), each once,
/// in the order first seen.
pub(crate) fn scheduler_nodes(scheduler: &Scheduler) -> Vec<SshNode> {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    let mut seen = HashSet::new();
    jobs.iter()
        .flat_map(Job::ssh_nodes)
        .filter(|n| seen.insert(n.key()))
        .collect()
}

/// At the start of a run: each job claims its nodes (once).
pub(crate) fn claim_all(scheduler: &Scheduler) {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    for job in jobs {
        if !job.swap_claimed(true) {
            for node in job.ssh_nodes() {
                node.claim();
            }
        }
    }
}

/// A job ended: it releases its nodes; those no job needs any more are
/// closed (unless kept).
pub(crate) async fn release(job: &Job) {
    if !job.swap_claimed(false) {
        return;
    }
    for node in job.ssh_nodes() {
        if node.release() {
            node.close().await;
        }
    }
}

/// At the end of a run: the jobs that never ran release their nodes, then
/// the hops are closed unless a kept connection runs through them.
pub(crate) async fn finish_run(scheduler: &Scheduler) {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    for job in &jobs {
        release(job).await;
    }
    let nodes = scheduler_nodes(scheduler);
    if nodes.iter().any(SshNode::is_connected) {
        // A kept connection may run through any of the pools' hops.
        return;
    }
    for node in &nodes {
        if let Some(pool) = node.pool() {
            // Remotest first; a pool shared by several nodes is emptied
            // by the first call.
            pool.close_all().await;
        }
    }
}

/// Closes every SSH connection the jobs of `scheduler` (nested schedulers
/// included) use, kept ones too: first the nodes' own connections, then
/// the gateway hops of their pools, remotest first (apssh
/// `close_ssh_in_scheduler`). Returns what was closed, in order.
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
    let nodes = scheduler_nodes(scheduler);
    let mut open: Vec<(SshNode, oxscript_transport::ssh::SshConnection)> = nodes
        .iter()
        .filter_map(|n| n.current_connection().map(|c| (n.clone(), c)))
        .collect();
    open.sort_by_key(|(_, c)| std::cmp::Reverse(c.depth()));
    let mut closed = Vec::new();
    for (node, conn) in open {
        node.close().await;
        closed.push(ClosedConnection {
            label: conn.label().to_owned(),
            depth: conn.depth(),
            node: Some(node.name().to_owned()),
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
