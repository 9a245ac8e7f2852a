//! Job graphs: jobs that depend on jobs (asynciojobs semantics).
//!
//! A [`Scheduler`] holds [`Job`]s. A job starts once every job it
//! [`requires`](Job::requires) has finished; jobs without pending
//! requirements run concurrently, at most [`window`](Scheduler::with_window)
//! at a time. The graph is checked before anything runs: a requirement
//! cycle is an error naming the jobs along it.
//!
//! - A **critical** job (the default) that fails stops the run: the other
//!   jobs are cancelled and [`run`](Scheduler::run) returns
//!   [`Error::CriticalJobFailed`] naming the job and its error. A failed
//!   non-critical job is recorded, and the jobs that require it still run
//!   (its [`result`](Job::result) tells them what happened).
//! - A **forever** job runs in the background; once every other job has
//!   finished it is cancelled.
//! - With a [`timeout`](Scheduler::with_timeout), a run that takes longer
//!   is stopped and returns [`Error::SchedulerTimeout`] with the labels of
//!   the jobs that had not finished.
//! - A scheduler is itself a job ([`Job::scheduler`]): graphs nest.
//! - [`Sequence`] chains jobs, each requiring the previous one.
//!
//! After a run, [`list`](Scheduler::list), [`debrief`](Scheduler::debrief),
//! [`why`](Scheduler::why) and [`to_dot`](Scheduler::to_dot) describe what
//! happened; every job keeps its result.
//!
//! ```
//! use oxscript_jobs::graph::{Job, Scheduler, Sequence};
//! use oxscript_jobs::Error;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let scheduler = Scheduler::new().with_window(4);
//! let seq = Sequence::new([
//!     Job::new("prepare", || async { Ok(().into()) }),
//!     Job::new("deploy", || async { Err(Error::msg("port in use")) }),
//!     Job::new("verify", || async { Ok(().into()) }),
//! ]);
//! scheduler.add_sequence(&seq);
//! let err = scheduler.run().await.unwrap_err();
//! assert_eq!(err.to_string(), "critical job `deploy` failed: port in use");
//! assert_eq!(scheduler.why(), "critical job `deploy` failed: port in use");
//! assert!(scheduler.to_dot().contains("\"prepare\""));
//! # }
//! ```

mod attachment;
mod job;
mod plan;
mod render;
mod sequence;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxscript_core::sync::lock;
use tokio::sync::broadcast;
use tokio::task::JoinSet;

pub(crate) use attachment::scheduler_attachments;
pub use attachment::{Attachment, SharedResource};
pub use job::{GraphJobFn, Job, JobState};
pub use sequence::Sequence;

use self::plan::Plan;
use crate::error::{Error, Result};
use crate::events::{Event, EventBus, JobInfo};
use crate::value::Value;

/// How the last run ended.
#[derive(Clone, Debug)]
enum LastRun {
    NotRun,
    Fine,
    Critical {
        job: String,
        error: Error,
    },
    TimedOut {
        after: Duration,
        pending: Vec<String>,
    },
    Invalid(Error),
}

struct Settings {
    window: Option<usize>,
    timeout: Option<Duration>,
}

struct Inner {
    label: String,
    jobs: Mutex<Vec<Job>>,
    settings: Mutex<Settings>,
    events: EventBus,
    last: Mutex<LastRun>,
}

/// A set of jobs and their requirements, run as a graph; see the
/// [module docs](self). Clones are handles to the same scheduler.
///
/// A job belongs to one scheduler, and a scheduler runs one run at a time
/// (jobs keep the state and result of the last run); runs can be repeated.
#[derive(Clone)]
pub struct Scheduler(Arc<Inner>);

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = lock(&self.0.settings);
        f.debug_struct("Scheduler")
            .field("label", &self.0.label)
            .field("jobs", &self.len())
            .field("window", &settings.window)
            .field("timeout", &settings.timeout)
            .finish()
    }
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler::new()
    }
}

impl Scheduler {
    /// An empty scheduler, without window (all ready jobs run at once) and
    /// without timeout.
    pub fn new() -> Scheduler {
        Scheduler::labelled("scheduler")
    }

    /// An empty scheduler with a label (used by [`to_dot`](Scheduler::to_dot)).
    pub fn labelled(label: impl Into<String>) -> Scheduler {
        Scheduler(Arc::new(Inner {
            label: label.into(),
            jobs: Mutex::new(Vec::new()),
            settings: Mutex::new(Settings {
                window: None,
                timeout: None,
            }),
            events: EventBus::new(),
            last: Mutex::new(LastRun::NotRun),
        }))
    }

    /// Runs at most `n` jobs at once (asynciojobs `jobs_window`; values
    /// below 1 count as 1). Forever jobs take a slot too.
    pub fn with_window(self, n: usize) -> Scheduler {
        self.set_window(Some(n));
        self
    }

    /// Stops a run that takes longer than `timeout`.
    pub fn with_timeout(self, timeout: Duration) -> Scheduler {
        self.set_timeout(Some(timeout));
        self
    }

    /// See [`with_window`](Scheduler::with_window); `None`: no limit.
    pub fn set_window(&self, n: Option<usize>) {
        lock(&self.0.settings).window = n.map(|n| n.max(1));
    }

    /// See [`with_timeout`](Scheduler::with_timeout); `None`: no timeout.
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        lock(&self.0.settings).timeout = timeout;
    }

    /// The label.
    pub fn label(&self) -> &str {
        &self.0.label
    }

    /// Adds a job; returns a handle to it (to name it as a requirement).
    pub fn add(&self, job: Job) -> Job {
        lock(&self.0.jobs).push(job.clone());
        job
    }

    /// Adds several jobs.
    pub fn add_all(&self, jobs: impl IntoIterator<Item = Job>) {
        lock(&self.0.jobs).extend(jobs);
    }

    /// Adds the jobs of a sequence.
    pub fn add_sequence(&self, sequence: &Sequence) {
        self.add_all(sequence.jobs().iter().cloned());
    }

    /// The jobs, in the order they were added.
    pub fn jobs(&self) -> Vec<Job> {
        lock(&self.0.jobs).clone()
    }

    /// How many jobs (nested schedulers count as one).
    pub fn len(&self) -> usize {
        lock(&self.0.jobs).len()
    }

    /// Whether there is no job.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Wraps this scheduler in a job, to nest it in another scheduler.
    pub fn into_job(self, label: impl Into<String>) -> Job {
        Job::scheduler(label, self)
    }

    /// Events about the jobs of this scheduler (not of nested schedulers,
    /// which have their own).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.0.events.subscribe()
    }

    /// Checks that every requirement is in this scheduler and that there
    /// is no cycle (nested schedulers included).
    pub fn check(&self) -> Result<()> {
        for job in self.jobs() {
            if let Some(nested) = job.nested() {
                nested.check()?;
            }
        }
        Plan::build(&self.jobs()).map(|_| ())
    }

    /// The jobs in an order that runs every job after its requirements.
    pub fn topological_order(&self) -> Result<Vec<Job>> {
        let jobs = self.jobs();
        let plan = Plan::build(&jobs)?;
        Ok(plan
            .order
            .iter()
            .filter_map(|&i| jobs.get(i).cloned())
            .collect())
    }

    /// Why the last run failed: `ok` when it did not, `not run yet`, or the
    /// critical job and its error, or the timeout and the pending jobs.
    pub fn why(&self) -> String {
        match &*lock(&self.0.last) {
            LastRun::NotRun => "not run yet".to_owned(),
            LastRun::Fine => "ok".to_owned(),
            LastRun::Critical { job, error } => format!("critical job `{job}` failed: {error}"),
            LastRun::TimedOut { after, pending } => {
                format!("timed out after {after:?}; pending: {}", pending.join(", "))
            }
            LastRun::Invalid(e) => e.to_string(),
        }
    }

    /// Whether the last run stopped because a critical job failed.
    pub fn failed_critical(&self) -> bool {
        matches!(&*lock(&self.0.last), LastRun::Critical { .. })
    }

    /// Whether the last run timed out.
    pub fn failed_timeout(&self) -> bool {
        matches!(&*lock(&self.0.last), LastRun::TimedOut { .. })
    }

    /// Runs the graph: checks it, then runs every job after its
    /// requirements, until all regular jobs are done, a critical job
    /// fails, or the timeout expires. Cancelling this future cancels the
    /// jobs.
    ///
    /// The jobs' [attachments](Attachment) (the connections of the
    /// [nodes](crate::node) they run on) are closed as soon as no job of
    /// the run still needs them, by the task of the job that used them
    /// last, unless they are kept. At the end of the run the resources
    /// they share (the gateway hops of the nodes' SSH pools, remotest
    /// first) are closed too, except those a kept connection still uses.
    pub async fn run(&self) -> Result<()> {
        attachment::claim_all(self);
        let result = self.run_inner().await;
        attachment::finish_run(self).await;
        result
    }

    /// A run as a nested job: the outer run claims and closes the nodes.
    pub(crate) async fn run_nested(&self) -> Result<()> {
        self.run_inner().await
    }

    /// Closes the connections of the nodes used by this scheduler's jobs
    /// (nested schedulers included), except those that keep their
    /// connection ([`Attachment::close_unkept`]).
    pub async fn close_nodes(&self) {
        attachment::close_unkept(self).await;
    }

    async fn run_inner(&self) -> Result<()> {
        let jobs = self.jobs();
        let plan = match Plan::build(&jobs) {
            Ok(plan) => plan,
            Err(e) => {
                *lock(&self.0.last) = LastRun::Invalid(e.clone());
                return Err(e);
            }
        };
        let (window, timeout) = {
            let s = lock(&self.0.settings);
            (s.window.unwrap_or(usize::MAX), s.timeout)
        };
        for job in &jobs {
            job.reset();
        }
        let mut run = Run {
            events: &self.0.events,
            jobs: &jobs,
            plan: &plan,
            window,
            ready: VecDeque::new(),
            tasks: JoinSet::new(),
            running: HashMap::new(),
            missing: plan.requires.iter().map(Vec::len).collect(),
            finite_total: jobs.iter().filter(|j| !j.is_forever()).count(),
            finite_done: 0,
            guard: CancelGuard {
                jobs: &jobs,
                armed: true,
            },
        };
        let outcome = run.execute(timeout).await;
        run.guard.armed = false;
        *lock(&self.0.last) = match &outcome {
            Ok(()) => LastRun::Fine,
            Err(Error::CriticalJobFailed { job, source }) => LastRun::Critical {
                job: job.clone(),
                error: (**source).clone(),
            },
            Err(Error::SchedulerTimeout { after, pending }) => LastRun::TimedOut {
                after: *after,
                pending: pending.clone(),
            },
            Err(e) => LastRun::Invalid(e.clone()),
        };
        outcome
    }
}

/// Marks jobs left running or scheduled as cancelled when a run is dropped
/// (the outer job of a nested scheduler was cancelled).
struct CancelGuard<'a> {
    jobs: &'a [Job],
    armed: bool,
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            for job in self.jobs {
                if matches!(job.state(), JobState::Running | JobState::Scheduled) {
                    job.finish(JobState::Cancelled, Err(Error::Cancelled));
                }
            }
        }
    }
}

/// The state of one run.
struct Run<'a> {
    events: &'a EventBus,
    jobs: &'a [Job],
    plan: &'a Plan,
    window: usize,
    ready: VecDeque<usize>,
    tasks: JoinSet<(usize, Result<Value>)>,
    running: HashMap<tokio::task::Id, usize>,
    /// Requirements not finished yet, per job.
    missing: Vec<usize>,
    finite_total: usize,
    finite_done: usize,
    guard: CancelGuard<'a>,
}

fn info(job: &Job) -> JobInfo {
    JobInfo {
        id: job.id(),
        name: job.label().to_owned(),
        host: None,
    }
}

impl Run<'_> {
    async fn execute(&mut self, timeout: Option<Duration>) -> Result<()> {
        if self.finite_total == 0 {
            return Ok(());
        }
        let deadline = timeout.map(oxscript_core::time::deadline_after);
        for &i in &self.plan.order {
            if self.missing[i] == 0 {
                self.schedule(i);
            }
        }
        self.fill();
        loop {
            let joined = tokio::select! {
                joined = self.tasks.join_next_with_id() => joined,
                () = sleep_until(deadline) => {
                    let pending = self.unfinished_labels();
                    self.abort().await;
                    return Err(Error::SchedulerTimeout {
                        after: timeout.unwrap_or_default(),
                        pending,
                    });
                }
            };
            let Some(joined) = joined else {
                // Nothing runs and nothing is ready, yet regular jobs are
                // left: they wait for a job that can never finish.
                return Err(Error::msg(format!(
                    "scheduler stalled: {} job(s) can never start",
                    self.finite_total - self.finite_done
                )));
            };
            let Some((index, result)) = self.take(joined) else {
                continue;
            };
            let jobs = self.jobs;
            let job = &jobs[index];
            job.finish(JobState::Done, result.clone());
            match &result {
                Ok(_) => self.events.emit(|| Event::Succeeded {
                    job: info(job),
                    attempt: 1,
                }),
                Err(error) => self.events.emit(|| Event::Failed {
                    job: info(job),
                    attempt: 1,
                    error: error.clone(),
                    will_retry: false,
                }),
            }
            if let Err(error) = result
                && job.is_critical()
            {
                self.abort().await;
                return Err(Error::CriticalJobFailed {
                    job: job.label().to_owned(),
                    source: Box::new(error),
                });
            }
            if !job.is_forever() {
                self.finite_done += 1;
                let (finished, total) = (self.finite_done, self.finite_total);
                self.events.emit(|| Event::Progress { finished, total });
                if self.finite_done == self.finite_total {
                    // Only forever jobs are left.
                    self.abort().await;
                    return Ok(());
                }
            }
            for &s in &self.plan.successors[index] {
                self.missing[s] -= 1;
                if self.missing[s] == 0 {
                    self.schedule(s);
                }
            }
            self.fill();
        }
    }

    fn schedule(&mut self, index: usize) {
        self.jobs[index].set_state(JobState::Scheduled);
        self.ready.push_back(index);
    }

    /// Starts ready jobs while the window has room.
    fn fill(&mut self) {
        while self.running.len() < self.window {
            let Some(index) = self.ready.pop_front() else {
                break;
            };
            let jobs = self.jobs;
            let job = &jobs[index];
            job.set_state(JobState::Running);
            self.events.emit(|| Event::Started {
                job: info(job),
                attempt: 1,
            });
            let future = job.start();
            let job = job.clone();
            let handle = self.tasks.spawn(async move {
                let result = future.await;
                // Closing connections here keeps the scheduler's loop (and
                // its timeout) free for the other jobs.
                attachment::release(&job).await;
                (index, result)
            });
            self.running.insert(handle.id(), index);
        }
    }

    /// The index and result of a finished task (`None` for a task this
    /// run does not know, which cannot happen).
    fn take(
        &mut self,
        joined: std::result::Result<
            (tokio::task::Id, (usize, Result<Value>)),
            tokio::task::JoinError,
        >,
    ) -> Option<(usize, Result<Value>)> {
        match joined {
            Ok((id, (index, result))) => {
                self.running.remove(&id);
                Some((index, result))
            }
            Err(e) => {
                // Every task is registered when spawned.
                let index = self.running.remove(&e.id())?;
                let error = if e.is_panic() {
                    crate::queue::panicked(e.into_panic())
                } else {
                    Error::Cancelled
                };
                Some((index, Err(error)))
            }
        }
    }

    fn unfinished_labels(&self) -> Vec<String> {
        self.jobs
            .iter()
            .filter(|j| !j.is_forever() && !matches!(j.state(), JobState::Done))
            .map(|j| j.label().to_owned())
            .collect()
    }

    /// Cancels every running job and waits until they have stopped. Jobs
    /// that finished meanwhile keep their result.
    async fn abort(&mut self) {
        self.tasks.abort_all();
        while let Some(joined) = self.tasks.join_next_with_id().await {
            let cancelled = matches!(&joined, Err(e) if e.is_cancelled());
            let Some((index, result)) = self.take(joined) else {
                continue;
            };
            let jobs = self.jobs;
            let job = &jobs[index];
            if cancelled {
                job.finish(JobState::Cancelled, Err(Error::Cancelled));
                self.events.emit(|| Event::Cancelled { job: info(job) });
            } else {
                job.finish(JobState::Done, result);
            }
        }
        for index in self.ready.drain(..) {
            self.jobs[index].set_state(JobState::Idle);
        }
        self.guard.armed = false;
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
