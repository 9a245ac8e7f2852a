//! [`ClusterQueue`]: the coordinator's side, shaped like the local
//! [`Queue`](oxscript_jobs::queue::Queue): `run`, `join`, `subscribe`,
//! a [`Logger`] filled from the workers' results and logs.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use oxscript_core::sync::lock;

use async_nats::jetstream::{consumer, kv, message::PublishMessage};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use oxscript_core::Host;
use oxscript_jobs::events::{EVENT_CAPACITY, Event, JobInfo};
use oxscript_jobs::graph::Job;
use oxscript_jobs::log::{LogHandle, Logger};
use oxscript_jobs::queue::IntoHosts;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::names::{check_token, job_key, job_of_subject, new_run_id, now_millis};
use crate::remote_error::error_from_chain;
use crate::wire::{
    self, Event as WireEvent, JobArgs, JobResult, LogChunk, LogEvent, Outcome, RunRecord, RunState,
    WIRE_VERSION, WireHost, WorkItem,
};

/// How many work items may wait for the server's acknowledgement at once.
const PUBLISH_WINDOW: usize = 4096;
/// How often the run's record (counts) is rewritten while it changes.
const RECORD_INTERVAL: Duration = Duration::from_secs(1);

/// Settings of a [`ClusterQueue`].
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    /// The site of hosts that have no `site` variable. Without it, such
    /// hosts are refused by [`ClusterQueue::run`].
    pub default_site: Option<String>,
    /// Where the jobs' logs go (as for a local queue): transcripts and
    /// messages streamed back by the workers, ends and errors from the
    /// results.
    pub logger: Option<Logger>,
    /// Session caps to set on sites before anything is queued.
    pub site_caps: BTreeMap<String, usize>,
}

impl ClusterOptions {
    /// Options sending hosts without `site` variable to `site`.
    pub fn for_site(site: impl Into<String>) -> ClusterOptions {
        ClusterOptions {
            default_site: Some(site.into()),
            ..ClusterOptions::default()
        }
    }
}

/// A job of a run: the run's id and the job's number in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobKey {
    /// The run.
    pub run: String,
    /// The job's number, from 1.
    pub job: u64,
}

impl fmt::Display for JobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.run, self.job)
    }
}

/// Where a remote job is.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RemoteStatus {
    /// Queued or running on a worker.
    Pending,
    /// Finished successfully.
    Succeeded {
        /// Its result.
        result: Box<JobResult>,
    },
    /// Failed on its last attempt.
    Failed {
        /// The error (the worker's, with its causes).
        error: oxscript_jobs::Error,
        /// Its result (`None` when it never reached a worker).
        result: Option<Box<JobResult>>,
    },
    /// Cancelled.
    Cancelled,
    /// A non-idempotent job whose worker died while running it: not run
    /// again, its effect on the device is unknown.
    UnknownOutcome {
        /// Why.
        reason: String,
        /// Its result.
        result: Box<JobResult>,
    },
}

impl RemoteStatus {
    /// Whether the job has finished (in any way).
    pub fn is_finished(&self) -> bool {
        !matches!(self, RemoteStatus::Pending)
    }

    /// The result the worker wrote, when there is one.
    pub fn result(&self) -> Option<&JobResult> {
        match self {
            RemoteStatus::Succeeded { result } | RemoteStatus::UnknownOutcome { result, .. } => {
                Some(result)
            }
            RemoteStatus::Failed { result, .. } => result.as_deref(),
            RemoteStatus::Pending | RemoteStatus::Cancelled => None,
        }
    }
}

/// Counters of a [`ClusterQueue`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterStats {
    /// Jobs queued.
    pub queued: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Jobs that failed.
    pub failed: u64,
    /// Jobs cancelled.
    pub cancelled: u64,
    /// Non-idempotent jobs whose outcome is unknown.
    pub unknown_outcome: u64,
    /// Results that came from a second or later delivery of their item
    /// (a worker died or gave the item back).
    pub redelivered: u64,
    /// Results received again for a finished job (dropped).
    pub duplicate_results: u64,
    /// Log chunks received after their job's result (dropped).
    pub late_log_chunks: u64,
    /// Messages that could not be decoded (dropped, with a warning).
    pub bad_messages: u64,
}

struct JobEntry {
    name: String,
    status: RemoteStatus,
    /// Log handles per (delivery, attempt), with whether they ended.
    logs: BTreeMap<(u64, u32), (LogHandle, bool)>,
    /// The first logger attempt number of each delivery, minus one.
    attempt_base: HashMap<u64, u32>,
    /// The highest logger attempt number given out.
    last_attempt: u32,
    waiters: Vec<oneshot::Sender<RemoteStatus>>,
}

struct State {
    next_job: u64,
    jobs: HashMap<u64, JobEntry>,
    stats: ClusterStats,
    finished: usize,
    record_dirty: bool,
    cancelled: bool,
}

struct Shared {
    cluster: Cluster,
    run: String,
    options: ClusterOptions,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    /// Jobs queued and not finished.
    active: watch::Sender<usize>,
    publish: mpsc::UnboundedSender<(u64, String, WorkItem)>,
    created_ms: u64,
    coordinator: String,
}

/// The coordinator of one run: hands jobs to the workers of their sites
/// and collects what comes back; see the [crate docs](crate).
///
/// Clones are handles to the same run; background tasks stop when the
/// last handle is dropped.
#[derive(Clone)]
pub struct ClusterQueue {
    shared: Arc<Shared>,
    _stop: Arc<DropGuard>,
}

impl fmt::Debug for ClusterQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterQueue")
            .field("run", &self.shared.run)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl ClusterQueue {
    /// Starts a new run on `cluster`: records it, sets the site caps of
    /// `options` and starts listening for its results.
    pub async fn new(cluster: &Cluster, options: ClusterOptions) -> Result<ClusterQueue> {
        if let Some(site) = &options.default_site {
            check_token("site", site)?;
        }
        for (site, cap) in &options.site_caps {
            cluster.set_site_cap(site, Some(*cap)).await?;
        }
        let run = new_run_id();
        let inner = cluster.inner();
        // Subscribe before anything is published: every event of the run is seen.
        let consumer = inner
            .events
            .create_consumer(consumer::pull::OrderedConfig {
                filter_subject: inner.names.run_events_filter(&run),
                ..Default::default()
            })
            .await
            .map_err(crate::error::nats(format!(
                "subscribing to the results of run `{run}`"
            )))?;
        let messages = consumer
            .messages()
            .await
            .map_err(crate::error::nats(format!(
                "subscribing to the results of run `{run}`"
            )))?;
        let coordinator = format!(
            "{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "coordinator".to_owned()),
            std::process::id()
        );
        let (publish, publish_rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let shared = Arc::new(Shared {
            cluster: cluster.clone(),
            run,
            options,
            state: Mutex::new(State {
                next_job: 1,
                jobs: HashMap::new(),
                stats: ClusterStats::default(),
                finished: 0,
                record_dirty: true,
                cancelled: false,
            }),
            events,
            active: watch::channel(0).0,
            publish,
            created_ms: now_millis(),
            coordinator,
        });
        cluster.put_run_record(&shared.record()).await?;
        let stop = CancellationToken::new();
        tokio::spawn(event_loop(Arc::clone(&shared), messages, stop.clone()));
        tokio::spawn(publisher(Arc::clone(&shared), publish_rx, stop.clone()));
        tokio::spawn(record_writer(Arc::clone(&shared), stop.clone()));
        match cluster.inner().runs.watch(&shared.run).await {
            Ok(watch) => {
                tokio::spawn(watch_cancellation(Arc::clone(&shared), watch, stop.clone()));
            }
            Err(e) => tracing::warn!(
                run = %shared.run,
                error = %e,
                "cannot follow the run's record: a cancellation by `oxscript cluster cancel` will not end this queue's jobs"
            ),
        }
        Ok(ClusterQueue {
            shared,
            _stop: Arc::new(stop.drop_guard()),
        })
    }

    /// The run's id.
    pub fn run_id(&self) -> &str {
        &self.shared.run
    }

    /// The logger, if one was configured.
    pub fn logger(&self) -> Option<&Logger> {
        self.shared.options.logger.as_ref()
    }

    /// Queues the registered job `job_name` with `args` for each host, on
    /// the site the host's `site` variable names (else the default site).
    /// Returns the jobs' keys, one per host, in order. Like
    /// [`Queue::run`](oxscript_jobs::queue::Queue::run), this returns at
    /// once; the items are published in the background (a job that could
    /// not be published fails with the reason).
    pub fn run(
        &self,
        hosts: impl IntoHosts,
        job_name: &str,
        args: &JobArgs,
    ) -> Result<Vec<JobKey>> {
        let hosts = hosts.into_hosts()?;
        let mut routed = Vec::with_capacity(hosts.len());
        for host in hosts {
            let site = match host.get_first("site") {
                Some(site) => site.to_owned(),
                None => self.shared.options.default_site.clone().ok_or_else(|| {
                    Error::BadArguments {
                        name: job_name.to_owned(),
                        reason: format!(
                            "host `{}` has no `site` variable and the queue has no default site",
                            host.name()
                        ),
                    }
                })?,
            };
            check_token("site", &site)?;
            routed.push((site, host));
        }
        self.add(routed, job_name, args)
    }

    /// Like [`run`](ClusterQueue::run), every host on `site`.
    pub fn run_on(
        &self,
        site: &str,
        hosts: impl IntoHosts,
        job_name: &str,
        args: &JobArgs,
    ) -> Result<Vec<JobKey>> {
        check_token("site", site)?;
        let routed = hosts
            .into_hosts()?
            .into_iter()
            .map(|h| (site.to_owned(), h))
            .collect();
        self.add(routed, job_name, args)
    }

    fn add(
        &self,
        routed: Vec<(String, Host)>,
        job_name: &str,
        args: &JobArgs,
    ) -> Result<Vec<JobKey>> {
        let shared = &self.shared;
        let mut keys = Vec::with_capacity(routed.len());
        let mut queued = Vec::with_capacity(routed.len());
        {
            let mut st = lock(&shared.state);
            for (site, host) in routed {
                let job = st.next_job;
                st.next_job += 1;
                let name = host.name().to_owned();
                st.jobs.insert(
                    job,
                    JobEntry {
                        name: name.clone(),
                        status: RemoteStatus::Pending,
                        logs: BTreeMap::new(),
                        attempt_base: HashMap::new(),
                        last_attempt: 0,
                        waiters: Vec::new(),
                    },
                );
                st.stats.queued += 1;
                st.record_dirty = true;
                let item = WorkItem {
                    v: WIRE_VERSION,
                    run: shared.run.clone(),
                    job,
                    name: job_name.to_owned(),
                    args: args.clone(),
                    host: WireHost::from_host(&host),
                };
                queued.push((job, site, item, name));
                keys.push(JobKey {
                    run: shared.run.clone(),
                    job,
                });
            }
            shared.active.send_modify(|n| *n += queued.len());
        }
        for (job, site, item, name) in queued {
            shared.emit(Event::Queued {
                job: JobInfo {
                    id: job,
                    name: name.clone(),
                    host: Some(name),
                },
            });
            let _ = shared.publish.send((job, site, item));
        }
        Ok(keys)
    }

    /// Where a job is (`None` for a key of another run or never given out).
    pub fn status(&self, key: &JobKey) -> Option<RemoteStatus> {
        if key.run != self.shared.run {
            return None;
        }
        lock(&self.shared.state)
            .jobs
            .get(&key.job)
            .map(|e| e.status.clone())
    }

    /// Waits until the job has finished and returns how (`None` for a key
    /// this queue never gave out).
    pub async fn finished(&self, key: &JobKey) -> Option<RemoteStatus> {
        if key.run != self.shared.run {
            return None;
        }
        let rx = {
            let mut st = lock(&self.shared.state);
            let entry = st.jobs.get_mut(&key.job)?;
            if entry.status.is_finished() {
                return Some(entry.status.clone());
            }
            let (tx, rx) = oneshot::channel();
            entry.waiters.push(tx);
            rx
        };
        rx.await.ok()
    }

    /// The run's counters.
    pub fn stats(&self) -> ClusterStats {
        lock(&self.shared.state).stats
    }

    /// Whether no job is pending.
    pub fn is_completed(&self) -> bool {
        *self.shared.active.borrow() == 0
    }

    /// Events about the run's jobs: `queued` when a job is queued, then
    /// `succeeded`, `failed` (unknown outcomes included, with their
    /// reason) or `cancelled` when its result arrives, and `progress`.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    /// Waits until every job queued so far has a result, marks the run
    /// finished, then waits until the logger (if any) has written
    /// everything; fails only if log files could not be written.
    pub async fn join(&self) -> Result<()> {
        let mut rx = self.shared.active.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
        let mut record = self.shared.record();
        if record.state == RunState::Running {
            record.state = RunState::Finished;
        }
        if let Err(e) = self.shared.cluster.put_run_record(&record).await {
            tracing::warn!(run = %self.shared.run, error = %e, "could not record the end of the run");
        }
        match &self.shared.options.logger {
            Some(logger) => Ok(logger.flush().await?),
            None => Ok(()),
        }
    }

    /// Cancels the run: workers stop its running jobs, items still queued
    /// are removed, and every job without a result yet is recorded as
    /// cancelled (a worker's result recorded first still stands). The
    /// results reach this queue like every other result: [`join`](Self::join)
    /// returns once they have.
    pub async fn cancel(&self) -> Result<()> {
        let shared = &self.shared;
        lock(&shared.state).cancelled = true;
        let removed = shared.cluster.cancel_run(&shared.run).await?;
        tracing::info!(run = %shared.run, removed, "run cancelled");
        shared.record_open_jobs_cancelled().await
    }

    /// A graph job that runs the registered job `job_name` with `args` on
    /// `host` through the cluster: the graph stays here, on the
    /// coordinator, and the job becomes a work item when the scheduler
    /// starts it (once its requirements are done). It fails with the
    /// remote job's error (unknown outcomes and cancellations included).
    ///
    /// ```no_run
    /// # async fn demo(queue: oxscript_cluster::ClusterQueue, r1: oxscript_core::Host) -> oxscript_jobs::Result<()> {
    /// use oxscript_jobs::graph::{Job, Scheduler};
    ///
    /// let scheduler = Scheduler::new();
    /// let args = [("commands".to_owned(), "show version".to_owned())].into();
    /// let check = scheduler.add(queue.remote_job("check r1", r1.clone(), "execute", &args));
    /// let config = [("commands".to_owned(), "ntp server 192.0.2.1".to_owned())].into();
    /// scheduler.add(queue.remote_job("configure r1", r1, "configure", &config).requires(&check));
    /// scheduler.run().await?;
    /// # Ok(()) }
    /// ```
    pub fn remote_job(
        &self,
        label: impl Into<String>,
        host: Host,
        job_name: &str,
        args: &JobArgs,
    ) -> Job {
        let queue = self.clone();
        let job_name = job_name.to_owned();
        let args = args.clone();
        Job::new(label, move || {
            let queue = queue.clone();
            let host = host.clone();
            let job_name = job_name.clone();
            let args = args.clone();
            remote_job_body(queue, host, job_name, args)
        })
    }
}

async fn remote_job_body(
    queue: ClusterQueue,
    host: Host,
    job_name: String,
    args: JobArgs,
) -> oxscript_jobs::Result<oxscript_jobs::Value> {
    let keys = queue
        .run(host, &job_name, &args)
        .map_err(oxscript_jobs::Error::other)?;
    let Some(key) = keys.into_iter().next() else {
        return Err(oxscript_jobs::Error::msg("no job was queued"));
    };
    match queue.finished(&key).await {
        Some(RemoteStatus::Succeeded { .. }) => Ok(oxscript_jobs::Value::None),
        Some(RemoteStatus::Failed { error, .. }) => Err(error),
        Some(RemoteStatus::UnknownOutcome { reason, .. }) => Err(oxscript_jobs::Error::msg(
            format!("unknown outcome: {reason}"),
        )),
        Some(RemoteStatus::Cancelled) => Err(oxscript_jobs::Error::Cancelled),
        Some(RemoteStatus::Pending) | None => {
            Err(oxscript_jobs::Error::msg(format!("job {key} was lost")))
        }
    }
}

impl Shared {
    /// Records every job without a result as cancelled (a result recorded
    /// first stands); the results arrive as events.
    async fn record_open_jobs_cancelled(&self) -> Result<()> {
        let open: Vec<u64> = lock(&self.state)
            .jobs
            .iter()
            .filter(|(_, e)| !e.status.is_finished())
            .map(|(job, _)| *job)
            .collect();
        let mut writes = FuturesUnordered::new();
        for job in open {
            let result = self.decided_here(job, Outcome::Cancelled);
            writes.push(async move {
                let written = self.cluster.record_result(&result).await;
                (job, written)
            });
        }
        while let Some((job, written)) = writes.next().await {
            if let Err(e) = written {
                tracing::warn!(run = %self.run, job, error = %e, "could not record the job as cancelled");
                return Err(e);
            }
        }
        Ok(())
    }

    fn emit(&self, event: Event) {
        if self.events.receiver_count() > 0 {
            let _ = self.events.send(event);
        }
    }

    fn record(&self) -> RunRecord {
        let st = lock(&self.state);
        RunRecord {
            v: WIRE_VERSION,
            run: self.run.clone(),
            state: if st.cancelled {
                RunState::Cancelled
            } else {
                RunState::Running
            },
            coordinator: self.coordinator.clone(),
            created_ms: self.created_ms,
            updated_ms: now_millis(),
            total: st.stats.queued,
            succeeded: st.stats.succeeded,
            failed: st.stats.failed,
            cancelled: st.stats.cancelled,
            unknown: st.stats.unknown_outcome,
            redelivered: st.stats.redelivered,
        }
    }

    /// Writes a log chunk into the job's log.
    fn log_chunk(&self, chunk: LogChunk) {
        let Some(logger) = &self.options.logger else {
            return;
        };
        let mut st = lock(&self.state);
        let Some(entry) = st.jobs.get_mut(&chunk.job) else {
            return;
        };
        if entry.status.is_finished() {
            st.stats.late_log_chunks += 1;
            return;
        }
        let handle = entry.handle(logger, chunk.job, chunk.delivered, chunk.attempt);
        for event in &chunk.events {
            match event {
                LogEvent::Message(text) => handle.message(text),
                data => match data.bytes() {
                    Some(bytes) => handle.write(&bytes),
                    None => tracing::warn!(
                        job = chunk.job,
                        "log chunk with invalid base64 data dropped"
                    ),
                },
            }
        }
    }

    /// Records a job's result: ends its logs, sets its status, counts it,
    /// tells waiters and subscribers.
    fn finish(&self, result: JobResult) {
        let job = result.job;
        let (status, waiters, name, progress) = {
            let mut st = self.lock_state();
            let Some(entry) = st.jobs.get_mut(&job) else {
                return;
            };
            if entry.status.is_finished() {
                st.stats.duplicate_results += 1;
                return;
            }
            if let Some(logger) = &self.options.logger {
                entry.end_logs(logger, job, &result);
            }
            let status = status_of(result);
            entry.status = status.clone();
            let waiters = std::mem::take(&mut entry.waiters);
            let name = entry.name.clone();
            let stats = &mut st.stats;
            match &status {
                RemoteStatus::Succeeded { .. } => stats.succeeded += 1,
                RemoteStatus::Failed { .. } => stats.failed += 1,
                RemoteStatus::Cancelled => stats.cancelled += 1,
                RemoteStatus::UnknownOutcome { .. } => stats.unknown_outcome += 1,
                RemoteStatus::Pending => {}
            }
            if status.result().is_some_and(|r| r.delivered > 1) {
                stats.redelivered += 1;
            }
            st.finished += 1;
            st.record_dirty = true;
            let progress = (st.finished, st.stats.queued as usize);
            (status, waiters, name, progress)
        };
        self.active.send_modify(|n| *n = n.saturating_sub(1));
        for waiter in waiters {
            let _ = waiter.send(status.clone());
        }
        let info = JobInfo {
            id: job,
            name: name.clone(),
            host: Some(name),
        };
        let attempt = status
            .result()
            .map_or(1, |r| r.attempts.len().max(1) as u32);
        self.emit(match status {
            RemoteStatus::Succeeded { .. } => Event::Succeeded { job: info, attempt },
            RemoteStatus::Failed { error, .. } => Event::Failed {
                job: info,
                attempt,
                error,
                will_retry: false,
            },
            RemoteStatus::UnknownOutcome { reason, .. } => Event::Failed {
                job: info,
                attempt,
                error: oxscript_jobs::Error::msg(format!("unknown outcome: {reason}")),
                will_retry: false,
            },
            RemoteStatus::Cancelled | RemoteStatus::Pending => Event::Cancelled { job: info },
        });
        self.emit(Event::Progress {
            finished: progress.0,
            total: progress.1,
        });
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// A job that could not be published fails with the reason.
    fn publish_failed(&self, job: u64, error: &Error) {
        let outcome = Outcome::Failed {
            error: vec![format!("could not queue the job: {error}")],
        };
        self.finish(self.decided_here(job, outcome));
    }

    /// The result of a job decided by the coordinator, not run anywhere.
    fn decided_here(&self, job: u64, outcome: Outcome) -> JobResult {
        let now = now_millis();
        JobResult {
            v: WIRE_VERSION,
            run: self.run.clone(),
            job,
            outcome,
            attempts: Vec::new(),
            worker: self.coordinator.clone(),
            site: String::new(),
            delivered: 0,
            started_ms: now,
            ended_ms: now,
        }
    }
}

fn status_of(result: JobResult) -> RemoteStatus {
    match &result.outcome {
        Outcome::Succeeded => RemoteStatus::Succeeded {
            result: Box::new(result),
        },
        Outcome::Failed { error } => RemoteStatus::Failed {
            error: error_from_chain(error),
            result: Some(Box::new(result)),
        },
        Outcome::Cancelled => RemoteStatus::Cancelled,
        Outcome::UnknownOutcome { reason } => RemoteStatus::UnknownOutcome {
            reason: reason.clone(),
            result: Box::new(result),
        },
    }
}

impl JobEntry {
    /// The log of attempt `attempt` of delivery `delivered`, started on
    /// first use with the next logger attempt number.
    fn handle(&mut self, logger: &Logger, job: u64, delivered: u64, attempt: u32) -> LogHandle {
        let last = self.last_attempt;
        let base = *self.attempt_base.entry(delivered).or_insert(last);
        let number = base + attempt.max(1);
        let name = &self.name;
        let (handle, _) = self
            .logs
            .entry((delivered, attempt))
            .or_insert_with(|| (logger.start(job, name, Some(name), number), false));
        self.last_attempt = self.last_attempt.max(number);
        handle.clone()
    }

    /// Ends the logs of a job whose result arrived.
    fn end_logs(&mut self, logger: &Logger, job: u64, result: &JobResult) {
        // Attempts of deliveries that never reported (their worker died).
        for ((delivered, _), (handle, ended)) in &mut self.logs {
            if *delivered != result.delivered && !*ended {
                handle.failed(&oxscript_jobs::Error::msg(format!(
                    "worker lost: delivery {delivered} of this job ended without a result"
                )));
                *ended = true;
            }
        }
        for record in &result.attempts {
            let handle = self.handle(logger, job, result.delivered, record.attempt);
            match &record.error {
                Some(chain) => handle.failed(&error_from_chain(chain)),
                None => handle.succeeded(),
            }
            if let Some((_, ended)) = self.logs.get_mut(&(result.delivered, record.attempt)) {
                *ended = true;
            }
        }
        if result.attempts.is_empty() {
            // Decided without running (unknown outcome, cancelled, refused):
            // one log entry says why, so reports count the job.
            let error = match &result.outcome {
                Outcome::UnknownOutcome { reason } => {
                    oxscript_jobs::Error::msg(format!("unknown outcome: {reason}"))
                }
                Outcome::Failed { error } => error_from_chain(error),
                Outcome::Cancelled => oxscript_jobs::Error::Cancelled,
                Outcome::Succeeded => return,
            };
            self.handle(logger, job, result.delivered, 1).failed(&error);
        }
    }
}

/// Reads the run's events: log chunks and results.
async fn event_loop(
    shared: Arc<Shared>,
    mut messages: consumer::pull::Ordered,
    stop: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            () = stop.cancelled() => return,
            next = messages.next() => next,
        };
        let message = match next {
            Some(Ok(m)) => m,
            Some(Err(e)) => {
                // The ordered consumer recreates itself after errors.
                tracing::warn!(run = %shared.run, error = %e, "reading results");
                continue;
            }
            None => {
                tracing::warn!(run = %shared.run, "the results subscription ended");
                return;
            }
        };
        let subject = message.subject.as_str();
        match wire::decode_event(subject, &message.payload) {
            Ok(WireEvent::Log(chunk)) if chunk.run == shared.run => shared.log_chunk(chunk),
            Ok(WireEvent::Result(result)) if result.run == shared.run => shared.finish(result),
            Ok(_) => {
                tracing::warn!(run = %shared.run, subject, "event of another run ignored");
                shared.lock_state().stats.bad_messages += 1;
            }
            Err(e) => {
                tracing::warn!(run = %shared.run, job = ?job_of_subject(subject), error = %e, "undecodable event ignored");
                shared.lock_state().stats.bad_messages += 1;
            }
        }
    }
}

/// Publishes work items, a window of them awaiting the server's ack.
async fn publisher(
    shared: Arc<Shared>,
    mut items: mpsc::UnboundedReceiver<(u64, String, WorkItem)>,
    stop: CancellationToken,
) {
    let inner = shared.cluster.inner();
    let mut acks = FuturesUnordered::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            Some((job, result)) = acks.next(), if !acks.is_empty() => {
                let result: Result<()> = result;
                if let Err(e) = result {
                    tracing::warn!(run = %shared.run, job, error = %e, "work item not queued");
                    shared.publish_failed(job, &e);
                }
            }
            item = items.recv(), if acks.len() < PUBLISH_WINDOW => {
                let Some((job, site, item)) = item else { return };
                let subject = inner.names.work_subject(&site, &shared.run);
                let id = job_key(&shared.run, job);
                let payload = wire::encode(&item);
                let js = inner.js.clone();
                // Published now, in order; the ack is awaited in the window.
                let sent = js
                    .send_publish(subject.clone(), PublishMessage::build().payload(payload.clone()).message_id(&id))
                    .await;
                acks.push(async move {
                    let mut sent = sent;
                    // A lost ack is retried with the same id: the server drops the copy.
                    for attempt in 1..=3 {
                        let outcome = match sent {
                            Ok(ack) => ack.await.map(|_| ()).map_err(|e| Error::nats(format!("queueing job {id}"), e)),
                            Err(e) => Err(Error::nats(format!("queueing job {id}"), e)),
                        };
                        match outcome {
                            Ok(()) => return (job, Ok(())),
                            Err(e) if attempt == 3 => return (job, Err(e)),
                            Err(_) => {
                                sent = js
                                    .send_publish(subject.clone(), PublishMessage::build().payload(payload.clone()).message_id(&id))
                                    .await;
                            }
                        }
                    }
                    (job, Ok(()))
                });
            }
        }
    }
}

/// Ends the queue's jobs when someone else cancels the run (`oxscript
/// cluster cancel`, [`Cluster::cancel_run`]): without this, the jobs
/// whose items were removed would never get a result.
async fn watch_cancellation(shared: Arc<Shared>, mut watch: kv::Watch, stop: CancellationToken) {
    loop {
        let entry = tokio::select! {
            () = stop.cancelled() => return,
            entry = watch.next() => entry,
        };
        match entry {
            Some(Ok(entry)) => {
                let cancelled = wire::decode::<RunRecord>("run record", &entry.key, &entry.value)
                    .is_ok_and(|r| r.state == RunState::Cancelled);
                let first =
                    cancelled && !std::mem::replace(&mut lock(&shared.state).cancelled, true);
                if first {
                    tracing::info!(run = %shared.run, "run cancelled elsewhere: recording its open jobs as cancelled");
                    lock(&shared.state).record_dirty = true;
                    if let Err(e) = shared.record_open_jobs_cancelled().await {
                        tracing::warn!(run = %shared.run, error = %e, "open jobs not all recorded as cancelled");
                    }
                }
            }
            Some(Err(e)) => {
                tracing::warn!(run = %shared.run, error = %e, "following the run's record")
            }
            None => {
                tracing::warn!(run = %shared.run, "the run record's watch ended: a cancellation elsewhere will not end this queue's jobs");
                return;
            }
        }
    }
}

/// Rewrites the run's record while its counts change.
async fn record_writer(shared: Arc<Shared>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(RECORD_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let dirty = std::mem::take(&mut shared.lock_state().record_dirty);
        if dirty && let Err(e) = shared.cluster.put_run_record(&shared.record()).await {
            tracing::debug!(run = %shared.run, error = %e, "could not update the run record");
        }
    }
}
