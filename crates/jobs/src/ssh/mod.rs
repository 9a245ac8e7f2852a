//! SSH nodes and jobs (apssh): commands, scripts and file transfers run on
//! hosts over SSH, through gateway chains of any depth, as graph jobs.
//!
//! - [`SshNode`]: a host (with its [gateways](oxscript_core::Host::gateway))
//!   and one lazily opened, authenticated connection shared by every job
//!   on it; gateway hops are shared between nodes through the
//!   [`SshPool`](oxscript_transport::ssh::SshPool) of their
//!   [`SshOptions`](oxscript_transport::ssh::SshOptions).
//! - [`LocalNode`]: this machine, with the same command semantics.
//! - [`SshJob`]: commands run in order on a node: [`Run`] (allowed exit
//!   codes, capture into [`Variables`](crate::vars::Variables), deferred
//!   templates), [`Script`] (apssh's [`RunScript`] and [`RunString`]),
//!   [`Push`], [`Pull`].
//! - [`topology_dot`]: the nodes and gateways as a Graphviz graph;
//!   [`close_ssh_in_scheduler`] closes every connection of a scheduler,
//!   remotest first.
//!
//! Unlike a [`SessionJob`](crate::session_job::SessionJob), which types
//! commands into an interactive CLI session, an `SshJob` runs each
//! command on an exec channel of its own: it gets the command's exit
//! status and its stderr apart, and several jobs can use one node at once.
//!
//! ```no_run
//! use std::sync::Arc;
//! use oxscript_core::Host;
//! use oxscript_jobs::format::LineFormatter;
//! use oxscript_jobs::graph::{Scheduler, Sequence};
//! use oxscript_jobs::ssh::{close_ssh_in_scheduler, SshJob, SshNode, SshNodeOptions};
//! use oxscript_jobs::vars::Variables;
//! use oxscript_transport::ssh::{SshOptions, SshPool};
//!
//! # async fn demo() -> oxscript_jobs::Result<()> {
//! let options = SshNodeOptions {
//!     ssh: SshOptions { pool: Some(SshPool::new()), ..SshOptions::default() },
//!     formatter: Some(Arc::new(LineFormatter::colon())),
//!     ..SshNodeOptions::default()
//! };
//! let bastion = Host::new("ssh://jump@bastion.example.net")?;
//! let behind = |url: &str| -> oxscript_jobs::Result<SshNode> {
//!     let mut host = Host::new(url)?;
//!     host.set_gateway(Some(bastion.clone()));
//!     Ok(SshNode::with_options(host, options.clone()))
//! };
//! let (db, web) = (behind("ssh://root@db")?, behind("ssh://root@web")?);
//! let vars = Variables::new();
//! let scheduler = Scheduler::new();
//! scheduler.add_sequence(&Sequence::new([
//!     SshJob::new(&db).capture("hostname -I | cut -d' ' -f1", "db_ip").with_variables(&vars).into_job(),
//!     SshJob::new(&web).run_deferred("echo DB={{db_ip}} >> /etc/app.env").with_variables(&vars).into_job(),
//! ]));
//! scheduler.run().await?; // one connection to the bastion, shared
//! close_ssh_in_scheduler(&scheduler).await; // nothing left open: a no-op here
//! # Ok(()) }
//! ```

mod command;
mod job;
mod lifecycle;
mod local;
mod node;
mod target;
mod topology;
mod util;

pub use command::{
    ExecSettings, Pull, Push, Run, RunScript, RunString, Script, ScriptSource, SshCommand,
};
pub use job::SshJob;
pub use lifecycle::{ClosedConnection, close_ssh_in_scheduler};
pub use local::LocalNode;
pub use node::{SshNode, SshNodeOptions};
pub use target::JobNode;
pub use topology::{scheduler_topology_dot, topology_dot};
