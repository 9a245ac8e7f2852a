//! oxscript cluster: the same jobs as a local
//! [`Queue`](oxscript_jobs::queue::Queue), run by workers in many sites
//! over NATS JetStream, with no job lost when a worker dies.
//!
//! - A **coordinator** ([`ClusterQueue`]) queues registered jobs by name
//!   for hosts (`run(hosts, job_name, args)`), one work item per (host,
//!   job) on the host's site, and collects results and logs into the same
//!   [`Logger`](oxscript_jobs::log::Logger) a local queue fills, so
//!   reports and `<host>.log` files are the same. Job graphs stay on the
//!   coordinator: [`ClusterQueue::remote_job`] is a graph job whose body
//!   runs on a worker.
//! - **Workers** ([`Worker`], `oxscript worker --nats URL --site S
//!   --slots N`) pull only as many items as they have free slots, run them
//!   in a local queue with their own accounts, stream the logs back, and
//!   write each result before acknowledging its item.
//! - **Sites** have one consumer each; its `max_ack_pending` is the site's
//!   session cap ([`Cluster::set_site_cap`]), which the server enforces
//!   across all the site's workers.
//! - **Delivery**: an item whose worker dies is handed out again after
//!   `ack_wait`. The first result written for a job stands; a redelivered
//!   item whose result exists is acknowledged at once; an idempotent job
//!   ([`Idempotence`]) runs again, a non-idempotent one that had started is
//!   recorded as [`Outcome::UnknownOutcome`](wire::Outcome::UnknownOutcome)
//!   instead of pushing configuration twice.
//!
//! Only this crate knows NATS; the wire format is versioned JSON
//! ([`wire`]) and never carries secrets (accounts travel by name and are
//! resolved from the worker's own account file). `docs/cluster.md` in the
//! repository describes the architecture, the guarantees and each failure.
//!
//! ```no_run
//! use oxscript_cluster::{builtin, Cluster, ClusterConfig, ClusterOptions, ClusterQueue, JobRegistry,
//!     NatsOptions, Worker, WorkerOptions};
//! use oxscript_jobs::{log::Logger, report};
//!
//! # async fn demo(hosts: Vec<oxscript_core::Host>) -> oxscript_cluster::Result<()> {
//! let cluster = Cluster::connect(&NatsOptions::new("nats://127.0.0.1:4222"), ClusterConfig::default()).await?;
//!
//! // A worker (usually another process, in the site's network).
//! let mut registry = JobRegistry::new();
//! builtin::register(&mut registry);
//! let worker = Worker::new(&cluster, registry, WorkerOptions::new("paris", 20))?;
//! tokio::spawn(async move { worker.run(std::future::pending()).await });
//!
//! // The coordinator.
//! let logger = Logger::new();
//! let queue = ClusterQueue::new(&cluster, ClusterOptions {
//!     logger: Some(logger.clone()),
//!     site_caps: [("paris".to_owned(), 50)].into(),
//!     ..ClusterOptions::for_site("paris")
//! }).await?;
//! let args = [("commands".to_owned(), "show version".to_owned())].into();
//! queue.run(hosts, "execute", &args)?;
//! queue.join().await?;
//! println!("{}", report::status(&logger));
//! # Ok(()) }
//! ```

pub mod builtin;
mod cluster;
mod connect;
mod coordinator;
mod error;
mod names;
mod registry;
mod remote_error;
pub mod server;
pub mod wire;
mod worker;

pub use cluster::{Cluster, ClusterConfig, ClusterStatus, SiteStatus};
pub use connect::NatsOptions;
pub use coordinator::{ClusterOptions, ClusterQueue, ClusterStats, JobKey, RemoteStatus};
pub use error::{BoxError, Error, Result};
pub use registry::{Idempotence, JobRegistry};
pub use wire::JobArgs;
pub use worker::{LoginRate, Worker, WorkerOptions, WorkerStats};
