//! [`Attachment`]: what a job uses besides its own code (the connection
//! of the node it runs on), and how a scheduler run manages it.
//!
//! A job names its attachments when it is built ([`Job::attach`]). At the
//! start of a run every job [claims](Attachment::claim) its attachments;
//! when a job ends it [releases](Attachment::release) them, on its own
//! task, and an attachment no job of the run still needs closes what it
//! holds, unless it was asked to keep it. At the end of the run the jobs
//! that never ran release theirs, every attachment applies its
//! [end-of-run policy](Attachment::end_run), then the resources
//! attachments share with each other ([`SharedResource`], such as the
//! gateway hops several nodes connect through) are closed, unless an
//! attachment still needs one.
//!
//! The scheduler knows nothing of what an attachment is: the
//! [nodes](crate::node) (session and SSH nodes alike) implement the
//! trait, and so can any other resource a job needs for a run.

use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::{Job, Scheduler};

/// Something a job of a [`Scheduler`] uses that the run opens lazily and
/// closes when done: a node's connection, for instance. Clones of one
/// resource share one [`key`](Attachment::key), so a run handles each
/// resource once however many jobs name it.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use futures::future::BoxFuture;
/// use oxscript_jobs::graph::{Attachment, Job, Scheduler};
///
/// /// Counts the jobs of a run that still need it.
/// #[derive(Debug, Default)]
/// struct Lease(AtomicUsize);
///
/// impl Attachment for Lease {
///     fn key(&self) -> usize {
///         self as *const Lease as usize
///     }
///     fn claim(&self) {
///         self.0.fetch_add(1, Ordering::SeqCst);
///     }
///     fn release(&self) -> BoxFuture<'_, ()> {
///         self.0.fetch_sub(1, Ordering::SeqCst);
///         Box::pin(async {})
///     }
///     fn end_run(&self) -> BoxFuture<'_, ()> {
///         Box::pin(async {})
///     }
///     fn close_unkept(&self) -> BoxFuture<'_, ()> {
///         Box::pin(async {})
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> oxscript_jobs::Result<()> {
/// let lease = Arc::new(Lease::default());
/// let scheduler = Scheduler::new();
/// for name in ["a", "b"] {
///     let job = Job::new(name, || async { Ok(().into()) });
///     job.attach(lease.clone());
///     scheduler.add(job);
/// }
/// scheduler.run().await?;
/// assert_eq!(lease.0.load(Ordering::SeqCst), 0, "every claim was released");
/// # Ok(()) }
/// ```
pub trait Attachment: Any + Send + Sync + fmt::Debug {
    /// Identifies the resource: clones of one node return the same key.
    fn key(&self) -> usize;

    /// A job of a run will use the resource (called once per job that
    /// names it, when the run starts).
    fn claim(&self);

    /// A job that claimed the resource ended (called on the job's task):
    /// closes what no other job of a run needs any more, unless it is
    /// kept.
    fn release(&self) -> BoxFuture<'_, ()>;

    /// The run ended and its jobs released their claims: closes what is
    /// still open, unless it is kept or a job of another run still needs
    /// it.
    fn end_run(&self) -> BoxFuture<'_, ()>;

    /// Closes what is open unless it is kept
    /// ([`Scheduler::close_nodes`]).
    fn close_unkept(&self) -> BoxFuture<'_, ()>;

    /// A resource this one shares with other attachments (the pool of
    /// gateway hops several nodes connect through), and whether this one
    /// still uses it after [`end_run`](Attachment::end_run) (a kept
    /// connection through those hops does). At the end of a run each
    /// shared resource is closed once, unless an attachment still uses it.
    /// Default: none.
    fn shared(&self) -> Option<(Box<dyn SharedResource>, bool)> {
        None
    }
}

/// A resource several [`Attachment`]s share (see [`Attachment::shared`]).
pub trait SharedResource: Any + Send + Sync {
    /// Whether `other` is the same resource (clones of one pool are).
    fn same_as(&self, other: &dyn SharedResource) -> bool;

    /// Closes it.
    fn close(&self) -> BoxFuture<'_, ()>;
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

/// The attachments of the jobs of `scheduler` (nested included), each
/// once, in the order first seen.
pub(crate) fn scheduler_attachments(scheduler: &Scheduler) -> Vec<Arc<dyn Attachment>> {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    let mut seen = HashSet::new();
    jobs.iter()
        .flat_map(Job::attachments)
        .filter(|a| seen.insert(a.key()))
        .collect()
}

/// At the start of a run: each job claims its attachments (once).
pub(super) fn claim_all(scheduler: &Scheduler) {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    for job in jobs {
        if !job.swap_claimed(true) {
            for attachment in job.attachments() {
                attachment.claim();
            }
        }
    }
}

/// A job ended: it releases its attachments. Runs on the job's task.
pub(super) async fn release(job: &Job) {
    if !job.swap_claimed(false) {
        return;
    }
    for attachment in job.attachments() {
        attachment.release().await;
    }
}

/// At the end of a run: the jobs that never ran release their
/// attachments, each attachment applies its end-of-run policy (also for
/// what a cancelled job could not close), then the shared resources no
/// attachment still uses are closed.
pub(super) async fn finish_run(scheduler: &Scheduler) {
    let mut jobs = Vec::new();
    all_jobs(scheduler, &mut jobs);
    for job in &jobs {
        release(job).await;
    }
    let attachments = scheduler_attachments(scheduler);
    for attachment in &attachments {
        attachment.end_run().await;
    }
    // A run has a handful of shared resources at most: a list is enough.
    let mut shared: Vec<(Box<dyn SharedResource>, bool)> = Vec::new();
    for (resource, in_use) in attachments.iter().filter_map(|a| a.shared()) {
        match shared
            .iter_mut()
            .find(|(r, _)| r.same_as(resource.as_ref()))
        {
            Some((_, used)) => *used |= in_use,
            None => shared.push((resource, in_use)),
        }
    }
    for (resource, in_use) in shared {
        if !in_use {
            resource.close().await;
        }
    }
}

/// Closes what the attachments of `scheduler` hold open, except what they
/// keep.
pub(super) async fn close_unkept(scheduler: &Scheduler) {
    for attachment in scheduler_attachments(scheduler) {
        attachment.close_unkept().await;
    }
}
