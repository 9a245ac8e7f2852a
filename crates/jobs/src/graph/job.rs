//! [`Job`]: one node of a job graph.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::BoxFuture;
use oxscript_core::sync::lock;

use super::Scheduler;
use super::attachment::Attachment;
use crate::error::{Error, Result};
use crate::value::Value;

/// A graph job function, boxed.
pub type GraphJobFn = Arc<dyn Fn() -> BoxFuture<'static, Result<Value>> + Send + Sync>;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Where a job is in a scheduler run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Not started (its requirements are not all done, or the run has not
    /// started or was stopped before it).
    Idle,
    /// Ready, waiting for a slot in the scheduler's window.
    Scheduled,
    /// Running.
    Running,
    /// Finished, successfully or not (see [`Job::result`]).
    Done,
    /// Stopped before it finished (critical failure elsewhere, timeout,
    /// or the end of the regular jobs for a `forever` job).
    Cancelled,
}

pub(super) enum Body {
    Fn(GraphJobFn),
    Nested(Scheduler),
}

struct Config {
    critical: bool,
    forever: bool,
    requires: Vec<Job>,
    /// The ids of `requires`.
    required: HashSet<u64>,
}

struct Record {
    state: JobState,
    result: Option<Result<Value>>,
}

pub(super) struct Inner {
    id: u64,
    label: String,
    pub(super) body: Body,
    config: Mutex<Config>,
    record: Mutex<Record>,
    /// What the job uses (see `super::attachment`).
    attachments: Mutex<Vec<Arc<dyn Attachment>>>,
    /// Whether the job holds a claim on its attachments.
    claimed: AtomicBool,
    /// Why the job cannot run, found when it was built (a malformed template).
    invalid: Option<Error>,
}

/// A job of a job graph: a labelled async function, its requirements, and
/// after a run its state and result.
///
/// Jobs are critical by default (as in asynciojobs): when a critical job
/// fails, the [`Scheduler`] stops and cancels the other jobs. A `forever`
/// job runs in the background and is cancelled once every other job has
/// finished. Cloning a `Job` gives another handle to the same job, which
/// is how jobs name their requirements.
///
/// ```
/// use oxscript_jobs::graph::{Job, JobState, Scheduler};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> oxscript_jobs::Result<()> {
/// let scheduler = Scheduler::new();
/// let fetch = scheduler.add(Job::new("fetch", || async { Ok("15.1".into()) }));
/// let check = scheduler.add(
///     Job::new("check", || async { Ok(true.into()) }).requires(&fetch).critical(false),
/// );
/// scheduler.run().await?;
/// assert_eq!(fetch.value().and_then(|v| v.as_str().map(str::to_owned)).as_deref(), Some("15.1"));
/// assert_eq!(check.state(), JobState::Done);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Job(pub(super) Arc<Inner>);

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.0.id)
            .field("label", &self.0.label)
            .field("critical", &self.is_critical())
            .field("forever", &self.is_forever())
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl Job {
    fn with_body(label: String, body: Body, invalid: Option<Error>) -> Job {
        Job(Arc::new(Inner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            label,
            body,
            config: Mutex::new(Config {
                critical: true,
                forever: false,
                requires: Vec::new(),
                required: HashSet::new(),
            }),
            record: Mutex::new(Record {
                state: JobState::Idle,
                result: None,
            }),
            attachments: Mutex::new(Vec::new()),
            claimed: AtomicBool::new(false),
            invalid,
        }))
    }

    /// A job running `f` (called once per scheduler run).
    pub fn new<F, Fut>(label: impl Into<String>, f: F) -> Job
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value>> + Send + 'static,
    {
        let f: GraphJobFn = Arc::new(move || f().boxed());
        Job::with_body(label.into(), Body::Fn(f), None)
    }

    /// A job running `f` that cannot run because of `problem`, found when
    /// it was built: checking its scheduler reports it, before anything runs.
    pub(crate) fn new_checked<F, Fut>(label: impl Into<String>, problem: Option<Error>, f: F) -> Job
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value>> + Send + 'static,
    {
        let f: GraphJobFn = Arc::new(move || f().boxed());
        Job::with_body(label.into(), Body::Fn(f), problem)
    }

    /// A job that runs a whole scheduler (nested graphs). Its result is
    /// [`Value::None`], or the nested run's error.
    pub fn scheduler(label: impl Into<String>, scheduler: Scheduler) -> Job {
        Job::with_body(label.into(), Body::Nested(scheduler), None)
    }

    /// A unique id (unique in the process).
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// The label.
    pub fn label(&self) -> &str {
        &self.0.label
    }

    /// Sets whether a failure of this job aborts the scheduler (default: true).
    pub fn critical(self, critical: bool) -> Job {
        self.set_critical(critical);
        self
    }

    /// Sets whether this job runs in the background until the other jobs
    /// are done (default: false).
    pub fn forever(self, forever: bool) -> Job {
        self.set_forever(forever);
        self
    }

    /// Adds a requirement: this job starts only after `other` finished.
    /// A job cannot require itself (ignored).
    pub fn requires(self, other: &Job) -> Job {
        self.add_requirement(other);
        self
    }

    /// Adds several requirements.
    pub fn requires_all<'a>(self, others: impl IntoIterator<Item = &'a Job>) -> Job {
        for other in others {
            self.add_requirement(other);
        }
        self
    }

    /// See [`critical`](Job::critical).
    pub fn set_critical(&self, critical: bool) {
        lock(&self.0.config).critical = critical;
    }

    /// See [`forever`](Job::forever).
    pub fn set_forever(&self, forever: bool) {
        lock(&self.0.config).forever = forever;
    }

    /// See [`requires`](Job::requires).
    pub fn add_requirement(&self, other: &Job) {
        if other.id() == self.id() {
            return;
        }
        let mut config = lock(&self.0.config);
        if config.required.insert(other.id()) {
            config.requires.push(other.clone());
        }
    }

    /// Whether a failure of this job aborts the scheduler.
    pub fn is_critical(&self) -> bool {
        lock(&self.0.config).critical
    }

    /// Whether this job runs in the background.
    pub fn is_forever(&self) -> bool {
        lock(&self.0.config).forever
    }

    /// The jobs this job requires.
    pub fn requirements(&self) -> Vec<Job> {
        lock(&self.0.config).requires.clone()
    }

    /// The nested scheduler, for a job made with [`Job::scheduler`].
    pub fn nested(&self) -> Option<&Scheduler> {
        match &self.0.body {
            Body::Nested(s) => Some(s),
            Body::Fn(_) => None,
        }
    }

    /// Where the job is in the current or last run.
    pub fn state(&self) -> JobState {
        lock(&self.0.record).state
    }

    /// The job's result once it finished: its value or its error
    /// ([`Error::Cancelled`] when it was cancelled).
    pub fn result(&self) -> Option<Result<Value>> {
        lock(&self.0.record).result.clone()
    }

    /// The value, if the job succeeded.
    pub fn value(&self) -> Option<Value> {
        self.result().and_then(Result::ok)
    }

    /// The error, if the job failed or was cancelled.
    pub fn error(&self) -> Option<Error> {
        self.result().and_then(Result::err)
    }

    /// Whether the job finished with an error (cancellation excluded).
    pub fn has_failed(&self) -> bool {
        matches!(self.state(), JobState::Done) && self.error().is_some()
    }

    pub(super) fn set_state(&self, state: JobState) {
        lock(&self.0.record).state = state;
    }

    pub(super) fn finish(&self, state: JobState, result: Result<Value>) {
        let mut record = lock(&self.0.record);
        record.state = state;
        record.result = Some(result);
    }

    pub(super) fn reset(&self) {
        let mut record = lock(&self.0.record);
        record.state = JobState::Idle;
        record.result = None;
    }

    /// Registers something the job uses (the node it runs on): a
    /// scheduler run claims it for the job and closes it once no job of
    /// the run needs it (see [`Attachment`]). Command jobs attach their
    /// node themselves.
    pub fn attach(&self, attachment: Arc<dyn Attachment>) {
        lock(&self.0.attachments).push(attachment);
    }

    /// What the job uses.
    pub(crate) fn attachments(&self) -> Vec<Arc<dyn Attachment>> {
        lock(&self.0.attachments).clone()
    }

    /// Why the job cannot run, if a problem was found when it was built.
    pub(crate) fn problem(&self) -> Option<&Error> {
        self.0.invalid.as_ref()
    }

    /// Sets whether the job holds a claim on its attachments; returns the
    /// previous value.
    pub(crate) fn swap_claimed(&self, claimed: bool) -> bool {
        self.0.claimed.swap(claimed, Ordering::AcqRel)
    }

    /// The future that runs the job once.
    pub(super) fn start(&self) -> BoxFuture<'static, Result<Value>> {
        match &self.0.body {
            Body::Fn(f) => f(),
            Body::Nested(s) => {
                let s = s.clone();
                async move { s.run_nested().await.map(|()| Value::None) }.boxed()
            }
        }
    }
}
