//! Events: what queues and schedulers report while they run.
//!
//! [`Queue::subscribe`](crate::queue::Queue::subscribe) and
//! [`Scheduler::subscribe`](crate::graph::Scheduler::subscribe) return a
//! [`tokio::sync::broadcast::Receiver`] of [`Event`]s: a daemon can show
//! progress, export metrics or react to failures without polling. Sending
//! never waits: a subscriber that falls more than [`EVENT_CAPACITY`] events
//! behind gets [`RecvError::Lagged`](tokio::sync::broadcast::error::RecvError::Lagged)
//! and continues with the newest ones.
//!
//! ```
//! use oxscript_jobs::events::Event;
//! use oxscript_jobs::graph::{Job, Scheduler};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> oxscript_jobs::Result<()> {
//! let scheduler = Scheduler::new();
//! let mut events = scheduler.subscribe();
//! scheduler.add(Job::new("hello", || async { Ok("hi".into()) }));
//! scheduler.run().await?;
//! let mut seen = Vec::new();
//! while let Ok(event) = events.try_recv() {
//!     seen.push(event.kind());
//! }
//! assert_eq!(seen, ["started", "succeeded", "progress"]);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::{Arc, OnceLock};

use tokio::sync::broadcast;

use crate::error::Error;

/// How many events a subscriber may fall behind before it loses some.
pub const EVENT_CAPACITY: usize = 1024;

/// Which job an event is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    /// The job's id: the queue's [`JobId`](crate::queue::JobId) number, or
    /// the graph job's [`id`](crate::graph::Job::id).
    pub id: u64,
    /// The job's name (queue) or label (graph).
    pub name: String,
    /// The host's name, for queue jobs that run on a host.
    pub host: Option<String>,
}

impl fmt::Display for JobInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {}", self.id, self.name)
    }
}

/// Something that happened to a job.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A job was added to a queue.
    Queued {
        /// The job.
        job: JobInfo,
    },
    /// An attempt of a job started (attempts count from 1).
    Started {
        /// The job.
        job: JobInfo,
        /// The attempt number.
        attempt: u32,
    },
    /// A job finished successfully.
    Succeeded {
        /// The job.
        job: JobInfo,
        /// The attempt that succeeded.
        attempt: u32,
    },
    /// An attempt of a job failed.
    Failed {
        /// The job.
        job: JobInfo,
        /// The attempt that failed.
        attempt: u32,
        /// Why.
        error: Error,
        /// Whether the job will be tried again ([`Event::Retried`] follows).
        will_retry: bool,
    },
    /// A job is tried again after a failure.
    Retried {
        /// The job.
        job: JobInfo,
        /// The number of the attempt about to start.
        attempt: u32,
    },
    /// A job was cancelled before it finished (or before it started).
    Cancelled {
        /// The job.
        job: JobInfo,
    },
    /// A job finished for good (success, last failure or cancellation).
    Progress {
        /// Jobs finished so far.
        finished: usize,
        /// Jobs known so far.
        total: usize,
    },
}

impl Event {
    /// A short name for the kind of event: `queued`, `started`,
    /// `succeeded`, `failed`, `retried`, `cancelled` or `progress`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Queued { .. } => "queued",
            Event::Started { .. } => "started",
            Event::Succeeded { .. } => "succeeded",
            Event::Failed { .. } => "failed",
            Event::Retried { .. } => "retried",
            Event::Cancelled { .. } => "cancelled",
            Event::Progress { .. } => "progress",
        }
    }

    /// The job the event is about (`None` for [`Event::Progress`]).
    pub fn job(&self) -> Option<&JobInfo> {
        match self {
            Event::Queued { job }
            | Event::Started { job, .. }
            | Event::Succeeded { job, .. }
            | Event::Failed { job, .. }
            | Event::Retried { job, .. }
            | Event::Cancelled { job } => Some(job),
            Event::Progress { .. } => None,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Queued { job } => write!(f, "{job} queued"),
            Event::Started { job, attempt } => write!(f, "{job} started (attempt {attempt})"),
            Event::Succeeded { job, attempt } => {
                write!(f, "{job} succeeded (attempt {attempt})")
            }
            Event::Failed {
                job,
                attempt,
                error,
                will_retry,
            } => {
                let next = if *will_retry { ", will retry" } else { "" };
                write!(f, "{job} failed (attempt {attempt}{next}): {error}")
            }
            Event::Retried { job, attempt } => write!(f, "{job} retried (attempt {attempt})"),
            Event::Cancelled { job } => write!(f, "{job} cancelled"),
            Event::Progress { finished, total } => write!(f, "{finished}/{total} finished"),
        }
    }
}

/// The sending side shared by a queue or scheduler (clones share it).
#[derive(Clone, Debug, Default)]
pub(crate) struct EventBus {
    /// Made by the first subscriber: a channel writes all its
    /// [`EVENT_CAPACITY`] slots when it is made (~200 KiB, a fifth of the
    /// memory a 100-host CLI run touched besides its sessions), which a
    /// queue nobody watches does not need.
    tx: Arc<OnceLock<broadcast::Sender<Event>>>,
}

impl EventBus {
    pub(crate) fn new() -> EventBus {
        EventBus::default()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx
            .get_or_init(|| broadcast::channel(EVENT_CAPACITY).0)
            .subscribe()
    }

    /// Sends `make()` if anyone listens (the event is not even built otherwise).
    pub(crate) fn emit(&self, make: impl FnOnce() -> Event) {
        if let Some(tx) = self.tx.get()
            && tx.receiver_count() > 0
        {
            let _ = tx.send(make());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> JobInfo {
        JobInfo {
            id: 3,
            name: "r1".into(),
            host: Some("r1".into()),
        }
    }

    #[test]
    fn display_and_kind() {
        let e = Event::Failed {
            job: info(),
            attempt: 1,
            error: Error::msg("boom"),
            will_retry: true,
        };
        assert_eq!(e.to_string(), "#3 r1 failed (attempt 1, will retry): boom");
        assert_eq!(e.kind(), "failed");
        assert_eq!(e.job(), Some(&info()));
        let p = Event::Progress {
            finished: 1,
            total: 4,
        };
        assert_eq!(p.to_string(), "1/4 finished");
        assert!(p.job().is_none());
    }

    #[test]
    fn bus_only_builds_events_for_listeners() {
        let bus = EventBus::new();
        let mut built = 0;
        bus.emit(|| {
            built += 1;
            Event::Cancelled { job: info() }
        });
        assert_eq!(built, 0);
        assert!(bus.tx.get().is_none(), "no channel before a subscriber");
        // A clone made before the first subscriber shares the channel.
        let clone = bus.clone();
        let mut rx = bus.subscribe();
        clone.emit(|| Event::Cancelled { job: info() });
        assert_eq!(rx.try_recv().map(|e| e.kind()).ok(), Some("cancelled"));
    }
}
