//! [`Worker`]: pulls its site's work items, runs them in a local
//! [`Queue`], streams their logs back and records their results.

mod logs;
mod rate;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use oxscript_core::sync::lock;

use async_nats::jetstream::{AckKind, Message, consumer, kv};
use futures::{FutureExt, StreamExt};
use oxscript_core::{Account, AccountPool, Host};
use oxscript_jobs::log::Logger;
use oxscript_jobs::queue::{JobStatus, Queue, QueueOptions};
use oxscript_transport::{LinkKind, Session, SessionOptions};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use rate::LoginRate;

use crate::cluster::{Cluster, ClusterConfig};
use crate::error::{Error, Result};
use crate::names::{check_token, job_key, now_millis};
use crate::registry::{Idempotence, JobRegistry};
use crate::wire::{
    self, JobResult, Outcome, RunRecord, RunState, WIRE_VERSION, WorkItem, WorkerRecord,
};
use logs::{LogStream, Route};
use rate::TokenBucket;

/// How often a worker writes its heartbeat.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Settings of a [`Worker`]. Build with struct-update syntax from
/// [`WorkerOptions::new`].
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// The site whose items this worker runs.
    pub site: String,
    /// How many jobs run at once (the local queue's connections); the
    /// worker never holds more items than that.
    pub slots: usize,
    /// The worker's id in results and status (default: host name and
    /// process id).
    pub id: Option<String>,
    /// The local queue's settings (sessions, attempts, login attempts,
    /// default domain, driver); its `max_connections` and `logger` are
    /// the worker's own.
    pub queue: QueueOptions,
    /// The accounts of the worker's account file: hosts that name an
    /// account get it by name, the others take one from all of them (each
    /// may serve every slot at once).
    pub accounts: Vec<Account>,
    /// Paces job starts (each starts with a login), if set.
    pub login_rate: Option<LoginRate>,
    /// How long a pull request waits for items. Default 5 s.
    pub pull_expiry: Duration,
    /// How often buffered log data is sent. Default 200 ms.
    pub log_interval: Duration,
    /// Log data buffered per attempt before a chunk is sent at once.
    /// Default 32 KiB.
    pub log_chunk_bytes: usize,
}

impl WorkerOptions {
    /// A worker of `site` running `slots` jobs at once, other settings
    /// at their defaults.
    pub fn new(site: impl Into<String>, slots: usize) -> WorkerOptions {
        WorkerOptions {
            site: site.into(),
            slots,
            id: None,
            queue: QueueOptions::default(),
            accounts: Vec::new(),
            login_rate: None,
            pull_expiry: Duration::from_secs(5),
            log_interval: Duration::from_millis(200),
            log_chunk_bytes: 32 * 1024,
        }
    }
}

/// What a worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerStats {
    /// Items handled (a result was written or found).
    pub handled: u64,
    /// Jobs run that succeeded.
    pub succeeded: u64,
    /// Jobs that failed (run or refused).
    pub failed: u64,
    /// Jobs cancelled.
    pub cancelled: u64,
    /// Non-idempotent jobs not run again after a lost delivery.
    pub unknown_outcome: u64,
    /// Items received on a second or later delivery.
    pub redelivered: u64,
    /// Redelivered items whose result already existed (acknowledged at once).
    pub already_done: u64,
    /// Results that lost to one written first by another delivery.
    pub lost_races: u64,
}

/// A worker: pulls its site's work items, runs them in a local
/// [`Queue`], streams their logs back and records their results (run it
/// with [`Worker::run`]).
///
/// Per item, in order: the run is checked (a cancelled run's items are
/// recorded as cancelled); on a redelivery, an item whose job has a
/// result is acknowledged without running anything; a non-idempotent
/// job is claimed first (a claim left by an earlier delivery that never
/// reported means the job may have done its work: its result is
/// [`Outcome::UnknownOutcome`], and it is not run again); the job runs,
/// with in-progress signals to the server every quarter of the site
/// consumer's `ack_wait`; its log chunks are stored, then its result is
/// recorded (the first result recorded for a job stands), then the item
/// is acknowledged.
///
/// The server takes a worker that sends nothing for `ack_wait` for dead
/// and hands its items out again, to this worker or another one of the
/// site, while the first delivery may still run: the site then has one
/// session more than its cap, and a non-idempotent job ends as
/// [`Outcome::UnknownOutcome`]. So nothing may freeze the worker's
/// runtime that long. The one known freeze is the first use of the
/// built-in driver catalog, which compiles every driver's patterns (one
/// runtime thread compiles, the others wait for it; seconds in a debug
/// build on a busy machine): [`Worker::run`] opens a Session over an
/// in-memory pipe before its first pull. A worker that finds it was
/// frozen longer than `ack_wait` while holding an item says so
/// (warning), and a delivery of an item still running on this worker is
/// left to the running one.
pub struct Worker {
    shared: Arc<Shared>,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.shared.id)
            .field("site", &self.shared.options.site)
            .field("slots", &self.shared.options.slots)
            .finish_non_exhaustive()
    }
}

struct Shared {
    cluster: Cluster,
    registry: JobRegistry,
    options: WorkerOptions,
    id: String,
    queue: Queue,
    logs: Arc<LogStream>,
    accounts: HashMap<String, Account>,
    bucket: Option<TokenBucket>,
    runs: Mutex<HashMap<String, CancellationToken>>,
    /// Jobs running here (`<run>.<job>`): a redelivery of one of them
    /// (after this worker was frozen longer than `ack_wait`) is left
    /// alone, its first delivery still reports.
    in_flight: Mutex<std::collections::HashSet<String>>,
    stats: Mutex<WorkerStats>,
    running: AtomicUsize,
    slots: Arc<Semaphore>,
    /// The site consumer's delivery settings, as the server has them.
    delivery: Mutex<Delivery>,
    /// Wakes the pull loop: a slot was freed or a pull request ended.
    room: Notify,
    pulls: AtomicUsize,
    stop: CancellationToken,
}

/// What to tell the server about an item.
enum Reply {
    Ack,
    /// Say nothing: the delivery running here answers for the item.
    Leave,
    Nak(Option<Duration>),
    Term,
}

impl Worker {
    /// A worker of `cluster` running the jobs of `registry`.
    pub fn new(cluster: &Cluster, registry: JobRegistry, options: WorkerOptions) -> Result<Worker> {
        check_token("site", &options.site)?;
        let slots = options.slots.max(1);
        let id = options.id.clone().unwrap_or_else(|| {
            format!(
                "{}-{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned()),
                std::process::id()
            )
        });
        let inner = cluster.inner();
        let (logs, publish_logs) = LogStream::new(
            inner.js.clone(),
            inner.names.clone(),
            options.log_chunk_bytes,
        );
        tokio::spawn(publish_logs);
        let queue = Queue::new(QueueOptions {
            max_connections: slots,
            logger: Some(Logger::with_observer(false, logs.clone())),
            ..options.queue.clone()
        });
        if !options.accounts.is_empty() {
            let pool = options
                .accounts
                .iter()
                .flat_map(|a| std::iter::repeat_n(a.clone(), slots))
                .collect::<Vec<_>>();
            queue.add_account_pool(AccountPool::from_accounts(pool), None);
        }
        let accounts = options
            .accounts
            .iter()
            .map(|a| (a.name().to_owned(), a.clone()))
            .collect();
        let bucket = options.login_rate.map(TokenBucket::new);
        Ok(Worker {
            shared: Arc::new(Shared {
                cluster: cluster.clone(),
                registry,
                id,
                queue,
                logs,
                accounts,
                bucket,
                runs: Mutex::new(HashMap::new()),
                in_flight: Mutex::new(std::collections::HashSet::new()),
                stats: Mutex::new(WorkerStats::default()),
                running: AtomicUsize::new(0),
                slots: Arc::new(Semaphore::new(slots)),
                delivery: Mutex::new(Delivery::of_config(cluster.config())),
                room: Notify::new(),
                pulls: AtomicUsize::new(0),
                stop: CancellationToken::new(),
                options,
            }),
        })
    }

    /// The worker's id.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// What the worker did so far.
    pub fn stats(&self) -> WorkerStats {
        *self.shared.lock_stats()
    }

    /// Pulls and runs items until `shutdown` completes, then stops pulling,
    /// gives back the items it holds that have not started, waits for its
    /// running jobs to finish and report, and returns its counters.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<WorkerStats> {
        let shared = &self.shared;
        let consumer = shared.cluster.site_consumer(&shared.options.site).await?;
        shared.set_delivery(Delivery::of_consumer(&consumer.cached_info().config));
        warm_up(&shared.options.queue.session).await;
        let tasks = TaskTracker::new();
        tasks.spawn(watch_runs(Arc::clone(shared)));
        tasks.spawn(heartbeat(Arc::clone(shared), consumer.clone()));
        tasks.spawn(flush_logs(Arc::clone(shared)));
        let jobs = TaskTracker::new();
        tracing::info!(worker = %shared.id, site = %shared.options.site, slots = shared.options.slots, "worker started");
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                () = shared.wait_for_room() => {}
            }
            let free = shared.slots.available_permits();
            let Ok(permits) = Arc::clone(&shared.slots).try_acquire_many_owned(free as u32) else {
                continue;
            };
            shared.pulls.fetch_add(1, Ordering::AcqRel);
            jobs.spawn(pull(
                Arc::clone(shared),
                consumer.clone(),
                permits,
                free,
                jobs.clone(),
            ));
        }
        tracing::info!(worker = %shared.id, "worker stopping: waiting for its running jobs");
        shared.stop.cancel();
        jobs.close();
        jobs.wait().await;
        tasks.close();
        tasks.wait().await;
        let key = shared.id.clone();
        if let Err(e) = shared.cluster.inner().workers.delete(&key).await {
            tracing::debug!(error = %e, "could not remove the worker's heartbeat");
        }
        Ok(self.stats())
    }
}

/// How the server delivers the site's items: after how long without a
/// word it hands one out again, and how many deliveries it makes at most
/// (0: no limit). Read from the site's consumer, whose settings are the
/// ones that count (whoever created or last updated it chose them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Delivery {
    ack_wait: Duration,
    max_deliver: u64,
}

impl Delivery {
    fn of_config(config: &ClusterConfig) -> Delivery {
        Delivery {
            ack_wait: config.ack_wait,
            max_deliver: u64::from(config.max_deliver.max(1)),
        }
    }

    fn of_consumer(config: &consumer::Config) -> Delivery {
        Delivery {
            ack_wait: config.ack_wait,
            max_deliver: u64::try_from(config.max_deliver).unwrap_or(0),
        }
    }

    /// How often a running job's item is said to be in progress.
    fn progress_interval(&self) -> Duration {
        (self.ack_wait / 4).max(Duration::from_millis(100))
    }
}

impl Shared {
    fn lock_stats(&self) -> MutexGuard<'_, WorkerStats> {
        lock(&self.stats)
    }

    fn delivery(&self) -> Delivery {
        *lock(&self.delivery)
    }

    /// Takes the consumer's settings, saying so when they are not this
    /// worker's own.
    fn set_delivery(&self, delivery: Delivery) {
        let previous = std::mem::replace(&mut *lock(&self.delivery), delivery);
        let own = Delivery::of_config(self.cluster.config());
        if delivery != previous && delivery != own {
            tracing::warn!(
                site = %self.options.site,
                ack_wait = ?delivery.ack_wait,
                max_deliver = delivery.max_deliver,
                own_ack_wait = ?own.ack_wait,
                own_max_deliver = own.max_deliver,
                "the site's consumer has other delivery settings than this worker's; the consumer's are used"
            );
        }
    }

    fn run_token(&self, run: &str) -> CancellationToken {
        lock(&self.runs).entry(run.to_owned()).or_default().clone()
    }

    /// Returns when a pull request is worth sending: some slot is free and
    /// no request is out, or a quarter of the slots are free.
    async fn wait_for_room(&self) {
        let goal = (self.options.slots / 4).max(1);
        loop {
            let free = self.slots.available_permits();
            let pulls = self.pulls.load(Ordering::Acquire);
            if free >= 1 && (pulls == 0 || free >= goal) {
                return;
            }
            self.room.notified().await;
        }
    }
}

/// Opens and closes a Session over an in-memory pipe with the worker's
/// session settings, before the worker holds any item: the first Session
/// of a process compiles the driver catalog (every built-in driver's
/// patterns and the OS-guessing rules), which done by the first job
/// freezes the runtime, in-progress signals included, for as long as it
/// takes.
async fn warm_up(options: &SessionOptions) {
    let started = std::time::Instant::now();
    let (near, far) = tokio::io::duplex(64);
    let opened = match Host::new("dummy://oxscript-worker-warm-up") {
        Ok(host) => Session::over_stream(&host, Box::new(near), LinkKind::Raw, options.clone())
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match opened {
        Ok(session) => {
            let _ = session.close().await;
            tracing::debug!(took = ?started.elapsed(), "driver catalog ready");
        }
        Err(e) => tracing::warn!(
            error = %e,
            "could not prepare a session before taking items; the first job compiles the driver catalog and may freeze the worker"
        ),
    }
    drop(far);
}

/// One pull request of `n` items, each run with one of `permits`.
async fn pull(
    shared: Arc<Shared>,
    consumer: consumer::PullConsumer,
    mut permits: OwnedSemaphorePermit,
    n: usize,
    jobs: TaskTracker,
) {
    let batch = consumer
        .batch()
        .max_messages(n)
        .expires(shared.options.pull_expiry)
        .messages()
        .await;
    match batch {
        Ok(mut batch) => loop {
            let next = tokio::select! {
                () = shared.stop.cancelled() => break,
                next = batch.next() => next,
            };
            match next {
                Some(Ok(message)) => match permits.split(1) {
                    Some(slot) => {
                        jobs.spawn(handle(Arc::clone(&shared), message, slot));
                    }
                    None => {
                        tracing::warn!("more items than requested: giving one back");
                        let _ = message.ack_with(AckKind::Nak(None)).await;
                    }
                },
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "pull request ended");
                    pause(&shared).await;
                    break;
                }
                None => break,
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "pull request failed");
            pause(&shared).await;
        }
    }
    drop(permits);
    shared.pulls.fetch_sub(1, Ordering::AcqRel);
    shared.room.notify_one();
}

/// A short pause after a failed pull, so that errors do not spin.
async fn pause(shared: &Shared) {
    tokio::select! {
        () = shared.stop.cancelled() => {}
        () = tokio::time::sleep(Duration::from_millis(200)) => {}
    }
}

/// Handles one item, signalling progress while it runs.
async fn handle(shared: Arc<Shared>, message: Message, slot: OwnedSemaphorePermit) {
    shared.running.fetch_add(1, Ordering::AcqRel);
    let mut lease = Lease::new();
    let work = process(&shared, &message);
    tokio::pin!(work);
    let reply = loop {
        // Read again each time: the consumer's ack_wait may have changed.
        let delivery = shared.delivery();
        tokio::select! {
            reply = &mut work => break reply,
            () = tokio::time::sleep_until(lease.last + delivery.progress_interval()) => {
                lease.check(&message, delivery.ack_wait);
                if let Err(e) = message.ack_with(AckKind::Progress).await {
                    tracing::debug!(error = %e, "in-progress signal not sent");
                }
                lease.renewed();
            }
        }
    };
    lease.check(&message, shared.delivery().ack_wait);
    let sent = match reply {
        Reply::Leave => Ok(()),
        Reply::Ack => message.ack().await,
        Reply::Nak(delay) => message.ack_with(AckKind::Nak(delay)).await,
        Reply::Term => message.ack_with(AckKind::Term).await,
    };
    if let Err(e) = sent {
        // The item comes back after ack_wait; its result is found then.
        tracing::warn!(error = %e, "acknowledgement not sent");
    }
    shared.running.fetch_sub(1, Ordering::AcqRel);
    drop(slot);
    shared.room.notify_one();
}

/// When the server last heard about an item from this worker, to warn
/// when the worker was frozen long enough for the item to be handed out
/// again.
struct Lease {
    last: tokio::time::Instant,
    warned: bool,
}

impl Lease {
    fn new() -> Lease {
        Lease {
            last: tokio::time::Instant::now(),
            warned: false,
        }
    }

    fn renewed(&mut self) {
        self.last = tokio::time::Instant::now();
    }

    /// Warns (once) if the server has not heard about the item for longer
    /// than `ack_wait`.
    fn check(&mut self, message: &Message, ack_wait: Duration) {
        let silent = self.last.elapsed();
        if silent > ack_wait && !self.warned {
            self.warned = true;
            tracing::warn!(
                subject = %message.subject,
                silent = ?silent,
                ack_wait = ?ack_wait,
                "this worker was frozen longer than ack_wait while holding an item: the server may have handed it out again (keep blocking work off the runtime or raise ack_wait)"
            );
        }
    }
}

/// Decides, runs and records one item.
async fn process(shared: &Arc<Shared>, message: &Message) -> Reply {
    let delivered = message
        .info()
        .map(|i| i.delivered.max(1) as u64)
        .unwrap_or(1);
    let item: WorkItem = match wire::decode("work item", message.subject.as_str(), &message.payload)
    {
        Ok(item) => item,
        Err(e) => {
            tracing::error!(error = %e, "work item dropped");
            return Reply::Term;
        }
    };
    let key = job_key(&item.run, item.job);
    if delivered > 1 {
        shared.lock_stats().redelivered += 1;
    }
    if !lock(&shared.in_flight).insert(key.clone()) {
        // Only after this worker was silent for ack_wait (see the module
        // docs); the running delivery answers for the item.
        tracing::warn!(job = %key, delivered, "delivered again while still running here (this worker was frozen longer than ack_wait): left to the running delivery");
        return Reply::Leave;
    }
    let reply = process_item(shared, item, &key, delivered).await;
    lock(&shared.in_flight).remove(&key);
    reply
}

async fn process_item(shared: &Arc<Shared>, item: WorkItem, key: &str, delivered: u64) -> Reply {
    let key = key.to_owned();
    let inner = shared.cluster.inner();
    if delivered > 1 {
        match shared.cluster.stored_result(&item.run, item.job).await {
            Ok(Some(_)) => {
                // The coordinator reads it from the events stream.
                let mut stats = shared.lock_stats();
                stats.already_done += 1;
                stats.handled += 1;
                return Reply::Ack;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, job = %key, "could not check for a result");
                return Reply::Nak(Some(Duration::from_secs(1)));
            }
        }
    }
    let started_ms = now_millis();
    let decided = |outcome: Outcome| JobResult {
        v: WIRE_VERSION,
        run: item.run.clone(),
        job: item.job,
        outcome,
        attempts: Vec::new(),
        worker: shared.id.clone(),
        site: shared.options.site.clone(),
        delivered,
        started_ms,
        ended_ms: now_millis(),
    };
    let run_token = shared.run_token(&item.run);
    if run_token.is_cancelled() {
        return write_result(shared, decided(Outcome::Cancelled)).await;
    }
    let max = shared.delivery().max_deliver;
    if max > 1 && delivered >= max {
        let reason = format!(
            "given up: delivered {delivered} times (max_deliver), each earlier delivery ended without a result"
        );
        return write_result(
            shared,
            decided(Outcome::Failed {
                error: vec![reason],
            }),
        )
        .await;
    }
    let refused = |e: Error| {
        decided(Outcome::Failed {
            error: vec![e.to_string()],
        })
    };
    let job = match shared.registry.job(&item.name, &item.args) {
        Ok(job) => job,
        Err(e) => return write_result(shared, refused(e)).await,
    };
    let lookup = |name: &str| -> Result<Account> {
        shared
            .accounts
            .get(name)
            .cloned()
            .ok_or_else(|| Error::BadArguments {
                name: item.name.clone(),
                reason: format!(
                    "account `{name}` is not in the account file of worker {}",
                    shared.id
                ),
            })
    };
    let host = match item.host.to_host(&lookup) {
        Ok(host) => host,
        Err(e) => return write_result(shared, refused(e)).await,
    };
    if let Some(bucket) = &shared.bucket {
        tokio::select! {
            () = shared.stop.cancelled() => return Reply::Nak(None),
            () = bucket.acquire() => {}
        }
    }
    if shared.registry.idempotence(&item.name) == Some(Idempotence::NotIdempotent) {
        let claim = format!("{} delivery {delivered}", shared.id);
        match inner.claims.create(&key, claim.into()).await {
            Ok(_) => {}
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                let by = inner
                    .claims
                    .get(&key)
                    .await
                    .ok()
                    .flatten()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_else(|| "another delivery".to_owned());
                let reason = format!(
                    "started by {by}, which never reported; not run again because `{}` is not idempotent",
                    item.name
                );
                return write_result(shared, decided(Outcome::UnknownOutcome { reason })).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, job = %key, "could not claim the job");
                return Reply::Nak(Some(Duration::from_secs(1)));
            }
        }
    }

    // Run it in the local queue; the run's cancellation stops it.
    let route = Route {
        run: item.run.clone(),
        job: item.job,
        delivered,
    };
    let queue = &shared.queue;
    // The job is queued and its end awaited under the log stream's lock,
    // so that neither its log nor its status can be missed.
    let submitted = shared.logs.submit(route, || {
        let token = run_token.clone();
        let job = job.clone();
        let ids = queue.run(host, move |ctx, host, session| {
            let token = token.clone();
            let work = job(ctx, host, session);
            async move {
                tokio::select! {
                    () = token.cancelled() => Err(oxscript_jobs::Error::Cancelled),
                    r = work => r,
                }
            }
            .boxed()
        })?;
        match ids.first() {
            Some(id) => Ok((id.get(), queue.finished(*id))),
            None => Err(oxscript_jobs::Error::msg("the local queue took no job")),
        }
    });
    let (local, done) = match submitted {
        Ok(submitted) => submitted,
        Err(e) => return write_result(shared, refused(e.into())).await,
    };
    let status = done.await;
    let (attempts, stored) = shared.logs.finish(local);
    if let Ok(lost) = stored.await
        && lost > 0
    {
        tracing::warn!(job = %key, lost, "log chunks of the job could not be stored");
    }
    let outcome = match status {
        Some(JobStatus::Succeeded { .. }) => Outcome::Succeeded,
        Some(JobStatus::Failed { error, .. }) => Outcome::Failed {
            error: error.chain(),
        },
        Some(JobStatus::Cancelled) => Outcome::Cancelled,
        other => Outcome::Failed {
            error: vec![format!("the local queue lost the job ({other:?})")],
        },
    };
    let mut result = decided(outcome);
    result.attempts = attempts;
    write_result(shared, result).await
}

/// Records `result` unless a result of its job stands already, and says
/// how to answer the item.
async fn write_result(shared: &Arc<Shared>, result: JobResult) -> Reply {
    match shared.cluster.record_result(&result).await {
        Ok(true) => {
            let mut stats = shared.lock_stats();
            stats.handled += 1;
            match &result.outcome {
                Outcome::Succeeded => stats.succeeded += 1,
                Outcome::Failed { .. } => stats.failed += 1,
                Outcome::Cancelled => stats.cancelled += 1,
                Outcome::UnknownOutcome { .. } => stats.unknown_outcome += 1,
            }
            Reply::Ack
        }
        Ok(false) => {
            {
                let mut stats = shared.lock_stats();
                stats.handled += 1;
                stats.lost_races += 1;
            }
            tracing::warn!(job = %job_key(&result.run, result.job), "another delivery recorded this job's result first; it stands");
            Reply::Ack
        }
        Err(e) => {
            tracing::warn!(error = %e, "the item will come back");
            Reply::Nak(Some(Duration::from_secs(1)))
        }
    }
}

/// Follows the runs bucket: cancelled runs stop their jobs here.
async fn watch_runs(shared: Arc<Shared>) {
    let mut watch = match shared.cluster.inner().runs.watch_all().await {
        Ok(w) => w,
        Err(e) => {
            tracing::error!(error = %e, "cannot follow runs: cancellations will not reach this worker");
            return;
        }
    };
    loop {
        let entry = tokio::select! {
            () = shared.stop.cancelled() => return,
            entry = watch.next() => entry,
        };
        match entry {
            Some(Ok(entry)) => {
                if let Ok(record) =
                    wire::decode::<RunRecord>("run record", &entry.key, &entry.value)
                    && record.state == RunState::Cancelled
                {
                    tracing::info!(run = %record.run, "run cancelled: stopping its jobs");
                    shared.run_token(&record.run).cancel();
                }
            }
            Some(Err(e)) => tracing::warn!(error = %e, "following runs"),
            None => {
                tracing::warn!("the runs watch ended: cancellations will not reach this worker");
                return;
            }
        }
    }
}

/// Writes the worker's heartbeat; forgets finished local jobs; follows
/// the site consumer's delivery settings.
async fn heartbeat(shared: Arc<Shared>, mut consumer: consumer::PullConsumer) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            () = shared.stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let record = WorkerRecord {
            v: WIRE_VERSION,
            worker: shared.id.clone(),
            site: shared.options.site.clone(),
            slots: shared.options.slots,
            running: shared.running.load(Ordering::Acquire),
            done: shared.lock_stats().handled,
            updated_ms: now_millis(),
        };
        if let Err(e) = shared
            .cluster
            .inner()
            .workers
            .put(&shared.id, wire::encode(&record))
            .await
        {
            tracing::debug!(error = %e, "heartbeat not written");
        }
        match consumer.info().await {
            Ok(info) => shared.set_delivery(Delivery::of_consumer(&info.config)),
            Err(e) => tracing::debug!(error = %e, "could not read the site's consumer"),
        }
        // The local queue and logger keep nothing the worker needs later.
        if let Some(logger) = shared.queue.logger() {
            logger.clear();
        }
        shared.logs.exclusive(|| shared.queue.forget_finished());
    }
}

/// Sends buffered log data every `log_interval`.
async fn flush_logs(shared: Arc<Shared>) {
    let mut tick =
        tokio::time::interval(shared.options.log_interval.max(Duration::from_millis(10)));
    loop {
        tokio::select! {
            () = shared.stop.cancelled() => {
                shared.logs.flush_all();
                return;
            }
            _ = tick.tick() => shared.logs.flush_all(),
        }
    }
}
