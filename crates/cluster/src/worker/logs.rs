//! The worker's side of log streaming: a [`LogObserver`] on the local
//! queue's logger that cuts each attempt's log into chunks (by size, by
//! time, at the attempt's end) and publishes them in order to the events
//! stream, so the coordinator writes the usual log files.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_nats::jetstream::{self, message::PublishMessage};
use futures::future::join_all;
use oxscript_jobs::log::LogObserver;
use tokio::sync::{mpsc, oneshot};

use crate::names::Names;
use crate::wire::{self, AttemptRecord, Event, LogChunk, LogEvent, WIRE_VERSION};

/// Where a local job's log goes.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub(crate) run: String,
    pub(crate) job: u64,
    pub(crate) delivered: u64,
}

#[derive(Default)]
struct AttemptLog {
    seq: u32,
    events: Vec<LogEvent>,
    data: Vec<u8>,
    size: usize,
}

struct JobLog {
    route: Route,
    attempts: BTreeMap<u32, AttemptLog>,
    records: Vec<AttemptRecord>,
}

enum Out {
    Chunk {
        job: u64,
        subject: String,
        id: String,
        payload: bytes::Bytes,
    },
    Barrier {
        job: u64,
        done: oneshot::Sender<usize>,
    },
}

/// The observer and its state; see the [module docs](self).
pub(crate) struct LogStream {
    jobs: Mutex<HashMap<u64, JobLog>>,
    out: mpsc::UnboundedSender<Out>,
    names: Names,
    chunk_bytes: usize,
}

impl LogStream {
    /// The observer, and the task that publishes its chunks.
    pub(crate) fn new(
        js: jetstream::Context,
        names: Names,
        chunk_bytes: usize,
    ) -> (
        Arc<LogStream>,
        impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let (out, rx) = mpsc::unbounded_channel();
        let stream = Arc::new(LogStream {
            jobs: Mutex::new(HashMap::new()),
            out,
            names,
            chunk_bytes: chunk_bytes.max(1),
        });
        (stream, publish(js, rx))
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, JobLog>> {
        oxscript_core::sync::lock(&self.jobs)
    }

    /// Calls `submit` (which queues a job and returns its local id) and
    /// routes that job's log, with the observer held off meanwhile so that
    /// nothing the job logs can arrive before its route is known.
    pub(crate) fn submit<T, E>(
        &self,
        route: Route,
        submit: impl FnOnce() -> Result<(u64, T), E>,
    ) -> Result<(u64, T), E> {
        let mut jobs = self.lock();
        let (local, extra) = submit()?;
        jobs.insert(
            local,
            JobLog {
                route,
                attempts: BTreeMap::new(),
                records: Vec::new(),
            },
        );
        Ok((local, extra))
    }

    /// Runs `f` while no job can be submitted.
    pub(crate) fn exclusive<T>(&self, f: impl FnOnce() -> T) -> T {
        let _jobs = self.lock();
        f()
    }

    /// Publishes what is buffered for every attempt (called on a timer).
    pub(crate) fn flush_all(&self) {
        let mut jobs = self.lock();
        for (local, job) in jobs.iter_mut() {
            let attempts: Vec<u32> = job.attempts.keys().copied().collect();
            for attempt in attempts {
                self.flush(*local, job, attempt);
            }
        }
    }

    /// The job ended: publishes the rest of its log; returns its attempt
    /// records and a receiver told, once every chunk of the job is stored,
    /// how many could not be.
    pub(crate) fn finish(&self, local: u64) -> (Vec<AttemptRecord>, oneshot::Receiver<usize>) {
        let (done, rx) = oneshot::channel();
        let mut jobs = self.lock();
        let records = match jobs.get_mut(&local) {
            Some(job) => {
                let attempts: Vec<u32> = job.attempts.keys().copied().collect();
                for attempt in attempts {
                    self.flush(local, job, attempt);
                }
                jobs.remove(&local).map(|j| j.records).unwrap_or_default()
            }
            None => Vec::new(),
        };
        let _ = self.out.send(Out::Barrier { job: local, done });
        (records, rx)
    }

    /// Sends the buffered events of one attempt as a chunk.
    fn flush(&self, local: u64, job: &mut JobLog, attempt: u32) {
        let Some(log) = job.attempts.get_mut(&attempt) else {
            return;
        };
        take_data(log);
        if log.events.is_empty() {
            return;
        }
        let route = &job.route;
        let chunk = LogChunk {
            v: WIRE_VERSION,
            run: route.run.clone(),
            job: route.job,
            delivered: route.delivered,
            attempt,
            seq: log.seq,
            events: std::mem::take(&mut log.events),
        };
        log.size = 0;
        let id = format!(
            "log.{}.{}.{}.{}.{}",
            route.run, route.job, route.delivered, attempt, log.seq
        );
        log.seq += 1;
        let _ = self.out.send(Out::Chunk {
            job: local,
            subject: self.names.log_subject(&route.run, route.job),
            id,
            payload: wire::encode(&Event::Log(chunk)),
        });
    }

    fn with_attempt(&self, local: u64, attempt: u32, f: impl FnOnce(&mut AttemptLog) -> bool) {
        let mut jobs = self.lock();
        let Some(job) = jobs.get_mut(&local) else {
            return;
        };
        let full = f(job.attempts.entry(attempt).or_default());
        if full {
            self.flush(local, job, attempt);
        }
    }
}

/// Moves buffered transcript bytes into an event.
fn take_data(log: &mut AttemptLog) {
    if !log.data.is_empty() {
        log.events
            .push(LogEvent::data(std::mem::take(&mut log.data)));
    }
}

impl LogObserver for LogStream {
    fn started(&self, job_id: u64, _name: &str, _host: Option<&str>, attempt: u32) {
        self.with_attempt(job_id, attempt, |_| false);
    }

    fn data(&self, job_id: u64, attempt: u32, data: &[u8]) {
        let limit = self.chunk_bytes;
        self.with_attempt(job_id, attempt, |log| {
            log.data.extend_from_slice(data);
            log.size += data.len();
            log.size >= limit
        });
    }

    fn message(&self, job_id: u64, attempt: u32, text: &str) {
        let limit = self.chunk_bytes;
        self.with_attempt(job_id, attempt, |log| {
            take_data(log);
            log.events.push(LogEvent::Message(text.to_owned()));
            log.size += text.len();
            log.size >= limit
        });
    }

    fn ended(&self, job_id: u64, attempt: u32, error: Option<&oxscript_jobs::Error>) {
        let mut jobs = self.lock();
        let Some(job) = jobs.get_mut(&job_id) else {
            return;
        };
        job.records.push(AttemptRecord {
            attempt,
            error: error.map(oxscript_jobs::Error::chain),
        });
        self.flush(job_id, job, attempt);
    }
}

/// Publishes chunks in order; answers barriers once a job's chunks are
/// stored.
async fn publish(js: jetstream::Context, mut rx: mpsc::UnboundedReceiver<Out>) {
    let mut pending: HashMap<u64, Vec<_>> = HashMap::new();
    while let Some(out) = rx.recv().await {
        match out {
            Out::Chunk {
                job,
                subject,
                id,
                payload,
            } => {
                let sent = js
                    .send_publish(
                        subject,
                        PublishMessage::build().payload(payload).message_id(id),
                    )
                    .await;
                pending.entry(job).or_default().push(sent);
            }
            Out::Barrier { job, done } => {
                let sent = pending.remove(&job).unwrap_or_default();
                tokio::spawn(async move {
                    let acks = join_all(sent.into_iter().map(|s| async move {
                        match s {
                            Ok(ack) => ack.await.map(|_| ()).map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        }
                    }))
                    .await;
                    let lost = acks
                        .iter()
                        .filter_map(|a| a.as_ref().err())
                        .inspect(|e| tracing::warn!(error = %e, "a log chunk could not be stored"))
                        .count();
                    let _ = done.send(lost);
                });
            }
        }
    }
}
