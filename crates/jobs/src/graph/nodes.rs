//! The nodes a scheduler run uses, and when their connections close.
//!
//! A job that runs on a [`Node`] or an [`SshNode`] names it when it is
//! built ([`Job::attach_node`]). At the start of a run every job claims
//! its nodes; when a job ends it releases them, on its own task, and a
//! node that no job of the run still needs is closed, unless it keeps its
//! connection. At the end of the run the jobs that never ran release
//! theirs, then the SSH pools of the run's nodes are closed (remotest hop
//! first), except the pools a kept connection runs through.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use oxscript_core::{Host, Protocol};
use oxscript_transport::ssh::{SshConnection, SshPool};

use super::{Job, Scheduler};
use crate::node::Node;
use crate::ssh::SshNode;

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
    fn lock(&self) -> MutexGuard<'_, UsageState> {
        oxscript_core::sync::lock(&self.0)
    }

    /// A job of a run will use the node.
    pub(crate) fn claim(&self) {
        let mut usage = self.lock();
        if usage.claims == 0 {
            // A keep request of an earlier run, or of a job run outside any run.
            usage.kept = false;
        }
        usage.claims += 1;
    }

    /// A job that runs on the node keeps its connection after the run.
    pub(crate) fn keep(&self) {
        self.lock().kept = true;
    }

    /// A job of a run is done with the node; returns whether its
    /// connection should be closed now: no other job of a run needs it
    /// and none that ran asked to keep it.
    pub(crate) fn release(&self) -> bool {
        let mut usage = self.lock();
        usage.claims = usage.claims.saturating_sub(1);
        usage.claims == 0 && !usage.kept
    }

    /// Whether a job of the current or last run asked to keep the connection.
    pub(crate) fn is_kept(&self) -> bool {
        self.lock().kept
    }

    /// Whether a job of a run still needs the node.
    pub(crate) fn is_claimed(&self) -> bool {
        self.lock().claims > 0
    }
}

/// A node a job runs on: a CLI session node or an SSH node. Both have one
/// lazily opened connection and the same lifecycle in a scheduler run.
#[derive(Clone, Debug)]
pub(crate) enum NodeRef {
    /// A [`Node`]: one interactive Session.
    Session(Node),
    /// An [`SshNode`]: one SSH connection for exec channels and SFTP.
    Ssh(SshNode),
}

impl NodeRef {
    /// Identifies the node (clones share it).
    pub(crate) fn key(&self) -> usize {
        match self {
            NodeRef::Session(n) => n.key(),
            NodeRef::Ssh(n) => n.key(),
        }
    }

    pub(crate) fn host(&self) -> &Host {
        match self {
            NodeRef::Session(n) => n.host(),
            NodeRef::Ssh(n) => n.host(),
        }
    }

    pub(crate) fn name(&self) -> &str {
        self.host().name()
    }

    fn usage(&self) -> &Usage {
        match self {
            NodeRef::Session(n) => n.usage(),
            NodeRef::Ssh(n) => n.usage(),
        }
    }

    /// Whether the connection stays open after the run: a [`Node`]
    /// created to keep it, or a node a job of the run asked to keep.
    fn is_kept(&self) -> bool {
        let option = match self {
            NodeRef::Session(n) => n.options().keep_connection,
            NodeRef::Ssh(_) => false,
        };
        option || self.usage().is_kept()
    }

    pub(crate) fn claim(&self) {
        self.usage().claim();
    }

    /// Releases one claim; returns whether the connection should close now.
    fn release(&self) -> bool {
        self.usage().release() && !self.is_kept()
    }

    pub(crate) async fn close(&self) {
        match self {
            NodeRef::Session(n) => n.close().await,
            NodeRef::Ssh(n) => n.close().await,
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        match self {
            NodeRef::Session(n) => n.is_connected(),
            NodeRef::Ssh(n) => n.is_connected(),
        }
    }

    /// The pool that shares the node's gateway hops, if any.
    pub(crate) fn pool(&self) -> Option<&SshPool> {
        let ssh = match self {
            NodeRef::Session(n) if n.host().protocol() == Protocol::Ssh => &n.options().session.ssh,
            NodeRef::Session(_) => return None,
            NodeRef::Ssh(n) => &n.options().ssh,
        };
        ssh.pool.as_ref()
    }

    /// Whether the node is reached through gateways.
    fn has_gateway(&self) -> bool {
        self.host().gateway().is_some()
    }

    /// The node's open SSH connection, if any (without opening one).
    pub(crate) fn current_ssh(&self) -> Option<SshConnection> {
        match self {
            NodeRef::Session(n) => n.current_ssh(),
            NodeRef::Ssh(n) => n.current_connection(),
        }
    }
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

/// The nodes of the jobs of `scheduler` (nested included), each once, in
/// the order first seen.
pub(crate) fn scheduler_nodes(scheduler: &Scheduler) -> Vec<NodeRef> {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    let mut seen = HashSet::new();
    jobs.iter()
        .flat_map(Job::nodes)
        .filter(|n| seen.insert(n.key()))
        .collect()
}

/// At the start of a run: each job claims its nodes (once).
pub(super) fn claim_all(scheduler: &Scheduler) {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    for job in jobs {
        if !job.swap_claimed(true) {
            for node in job.nodes() {
                node.claim();
            }
        }
    }
}

/// A job ended: it releases its nodes; those no job needs any more are
/// closed (unless kept). Runs on the job's task.
pub(super) async fn release(job: &Job) {
    if !job.swap_claimed(false) {
        return;
    }
    for node in job.nodes() {
        if node.release() {
            node.close().await;
        }
    }
}

/// At the end of a run: the jobs that never ran release their nodes, the
/// connections nobody keeps are closed (also those a cancelled job could
/// not close), then the pools no kept connection runs through.
pub(super) async fn finish_run(scheduler: &Scheduler) {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    for job in &jobs {
        release(job).await;
    }
    let nodes = scheduler_nodes(scheduler);
    let mut pools: Vec<&SshPool> = Vec::new();
    let mut kept: Vec<&SshPool> = Vec::new();
    for node in &nodes {
        if !node.usage().is_claimed() && !node.is_kept() {
            node.close().await;
        }
        let Some(pool) = node.pool() else {
            continue;
        };
        // A run has a handful of pools at most: a list is enough.
        let list = if node.has_gateway() && node.is_connected() {
            &mut kept
        } else {
            &mut pools
        };
        if !list.iter().any(|p| p.same_pool(pool)) {
            list.push(pool);
        }
    }
    for pool in pools {
        if !kept.iter().any(|k| k.same_pool(pool)) {
            // Remotest hop first.
            pool.close_all().await;
        }
    }
}

/// Closes the connections of the nodes of `scheduler` that do not keep
/// them.
pub(super) async fn close_unkept(scheduler: &Scheduler) {
    for node in scheduler_nodes(scheduler) {
        if !node.is_kept() {
            node.close().await;
        }
    }
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
    fn node_refs_know_their_pools() {
        use oxscript_transport::SessionOptions;
        use oxscript_transport::ssh::SshOptions;

        let pool = SshPool::new();
        let ssh = SshOptions {
            pool: Some(pool.clone()),
            ..SshOptions::default()
        };
        let mut host = Host::new("ssh://u@r1").unwrap();
        host.set_gateway(Some(Host::new("ssh://j@gw").unwrap()));
        let session_node = crate::node::Node::with_options(
            host.clone(),
            crate::node::NodeOptions {
                session: SessionOptions {
                    ssh: ssh.clone(),
                    ..SessionOptions::default()
                },
                ..crate::node::NodeOptions::default()
            },
        );
        let nodes = [
            NodeRef::Session(session_node.clone()),
            NodeRef::Ssh(SshNode::new(host, ssh)),
            NodeRef::Session(crate::node::Node::from_url("telnet://r2").unwrap()),
        ];
        assert!(nodes[0].pool().is_some_and(|p| p.same_pool(&pool)));
        assert!(nodes[1].pool().is_some_and(|p| p.same_pool(&pool)));
        assert!(nodes[2].pool().is_none(), "telnet has no SSH pool");
        assert!(nodes[0].has_gateway() && !nodes[2].has_gateway());
        assert_eq!(nodes[0].key(), NodeRef::Session(session_node).key());
        assert_ne!(nodes[0].key(), nodes[1].key());
        assert_eq!(nodes[2].name(), "r2");
        assert!(
            nodes
                .iter()
                .all(|n| !n.is_connected() && n.current_ssh().is_none())
        );
    }
}
