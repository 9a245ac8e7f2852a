//! [`Cluster`]: the streams, buckets and site consumers a coordinator and
//! its workers share, created on first use; site caps, run cancellation
//! and the cluster's status.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, context, kv, message::PublishMessage, stream};
use futures::{StreamExt, TryStreamExt};

use crate::connect::NatsOptions;
use crate::error::{Error, Result, nats};
use crate::names::{Names, check_token, job_key, now_millis};
use crate::wire::{self, Event, JobResult, RunRecord, RunState, WIRE_VERSION, WorkerRecord};

/// Settings shared by every process of a cluster (coordinators and
/// workers must agree on the prefix; the rest is applied by whoever
/// creates the streams first, and, for `ack_wait` and `max_deliver`, by
/// whoever creates a site's consumer or sets its cap last: workers follow
/// the consumer's values, not their own, and warn when they differ).
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// The prefix of every stream, bucket and subject (letters, digits,
    /// `-`, `_`). Default `oxscript`.
    pub prefix: String,
    /// How long a delivered work item may go without an ack or an
    /// in-progress signal before it is handed out again (workers signal
    /// progress every quarter of it while a job runs; a worker frozen
    /// longer than this is taken for dead). Default 30 s.
    pub ack_wait: Duration,
    /// How many times a work item is delivered at most; the last delivery
    /// records a failure instead of running the job, so an item that
    /// crashes workers does not loop. Default 5.
    pub max_deliver: u32,
    /// How long runs, results, logs and pending items are kept. Default
    /// 7 days.
    pub expiry: Duration,
    /// How long a re-published work item (same `<run>.<job>` id) is
    /// recognised and dropped. Default 2 minutes.
    pub duplicate_window: Duration,
    /// Keep everything in the server's memory instead of files (faster,
    /// lost when the server restarts). Default false.
    pub memory_storage: bool,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            prefix: "oxscript".to_owned(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 5,
            expiry: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(120),
            memory_storage: false,
        }
    }
}

/// How long a worker's heartbeat stays in the workers bucket.
const WORKER_TTL: Duration = Duration::from_secs(30);

/// A connection to a cluster's streams and buckets. Clones share it.
#[derive(Clone)]
pub struct Cluster(Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) client: async_nats::Client,
    pub(crate) js: jetstream::Context,
    pub(crate) names: Names,
    pub(crate) config: ClusterConfig,
    pub(crate) work: stream::Stream,
    pub(crate) events: stream::Stream,
    pub(crate) claims: kv::Store,
    pub(crate) runs: kv::Store,
    pub(crate) workers: kv::Store,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("config", &self.0.config)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Connects with `nats` and opens (creating what is missing) the
    /// cluster's streams and buckets.
    pub async fn connect(nats: &NatsOptions, config: ClusterConfig) -> Result<Cluster> {
        Cluster::open(nats.connect().await?, config).await
    }

    /// Opens the cluster over an existing client.
    pub async fn open(client: async_nats::Client, config: ClusterConfig) -> Result<Cluster> {
        let names = Names::new(&config.prefix)?;
        let js = jetstream::new(client.clone());
        let storage = if config.memory_storage {
            stream::StorageType::Memory
        } else {
            stream::StorageType::File
        };
        let work = get_or_create_stream(
            &js,
            stream::Config {
                name: names.work_stream(),
                subjects: vec![names.work_subjects()],
                retention: stream::RetentionPolicy::WorkQueue,
                max_age: config.expiry,
                duplicate_window: config.duplicate_window.min(config.expiry),
                storage,
                ..Default::default()
            },
        )
        .await?;
        let events = get_or_create_stream(
            &js,
            stream::Config {
                name: names.events_stream(),
                subjects: vec![names.events_subjects()],
                retention: stream::RetentionPolicy::Limits,
                max_age: config.expiry,
                duplicate_window: config.duplicate_window.min(config.expiry),
                storage,
                ..Default::default()
            },
        )
        .await?;
        let bucket = |name: String, max_age: Duration| kv::Config {
            bucket: name,
            history: 1,
            max_age,
            storage,
            ..Default::default()
        };
        let claims =
            get_or_create_bucket(&js, bucket(names.claims_bucket(), config.expiry)).await?;
        let runs = get_or_create_bucket(&js, bucket(names.runs_bucket(), config.expiry)).await?;
        let workers = get_or_create_bucket(&js, bucket(names.workers_bucket(), WORKER_TTL)).await?;
        Ok(Cluster(Arc::new(Inner {
            client,
            js,
            names,
            config,
            work,
            events,
            claims,
            runs,
            workers,
        })))
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.0
    }

    /// The settings.
    pub fn config(&self) -> &ClusterConfig {
        &self.0.config
    }

    /// The NATS client.
    pub fn client(&self) -> &async_nats::Client {
        &self.0.client
    }

    fn site_config(&self, site: &str, cap: Option<usize>) -> consumer::pull::Config {
        let names = &self.0.names;
        consumer::pull::Config {
            durable_name: Some(names.site_consumer(site)),
            description: Some(format!("oxscript work items of site {site}")),
            filter_subject: names.site_filter(site),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: self.0.config.ack_wait,
            max_deliver: i64::from(self.0.config.max_deliver.max(1)),
            max_ack_pending: cap.map_or(-1, |c| c.max(1) as i64),
            // Pull requests of every worker of the site wait here.
            max_waiting: 4096,
            ..Default::default()
        }
    }

    /// Sets how many jobs of `site` may run at once across all its workers
    /// (`None`: no limit). The server enforces it: a work item delivered
    /// and not yet acknowledged counts, whichever worker holds it.
    pub async fn set_site_cap(&self, site: &str, cap: Option<usize>) -> Result<()> {
        check_token("site", site)?;
        let config = self.site_config(site, cap);
        let action = format!("setting the cap of site `{site}`");
        match self
            .0
            .work
            .get_consumer::<consumer::pull::Config>(&self.0.names.site_consumer(site))
            .await
        {
            Ok(_) => {
                self.0
                    .work
                    .update_consumer(config)
                    .await
                    .map_err(nats(action))?;
            }
            Err(_) => {
                if self.0.work.create_consumer(config.clone()).await.is_err() {
                    // Created by someone else meanwhile.
                    self.0
                        .work
                        .update_consumer(config)
                        .await
                        .map_err(nats(action))?;
                }
            }
        }
        Ok(())
    }

    /// The consumer of `site`, created without a cap if it does not exist
    /// (with a warning: the cap is the coordinator's to set).
    pub(crate) async fn site_consumer(&self, site: &str) -> Result<consumer::PullConsumer> {
        check_token("site", site)?;
        let name = self.0.names.site_consumer(site);
        if let Ok(c) = self.0.work.get_consumer(&name).await {
            return Ok(c);
        }
        tracing::warn!(
            site,
            "site has no consumer yet: creating it without a session cap (set one with `oxscript cluster cap {site} N`)"
        );
        // Strict: never change a consumer someone created meanwhile (the
        // coordinator, with the site's cap).
        match self
            .0
            .work
            .create_consumer_strict(self.site_config(site, None))
            .await
        {
            Ok(c) => Ok(c),
            Err(_) => self
                .0
                .work
                .get_consumer(&name)
                .await
                .map_err(nats(format!("opening the consumer of site `{site}`"))),
        }
    }

    /// Records `result` as its job's result unless one was recorded
    /// before: `Ok(true)` if this one was written, `Ok(false)` if another
    /// stands. The result is the only message on its subject of the
    /// events stream (written with an expected last subject sequence of
    /// 0, which the server checks atomically), so the coordinator reads
    /// it in order after the job's log chunks.
    pub(crate) async fn record_result(&self, result: &JobResult) -> Result<bool> {
        let inner = &self.0;
        let action = || {
            format!(
                "recording the result of job {}",
                job_key(&result.run, result.job)
            )
        };
        let ack = inner
            .js
            .send_publish(
                inner.names.result_subject(&result.run, result.job),
                PublishMessage::build()
                    .payload(wire::encode(&Event::Result(result.clone())))
                    .expected_last_subject_sequence(0),
            )
            .await
            .map_err(nats(action()))?;
        match ack.await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == context::PublishErrorKind::WrongLastSequence => Ok(false),
            Err(e) => Err(Error::nats(action(), e)),
        }
    }

    /// The recorded result of job `job` of run `run`, if any.
    pub(crate) async fn stored_result(&self, run: &str, job: u64) -> Result<Option<JobResult>> {
        let subject = self.0.names.result_subject(run, job);
        match self
            .0
            .events
            .get_last_raw_message_by_subject(&subject)
            .await
        {
            Ok(message) => match wire::decode_event(&subject, &message.payload)? {
                Event::Result(result) => Ok(Some(result)),
                Event::Log(_) => Err(Error::Decode {
                    what: "result",
                    subject,
                    reason: "a log chunk where a result belongs".to_owned(),
                }),
            },
            Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => Ok(None),
            Err(e) => Err(Error::nats(
                format!("reading the result of job {}", job_key(run, job)),
                e,
            )),
        }
    }

    /// The record of run `run`, if any.
    pub async fn run_record(&self, run: &str) -> Result<Option<RunRecord>> {
        let key = run.to_owned();
        let bucket = &self.0.runs;
        match bucket
            .get(&key)
            .await
            .map_err(nats(format!("reading run `{run}`")))?
        {
            Some(bytes) => Ok(Some(wire::decode("run record", &key, &bytes)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn put_run_record(&self, record: &RunRecord) -> Result<()> {
        self.0
            .runs
            .put(&record.run, wire::encode(record))
            .await
            .map_err(nats(format!("writing run `{}`", record.run)))?;
        Ok(())
    }

    /// Cancels run `run`: removes its items from every site's queue
    /// (waiting ones and those in flight), marks it cancelled (workers
    /// stop its running jobs and record them as cancelled), then removes
    /// what was published meanwhile. Returns how many items were removed.
    /// The coordinator records the removed jobs as cancelled
    /// ([`ClusterQueue::cancel`](crate::ClusterQueue::cancel) does this).
    ///
    /// The items are removed *before* the record changes: once it says
    /// cancelled, workers stop (and acknowledge) the running jobs, and
    /// those items would leave the stream on their own, so counting them
    /// would depend on who was faster.
    pub async fn cancel_run(&self, run: &str) -> Result<u64> {
        check_token("run", run)?;
        let mut removed = self.purge_run(run).await?;
        let now = now_millis();
        let mut record = self.run_record(run).await?.unwrap_or(RunRecord {
            v: WIRE_VERSION,
            run: run.to_owned(),
            state: RunState::Running,
            coordinator: String::new(),
            created_ms: now,
            updated_ms: now,
            total: 0,
            succeeded: 0,
            failed: 0,
            cancelled: 0,
            unknown: 0,
            redelivered: 0,
        });
        record.state = RunState::Cancelled;
        record.updated_ms = now;
        self.put_run_record(&record).await?;
        removed += self.purge_run(run).await?;
        Ok(removed)
    }

    /// Removes every item of `run` from the work stream; returns how many.
    async fn purge_run(&self, run: &str) -> Result<u64> {
        let purged = self
            .0
            .work
            .purge()
            .filter(self.0.names.run_work_filter(run))
            .await
            .map_err(nats(format!("removing the pending items of run `{run}`")))?;
        Ok(purged.purged)
    }

    /// What the cluster is doing: runs, sites (pending, in flight, cap)
    /// and live workers.
    pub async fn status(&self) -> Result<ClusterStatus> {
        let inner = &self.0;
        let mut runs = Vec::new();
        let keys: Vec<String> = match inner.runs.keys().await {
            Ok(keys) => keys.try_collect().await.map_err(nats("listing runs"))?,
            Err(e) => return Err(Error::nats("listing runs", e)),
        };
        for key in keys {
            if let Some(record) = self.run_record(&key).await? {
                runs.push(record);
            }
        }
        runs.sort_by_key(|r| r.created_ms);

        // Items per (site, run) still in the work stream (waiting or in flight).
        let mut by_subject: BTreeMap<String, u64> = BTreeMap::new();
        let mut subjects = inner
            .work
            .info_builder()
            .subjects(inner.names.work_subjects())
            .fetch()
            .await
            .map_err(nats("reading the work stream"))?;
        while let Some(entry) = subjects.next().await {
            let (subject, count) = entry.map_err(nats("reading the work stream"))?;
            by_subject.insert(subject, count as u64);
        }

        let mut sites = Vec::new();
        let mut consumers = inner.work.consumers();
        while let Some(info) = consumers.next().await {
            let info = info.map_err(nats("listing site consumers"))?;
            let Some(site) = inner.names.site_of_consumer(&info.name) else {
                continue;
            };
            let prefix = inner.names.work_subject(site, "");
            let mut items_by_run = BTreeMap::new();
            for (subject, count) in &by_subject {
                if let Some(run) = subject.strip_prefix(&prefix) {
                    items_by_run.insert(run.to_owned(), *count);
                }
            }
            sites.push(SiteStatus {
                site: site.to_owned(),
                cap: usize::try_from(info.config.max_ack_pending).ok(),
                pending: info.num_pending,
                in_flight: info.num_ack_pending,
                redelivered: info.num_redelivered,
                waiting_pulls: info.num_waiting,
                items_by_run,
            });
        }
        sites.sort_by(|a, b| a.site.cmp(&b.site));

        let mut workers = Vec::new();
        let worker_keys: Vec<String> = match inner.workers.keys().await {
            Ok(keys) => keys.try_collect().await.map_err(nats("listing workers"))?,
            Err(e) => return Err(Error::nats("listing workers", e)),
        };
        for key in worker_keys {
            if let Some(bytes) = inner
                .workers
                .get(&key)
                .await
                .map_err(nats("reading a worker"))?
            {
                workers.push(wire::decode::<WorkerRecord>("worker record", &key, &bytes)?);
            }
        }
        workers.sort_by(|a, b| (&a.site, &a.worker).cmp(&(&b.site, &b.worker)));
        Ok(ClusterStatus {
            runs,
            sites,
            workers,
        })
    }
}

async fn get_or_create_stream(
    js: &jetstream::Context,
    config: stream::Config,
) -> Result<stream::Stream> {
    let name = config.name.clone();
    if let Ok(s) = js.get_stream(&name).await {
        return Ok(s);
    }
    match js.create_stream(config).await {
        Ok(s) => Ok(s),
        // Created by another process meanwhile.
        Err(create) => js
            .get_stream(&name)
            .await
            .map_err(|_| Error::nats(format!("creating stream `{name}`"), create)),
    }
}

async fn get_or_create_bucket(js: &jetstream::Context, config: kv::Config) -> Result<kv::Store> {
    let name = config.bucket.clone();
    if let Ok(b) = js.get_key_value(&name).await {
        return Ok(b);
    }
    match js.create_key_value(config).await {
        Ok(b) => Ok(b),
        Err(create) => js
            .get_key_value(&name)
            .await
            .map_err(|_| Error::nats(format!("creating bucket `{name}`"), create)),
    }
}

/// What [`Cluster::status`] found.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClusterStatus {
    /// Runs, oldest first.
    pub runs: Vec<RunRecord>,
    /// Sites, by name.
    pub sites: Vec<SiteStatus>,
    /// Workers that sent a heartbeat lately, by site.
    pub workers: Vec<WorkerRecord>,
}

/// One site's queue.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SiteStatus {
    /// The site.
    pub site: String,
    /// Its session cap (`None`: none).
    pub cap: Option<usize>,
    /// Items waiting for a worker.
    pub pending: u64,
    /// Items delivered to a worker and not yet acknowledged.
    pub in_flight: usize,
    /// Items being delivered again.
    pub redelivered: usize,
    /// Pull requests of idle workers.
    pub waiting_pulls: usize,
    /// Items still queued or in flight, per run.
    pub items_by_run: BTreeMap<String, u64>,
}

impl fmt::Display for ClusterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "runs:")?;
        if self.runs.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for r in &self.runs {
            let done = r.succeeded + r.failed + r.cancelled + r.unknown;
            writeln!(
                f,
                "  {} {:?}: {done}/{} done ({} ok, {} failed, {} cancelled, {} unknown outcome, {} redelivered) by {}",
                r.run,
                r.state,
                r.total,
                r.succeeded,
                r.failed,
                r.cancelled,
                r.unknown,
                r.redelivered,
                r.coordinator
            )?;
        }
        writeln!(f, "sites:")?;
        if self.sites.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for s in &self.sites {
            let cap = s.cap.map_or_else(|| "none".to_owned(), |c| c.to_string());
            writeln!(
                f,
                "  {}: {} pending, {} in flight (cap {cap}), {} redelivered, {} idle pull request(s)",
                s.site, s.pending, s.in_flight, s.redelivered, s.waiting_pulls
            )?;
            for (run, n) in &s.items_by_run {
                writeln!(f, "    run {run}: {n} item(s) queued or in flight")?;
            }
        }
        writeln!(f, "workers:")?;
        if self.workers.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for w in &self.workers {
            writeln!(
                f,
                "  {} (site {}): {}/{} slots busy, {} job(s) done",
                w.worker, w.site, w.running, w.slots, w.done
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::server::NatsServer;
    use crate::wire::Outcome;

    fn result(worker: &str, outcome: Outcome) -> JobResult {
        JobResult {
            v: WIRE_VERSION,
            run: "r1".to_owned(),
            job: 7,
            outcome,
            attempts: Vec::new(),
            worker: worker.to_owned(),
            site: "lab".to_owned(),
            delivered: 1,
            started_ms: 1,
            ended_ms: 2,
        }
    }

    #[tokio::test]
    async fn the_first_result_recorded_stands() {
        let Some(server) = NatsServer::for_test("the_first_result_recorded_stands").unwrap() else {
            return;
        };
        let config = ClusterConfig {
            memory_storage: true,
            ..ClusterConfig::default()
        };
        let cluster = Cluster::connect(&NatsOptions::new(server.url()), config)
            .await
            .unwrap();
        assert_eq!(cluster.stored_result("r1", 7).await.unwrap(), None);
        let first = result("w1", Outcome::Succeeded);
        assert!(cluster.record_result(&first).await.unwrap());
        let late = result(
            "w2",
            Outcome::Failed {
                error: vec!["late".to_owned()],
            },
        );
        assert!(!cluster.record_result(&late).await.unwrap());
        assert!(!cluster.record_result(&first).await.unwrap());
        assert_eq!(cluster.stored_result("r1", 7).await.unwrap(), Some(first));
        assert_eq!(cluster.stored_result("r1", 8).await.unwrap(), None);
        // A log chunk of the job does not count as its result.
        let chunk = crate::wire::LogChunk {
            v: WIRE_VERSION,
            run: "r1".to_owned(),
            job: 8,
            delivered: 1,
            attempt: 1,
            seq: 0,
            events: Vec::new(),
        };
        cluster
            .inner()
            .js
            .publish(
                cluster.inner().names.log_subject("r1", 8),
                wire::encode(&Event::Log(chunk)),
            )
            .await
            .unwrap()
            .await
            .unwrap();
        assert_eq!(cluster.stored_result("r1", 8).await.unwrap(), None);
        assert!(
            cluster
                .record_result(&JobResult {
                    job: 8,
                    ..result("w1", Outcome::Cancelled)
                })
                .await
                .unwrap()
        );
    }
}
