//! [`JobResults`]: the values of the jobs added with
//! [`Queue::run_collect`](super::Queue::run_collect), each with its host.

use std::fmt;
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use oxscript_core::Host;
use oxscript_core::sync::lock;
use tokio::sync::oneshot;

use super::{HostJobFn, JobId, JobStatus};
use crate::error::{Error, Result};

/// Where the successful attempt of one job leaves its value.
type Slot<T> = Arc<Mutex<Option<T>>>;

struct Pending<T> {
    host: Host,
    slot: Slot<T>,
    done: oneshot::Receiver<JobStatus>,
}

/// Builds the per-host job functions of a
/// [`run_collect`](super::Queue::run_collect) call and the handle that
/// collects their values.
pub(super) struct Collector<T> {
    pending: Vec<Pending<T>>,
}

impl<T> Default for Collector<T> {
    fn default() -> Self {
        Collector {
            pending: Vec::new(),
        }
    }
}

impl<T: Send + 'static> Collector<T> {
    /// The job function for `host`: runs `job` and keeps the value of the
    /// attempt that succeeds. Also returns the sender the queue tells how
    /// the job ended.
    pub(super) fn add(
        &mut self,
        host: &Host,
        job: HostJobFn<T>,
    ) -> (HostJobFn, oneshot::Sender<JobStatus>) {
        let slot: Slot<T> = Arc::new(Mutex::new(None));
        let (tx, done) = oneshot::channel();
        self.pending.push(Pending {
            host: host.clone(),
            slot: Arc::clone(&slot),
            done,
        });
        let f: HostJobFn = Arc::new(move |ctx, host, session| {
            let attempt = job(ctx, host, session);
            let slot = Arc::clone(&slot);
            async move {
                let value = attempt.await?;
                *lock(&slot) = Some(value);
                Ok(())
            }
            .boxed()
        });
        (f, tx)
    }

    /// The handle, once the queue gave the jobs their ids (one per host,
    /// in order).
    pub(super) fn finish(self, ids: Vec<JobId>) -> JobResults<T> {
        JobResults {
            jobs: ids.into_iter().zip(self.pending).collect(),
        }
    }
}

/// The results of the jobs added by one
/// [`Queue::run_collect`](super::Queue::run_collect) call: for each host,
/// in the order given, the value its job returned, or the error of its
/// last attempt ([`Error::Cancelled`] for a job the queue cancelled).
///
/// Waiting for the results does not wait for the queue's other jobs, nor
/// for its logger: [`Queue::join`](super::Queue::join) does that.
///
/// ```
/// use oxscript_emulator::{ios, TelnetServer};
/// use oxscript_jobs::queue::{autologin, Queue};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let r1 = TelnetServer::bind("127.0.0.1:0", ios::device("R1").with_credentials("admin", "cisco")).await?;
/// let url = format!("telnet://admin:cisco@{}", r1.local_addr());
/// let queue = Queue::default();
/// let results = queue.run_collect(
///     vec![url.as_str(), "telnet://admin:cisco@127.0.0.1:1"],
///     autologin(|_ctx, _host, mut session| async move {
///         let version = session.execute("show version").await?;
///         let [image] = version.first_match(r#"System image file is "([^"]+)""#)?;
///         Ok(image.unwrap_or_default())
///     }),
/// )?;
/// let results = results.join().await;
/// assert_eq!(results[0].1.as_deref().ok(), Some("flash0:c2900-universalk9-mz.SPA.157-3.M8.bin"));
/// assert!(results[1].1.is_err(), "nothing listens on port 1");
/// # r1.shutdown().await;
/// # Ok(()) }
/// ```
pub struct JobResults<T> {
    jobs: Vec<(JobId, Pending<T>)>,
}

impl<T> fmt::Debug for JobResults<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobResults")
            .field(
                "jobs",
                &self
                    .jobs
                    .iter()
                    .map(|(id, p)| (id, p.host.name()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl<T> JobResults<T> {
    /// The ids of the jobs, one per host, in order.
    pub fn ids(&self) -> Vec<JobId> {
        self.jobs.iter().map(|(id, _)| *id).collect()
    }

    /// The hosts, in order.
    pub fn hosts(&self) -> impl Iterator<Item = &Host> {
        self.jobs.iter().map(|(_, p)| &p.host)
    }

    /// How many jobs there are.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether there is no job (no host was given).
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Waits until every job has ended; returns each host with the value
    /// of its job or the error of its last attempt, in the order the
    /// hosts were given. Cancelling this future leaves the jobs running.
    pub async fn join(self) -> Vec<(Host, Result<T>)> {
        let mut out = Vec::with_capacity(self.jobs.len());
        for (id, job) in self.jobs {
            let result = match job.done.await {
                Ok(JobStatus::Succeeded { .. }) => lock(&job.slot).take().ok_or_else(|| {
                    Error::msg(format!(
                        "job {id} on {} succeeded without a value",
                        job.host.name()
                    ))
                }),
                Ok(JobStatus::Failed { error, .. }) => Err(error),
                Ok(_) | Err(_) => Err(Error::Cancelled),
            };
            out.push((job.host, result));
        }
        out
    }
}
