//! oxscript jobs: work over many hosts.
//!
//! - [`queue`]: Exscript's `Queue`, async: run a function on many hosts, a
//!   bounded number at a time, with account pools, connection, login and
//!   job retries, priorities, forced starts, cancellation, progress, and
//!   the [`autologin`](queue::autologin) / [`os_function_mapper`](queue::os_function_mapper)
//!   wrappers.
//! - [`log`] and [`report`]: what every job attempt saw and how it ended,
//!   in memory or in `<host>.log` / `<host>.log.error` files, summarised
//!   as Exscript's `util.report` does.
//! - [`graph`]: asynciojobs-style job graphs: requirements, critical and
//!   forever jobs, windows, timeouts, nesting, sequences, text and DOT
//!   descriptions.
//! - [`vars`], [`node`] and [`session_job`]: apssh-style building blocks
//!   for graphs: commands run on a host's shared lazy connection, outputs
//!   captured into variables and used later by deferred commands.
//! - [`ssh`]: apssh's `SshNode`, `LocalNode` and `SshJob`: remote
//!   commands with exit codes, scripts and file transfers over SSH,
//!   through shared gateway chains, and the DOT topology of the nodes.
//! - [`process`] and [`action`]: execo's model: local and remote
//!   processes you start, steer (expect, stdin, signals) and judge (ok
//!   flags), actions over host groups (`Remote`, `Put`, `Get`, the
//!   `ChainPut` broadcast) with `{{{host}}}` substitutions, and execo's
//!   `Report`.
//! - [`format`](mod@format): where command output lines go (`host:line`, files per
//!   host, memory).
//! - [`events`]: started / finished / failed / retried / progress events
//!   for daemons to subscribe to.
//!
//! Nothing here starts a thread: each running job is one Tokio task, and
//! a queued job costs no task until it starts.
//!
//! ```no_run
//! use oxscript_core::{Account, AccountPool};
//! use oxscript_jobs::log::Logger;
//! use oxscript_jobs::queue::{autologin, Queue, QueueOptions};
//! use oxscript_jobs::report;
//!
//! #[tokio::main]
//! async fn main() -> oxscript_jobs::Result<()> {
//!     let logger = Logger::new();
//!     let queue = Queue::new(QueueOptions {
//!         max_connections: 100,
//!         logger: Some(logger.clone()),
//!         ..QueueOptions::default()
//!     });
//!     // A pooled account serves one job at a time: 100 slots of the same
//!     // account let 100 jobs log in with it at once.
//!     let admin = Account::new("admin", "secret");
//!     queue.add_account_pool(AccountPool::from_accounts(std::iter::repeat_n(admin, 100)), None);
//!     let hosts = oxscript_core::inventory::hosts_from_file("hosts.txt", &Default::default())?;
//!     queue.run(hosts, autologin(|_ctx, _host, mut session| async move {
//!         session.autoinit().await?;
//!         session.execute("show version").await?;
//!         Ok(())
//!     }))?;
//!     queue.join().await?;
//!     println!("{}\n{}", report::status(&logger), report::summarize(&logger));
//!     Ok(())
//! }
//! ```

pub mod action;
mod error;
pub mod events;
pub mod format;
pub mod graph;
mod job_base;
pub mod log;
mod login;
pub mod node;
pub mod process;
pub mod queue;
pub mod report;
pub mod session_job;
pub mod ssh;
mod value;
pub mod vars;
mod writer;

pub use error::{Error, JobError, Result};
pub use login::LoginMode;
pub use value::Value;
