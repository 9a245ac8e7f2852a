//! [`Queue`]: run a function on many hosts, a bounded number at a time
//! (Exscript's `Queue`, async).
//!
//! Jobs wait in a queue and start, in order, while fewer than
//! [`max_connections`](QueueOptions::max_connections) jobs run. Each job is
//! one Tokio task (no thread per job); a job waiting in the queue costs no
//! task at all. For a host job the queue connects to the host (retrying
//! connection failures up to [`connect_attempts`](QueueOptions::connect_attempts)
//! times) and calls the job function with a [`JobContext`], the [`Host`]
//! and the connected, not yet logged in [`Session`]. Wrap the function in
//! [`autologin`] (or [`autoauthenticate`]) to log in first, with the host's
//! own account or one from the queue's account pools, retrying wrong
//! credentials up to [`login_attempts`](QueueOptions::login_attempts) times
//! on a new connection each time. A job that fails is run again, from the
//! connection on, up to [`attempts`](QueueOptions::attempts) times.
//!
//! ```no_run
//! use oxscript_core::{Account, AccountPool};
//! use oxscript_jobs::queue::{autologin, Queue, QueueOptions};
//! use oxscript_jobs::{log::Logger, report};
//!
//! # async fn demo() -> oxscript_jobs::Result<()> {
//! let logger = Logger::new();
//! let queue = Queue::new(QueueOptions {
//!     max_connections: 50,
//!     attempts: 2,
//!     logger: Some(logger.clone()),
//!     ..QueueOptions::default()
//! });
//! // 50 slots of one account: 50 jobs can be logged in with it at once.
//! let admin = Account::new("admin", "secret");
//! queue.add_account_pool(AccountPool::from_accounts(std::iter::repeat_n(admin, 50)), None);
//! queue.run(
//!     vec!["telnet://r1", "telnet://r2"],
//!     autologin(|_ctx, _host, mut session| async move {
//!         session.autoinit().await?;
//!         session.execute("show ip interface brief").await?;
//!         Ok(())
//!     }),
//! )?;
//! queue.join().await?;
//! println!("{}", report::status(&logger));
//! # Ok(()) }
//! ```

mod context;
mod hosts;
mod results;
mod wrappers;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures::FutureExt;
use futures::future::BoxFuture;
use oxscript_core::{Account, AccountManager, AccountPool, Host, PoolMatcher};
use oxscript_transport::{Session, SessionOptions};
use tokio::sync::{broadcast, oneshot, watch};
use tokio_util::sync::CancellationToken;

pub use context::JobContext;
pub use hosts::{IntoHost, IntoHosts};
pub use results::JobResults;
pub use wrappers::{OsMap, autoauthenticate, autologin, os_function_mapper};

use crate::error::{Error, Result};
use crate::events::{Event, EventBus, JobInfo};
use crate::log::Logger;
use crate::vars::Variables;

/// A host job function, boxed: called with the job's context, its host and
/// a connected Session; it returns a `T` ([`Queue::run_collect`]) or
/// nothing. Any `Fn(JobContext, Host, Session) -> impl Future` closure can
/// be given where one is expected.
pub type HostJobFn<T = ()> =
    Arc<dyn Fn(JobContext, Host, Session) -> BoxFuture<'static, Result<T>> + Send + Sync>;

/// A job function without host (see [`Queue::enqueue`]), boxed.
pub type PlainJobFn = Arc<dyn Fn(JobContext) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// Called with a job's name and error each time an attempt of a job fails
/// (Exscript `exc_cb`). It runs on the job's task: keep it short.
pub type ErrorCallback = Arc<dyn Fn(&str, &Error) + Send + Sync>;

/// Boxes a host job closure.
pub(crate) fn boxed_host_fn<F, Fut>(f: F) -> HostJobFn
where
    F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    Arc::new(move |ctx, host, session| f(ctx, host, session).boxed())
}

/// Settings of a [`Queue`]. Build with struct-update syntax from `default()`.
#[derive(Clone)]
pub struct QueueOptions {
    /// How many jobs run at once (connections open at once). Default 10
    /// (Exscript defaults to 1 thread; an async queue can afford more).
    /// Values below 1 count as 1.
    pub max_connections: usize,
    /// Settings of every Session the queue opens.
    pub session: SessionOptions,
    /// How many times a job is run in total when it fails (any error:
    /// connection, login, command, the job's own). Default 1: no retry.
    pub attempts: u32,
    /// How many times opening the connection is tried before the attempt
    /// fails (refused, unreachable, timed out). Default 1.
    pub connect_attempts: u32,
    /// How many times [`autologin`]/[`autoauthenticate`] try to log in
    /// when the device rejects the credentials, on a new connection each
    /// time. Default 1.
    pub login_attempts: u32,
    /// Appended to host names that have no domain (Exscript `domain`).
    pub default_domain: Option<String>,
    /// The driver of hosts that name none (Exscript `host_driver`); a host's
    /// own driver always wins.
    pub host_driver: Option<String>,
    /// Called each time an attempt of a job fails.
    pub error_callback: Option<ErrorCallback>,
    /// Where job attempts are logged (see [`crate::log`]).
    pub logger: Option<Logger>,
    /// Variables shared by all jobs of the queue ([`JobContext::variables`]).
    pub variables: Variables,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            max_connections: 10,
            session: SessionOptions::default(),
            attempts: 1,
            connect_attempts: 1,
            login_attempts: 1,
            default_domain: None,
            host_driver: None,
            error_callback: None,
            logger: None,
            variables: Variables::new(),
        }
    }
}

impl fmt::Debug for QueueOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueOptions")
            .field("max_connections", &self.max_connections)
            .field("session", &self.session)
            .field("attempts", &self.attempts)
            .field("connect_attempts", &self.connect_attempts)
            .field("login_attempts", &self.login_attempts)
            .field("default_domain", &self.default_domain)
            .field("host_driver", &self.host_driver)
            .field("error_callback", &self.error_callback.is_some())
            .field("logger", &self.logger)
            .finish_non_exhaustive()
    }
}

/// The id of a queued job, unique within its queue (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(u64);

impl JobId {
    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where a job is in its life.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum JobStatus {
    /// Waiting for a free connection slot.
    Queued,
    /// Running its `attempt`-th attempt.
    Running {
        /// The attempt number, from 1.
        attempt: u32,
    },
    /// Finished successfully.
    Succeeded {
        /// How many attempts it took.
        attempts: u32,
    },
    /// Failed on its last attempt.
    Failed {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        error: Error,
    },
    /// Cancelled by [`Queue::shutdown`] with `force`.
    Cancelled,
}

impl JobStatus {
    /// Whether the job finished (succeeded, failed or was cancelled).
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded { .. } | JobStatus::Failed { .. } | JobStatus::Cancelled
        )
    }
}

/// Counters of a queue (execo `Report`-style); see [`Queue::stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// Jobs added.
    pub queued: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Jobs that failed on their last attempt.
    pub failed: u64,
    /// Jobs cancelled (running or waiting).
    pub cancelled: u64,
    /// Attempts started (first attempts and retries).
    pub attempts: u64,
    /// Retries (attempts after a failure).
    pub retries: u64,
    /// Connections tried.
    pub connect_attempts: u64,
    /// Connections that failed.
    pub connect_failures: u64,
    /// Logins tried by [`autologin`] / [`autoauthenticate`].
    pub login_attempts: u64,
    /// Logins the device rejected (or that failed otherwise).
    pub login_failures: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    queued: AtomicU64,
    succeeded: AtomicU64,
    failed: AtomicU64,
    cancelled: AtomicU64,
    attempts: AtomicU64,
    retries: AtomicU64,
    pub(crate) connect_attempts: AtomicU64,
    pub(crate) connect_failures: AtomicU64,
    pub(crate) login_attempts: AtomicU64,
    pub(crate) login_failures: AtomicU64,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    fn snapshot(&self) -> QueueStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        QueueStats {
            queued: get(&self.queued),
            succeeded: get(&self.succeeded),
            failed: get(&self.failed),
            cancelled: get(&self.cancelled),
            attempts: get(&self.attempts),
            retries: get(&self.retries),
            connect_attempts: get(&self.connect_attempts),
            connect_failures: get(&self.connect_failures),
            login_attempts: get(&self.login_attempts),
            login_failures: get(&self.login_failures),
        }
    }

    fn reset(&self) {
        for c in [
            &self.queued,
            &self.succeeded,
            &self.failed,
            &self.cancelled,
            &self.attempts,
            &self.retries,
            &self.connect_attempts,
            &self.connect_failures,
            &self.login_attempts,
            &self.login_failures,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

enum Work {
    Host { host: Host, f: HostJobFn },
    Plain(PlainJobFn),
}

struct Pending {
    id: JobId,
    name: String,
    attempts: u32,
    work: Work,
    /// Told how the job ended (its last attempt), for [`JobResults`].
    done: Option<oneshot::Sender<JobStatus>>,
}

/// A job about to be added: its name, how many attempts it gets, what it
/// does, and who wants to know how it ended.
struct NewJob {
    name: String,
    attempts: u32,
    work: Work,
    done: Option<oneshot::Sender<JobStatus>>,
}

struct State {
    waiting: VecDeque<Pending>,
    running: usize,
    max: usize,
    next_id: u64,
    total: usize,
    finished: usize,
    /// How many jobs of each name are waiting or running.
    active_names: HashMap<String, usize>,
    status: HashMap<JobId, JobStatus>,
    /// Waiters of [`Queue::finished`], told the final status of their job.
    finish_waiters: HashMap<JobId, Vec<oneshot::Sender<JobStatus>>>,
    /// Cancels the jobs started since the last forced shutdown.
    cancel: CancellationToken,
    destroyed: bool,
}

impl State {
    /// Records the final status of a job and tells its waiters.
    fn finish(&mut self, id: JobId, status: JobStatus) {
        for waiter in self.finish_waiters.remove(&id).unwrap_or_default() {
            let _ = waiter.send(status.clone());
        }
        self.status.insert(id, status);
    }

    fn release_name(&mut self, name: &str) {
        if let Some(n) = self.active_names.get_mut(name) {
            *n -= 1;
            if *n == 0 {
                self.active_names.remove(name);
            }
        }
    }
}

pub(crate) struct Shared {
    pub(crate) options: QueueOptions,
    pub(crate) accounts: AccountManager,
    pub(crate) counters: Counters,
    events: EventBus,
    state: Mutex<State>,
    /// Waiting plus running jobs.
    active: watch::Sender<usize>,
    runtime: Option<tokio::runtime::Handle>,
}

/// How a batch of jobs enters the queue.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    Back,
    BackUnlessActive,
    Front,
    FrontOrRaise,
    Force,
}

/// A queue of jobs run on hosts, at most
/// [`max_connections`](QueueOptions::max_connections) at a time; see the
/// [module docs](self). Clones are handles to the same queue.
#[derive(Clone)]
pub struct Queue {
    shared: Arc<Shared>,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("Queue")
            .field("waiting", &st.waiting.len())
            .field("running", &st.running)
            .field("max_connections", &st.max)
            .field("finished", &st.finished)
            .field("total", &st.total)
            .finish_non_exhaustive()
    }
}

impl Default for Queue {
    fn default() -> Self {
        Queue::new(QueueOptions::default())
    }
}

impl Queue {
    /// A queue with `options`. Jobs run on the Tokio runtime current when
    /// the queue is created (or, if there was none, the one current when
    /// jobs are added).
    pub fn new(options: QueueOptions) -> Queue {
        let max = options.max_connections.max(1);
        let (active, _) = watch::channel(0);
        Queue {
            shared: Arc::new(Shared {
                options,
                accounts: AccountManager::new(),
                counters: Counters::default(),
                events: EventBus::new(),
                state: Mutex::new(State {
                    waiting: VecDeque::new(),
                    running: 0,
                    max,
                    next_id: 1,
                    total: 0,
                    finished: 0,
                    active_names: HashMap::new(),
                    status: HashMap::new(),
                    finish_waiters: HashMap::new(),
                    cancel: CancellationToken::new(),
                    destroyed: false,
                }),
                active,
                runtime: tokio::runtime::Handle::try_current().ok(),
            }),
        }
    }

    /// The queue's settings.
    pub fn options(&self) -> &QueueOptions {
        &self.shared.options
    }

    // ----- accounts ------------------------------------------------------

    /// Adds an account to the default pool, used for hosts that have no
    /// account of their own and match no other pool.
    ///
    /// A pooled account serves one job at a time (as in Exscript): jobs
    /// that need it wait while another job holds it. Add an account several
    /// times (or a pool of copies) to let that many jobs use it at once.
    pub fn add_account(&self, account: Account) {
        self.shared.accounts.add_account(account);
    }

    /// Adds an account pool. With a matcher, the pool serves the hosts it
    /// accepts (pools are tried in the order added); without, it replaces
    /// the default pool. A host's own account always comes first.
    pub fn add_account_pool(&self, pool: AccountPool, matcher: Option<PoolMatcher>) {
        self.shared.accounts.add_pool(pool, matcher);
    }

    /// The account manager (pools and selection).
    pub fn accounts(&self) -> &AccountManager {
        &self.shared.accounts
    }

    /// The variables shared by the queue's jobs (also
    /// [`JobContext::variables`]).
    #[doc(alias = "vars")]
    pub fn variables(&self) -> &Variables {
        &self.shared.options.variables
    }

    /// The logger, if one was configured.
    pub fn logger(&self) -> Option<&Logger> {
        self.shared.options.logger.as_ref()
    }

    // ----- adding jobs ---------------------------------------------------

    /// Runs `job` once for each host, after the jobs already queued
    /// (Exscript `run`). Returns the new jobs' ids, one per host, in order.
    ///
    /// The job function gets a connected Session that is not logged in;
    /// see [`autologin`]. Host jobs are named after their host.
    pub fn run<F, Fut>(&self, hosts: impl IntoHosts, job: F) -> Result<Vec<JobId>>
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.add_hosts(hosts, boxed_host_fn(job), Placement::Back)
    }

    /// Like [`run`](Queue::run), but skips hosts that have a job of the
    /// same name waiting or running (Exscript `run_or_ignore`). Returns the
    /// ids of the jobs added.
    pub fn run_or_ignore<F, Fut>(&self, hosts: impl IntoHosts, job: F) -> Result<Vec<JobId>>
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.add_hosts(hosts, boxed_host_fn(job), Placement::BackUnlessActive)
    }

    /// Like [`run`](Queue::run), but the jobs go to the front of the
    /// queue, in the order given (Exscript `priority_run`).
    pub fn priority_run<F, Fut>(&self, hosts: impl IntoHosts, job: F) -> Result<Vec<JobId>>
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.add_hosts(hosts, boxed_host_fn(job), Placement::Front)
    }

    /// Like [`priority_run`](Queue::priority_run), but a host that already
    /// has a job waiting is not added again: that job moves to the front
    /// instead (a host whose job is running is left alone). Returns the
    /// ids of the jobs added.
    pub fn priority_run_or_raise<F, Fut>(&self, hosts: impl IntoHosts, job: F) -> Result<Vec<JobId>>
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.add_hosts(hosts, boxed_host_fn(job), Placement::FrontOrRaise)
    }

    /// Starts the jobs at once, even past the connection limit (Exscript
    /// `force_run`). They count as running, so other jobs wait until the
    /// number of running jobs is below the limit again.
    pub fn force_run<F, Fut>(&self, hosts: impl IntoHosts, job: F) -> Result<Vec<JobId>>
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.add_hosts(hosts, boxed_host_fn(job), Placement::Force)
    }

    /// Queues a job that has no host (no connection is opened), named
    /// `name`, tried up to `attempts` times (Exscript `enqueue`). It counts
    /// against the connection limit like any job.
    pub fn enqueue<F, Fut>(&self, job: F, name: impl Into<String>, attempts: u32) -> Result<JobId>
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        let f: PlainJobFn = Arc::new(move |ctx| job(ctx).boxed());
        let job = NewJob {
            name: name.into(),
            attempts: attempts.max(1),
            work: Work::Plain(f),
            done: None,
        };
        let mut ids = self.add(vec![job], Placement::Back)?;
        ids.pop().ok_or(Error::QueueDestroyed)
    }

    /// Like [`run`](Queue::run), for a job that returns a value: the
    /// handle it returns collects, for each host, the value of its job or
    /// the error of its last attempt (see [`JobResults`]).
    ///
    /// ```no_run
    /// use oxscript_jobs::queue::{autologin, Queue};
    ///
    /// # async fn demo(queue: &Queue) -> oxscript_jobs::Result<()> {
    /// let results = queue.run_collect(
    ///     vec!["telnet://r1", "telnet://r2"],
    ///     autologin(|_ctx, _host, mut session| async move {
    ///         let version = session.execute("show version").await?;
    ///         Ok(version.text().lines().count())
    ///     }),
    /// )?;
    /// for (host, lines) in results.join().await {
    ///     match lines {
    ///         Ok(n) => println!("{}: {n} lines", host.name()),
    ///         Err(e) => println!("{}: failed: {e}", host.name()),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn run_collect<F, Fut, T>(&self, hosts: impl IntoHosts, job: F) -> Result<JobResults<T>>
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let job: HostJobFn<T> = Arc::new(move |ctx, host, session| job(ctx, host, session).boxed());
        let mut collector = results::Collector::default();
        let batch = self
            .prepare_hosts(hosts)?
            .into_iter()
            .map(|host| {
                let (f, done) = collector.add(&host, Arc::clone(&job));
                NewJob {
                    name: host.name().to_owned(),
                    attempts: self.shared.options.attempts.max(1),
                    work: Work::Host { host, f },
                    done: Some(done),
                }
            })
            .collect();
        let ids = self.add(batch, Placement::Back)?;
        Ok(collector.finish(ids))
    }

    /// The hosts, with the queue's default domain and driver applied.
    fn prepare_hosts(&self, hosts: impl IntoHosts) -> Result<Vec<Host>> {
        let options = &self.shared.options;
        let mut hosts = hosts.into_hosts()?;
        for host in &mut hosts {
            if let Some(domain) = &options.default_domain {
                host.apply_default_domain(domain);
            }
            if host.driver().is_none()
                && let Some(driver) = &options.host_driver
            {
                host.set_driver(Some(driver.clone()));
            }
        }
        Ok(hosts)
    }

    fn add_hosts(
        &self,
        hosts: impl IntoHosts,
        f: HostJobFn,
        placement: Placement,
    ) -> Result<Vec<JobId>> {
        let attempts = self.shared.options.attempts.max(1);
        let batch = self
            .prepare_hosts(hosts)?
            .into_iter()
            .map(|host| NewJob {
                name: host.name().to_owned(),
                attempts,
                work: Work::Host {
                    host,
                    f: Arc::clone(&f),
                },
                done: None,
            })
            .collect();
        self.add(batch, placement)
    }

    fn add(&self, batch: Vec<NewJob>, placement: Placement) -> Result<Vec<JobId>> {
        let shared = &self.shared;
        if shared.runtime.is_none() && tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        let mut added = Vec::new();
        let mut st = shared.lock();
        if st.destroyed {
            return Err(Error::QueueDestroyed);
        }
        // Jobs for the front, in the order given (new and raised alike).
        let mut front: Vec<Pending> = Vec::new();
        for NewJob {
            name,
            attempts,
            work,
            done,
        } in batch
        {
            let active = st.active_names.contains_key(&name);
            if placement == Placement::BackUnlessActive && active {
                continue;
            }
            if placement == Placement::FrontOrRaise && active {
                if let Some(pos) = st.waiting.iter().position(|p| p.name == name)
                    && let Some(p) = st.waiting.remove(pos)
                {
                    front.push(p);
                }
                continue;
            }
            let id = JobId(st.next_id);
            st.next_id += 1;
            st.total += 1;
            *st.active_names.entry(name.clone()).or_default() += 1;
            st.status.insert(id, JobStatus::Queued);
            bump(&shared.counters.queued);
            let host = match &work {
                Work::Host { host, .. } => Some(host.name().to_owned()),
                Work::Plain(_) => None,
            };
            // Told before the job can start (its task may run at once on
            // another thread): subscribers see `queued` before `started`.
            shared.events.emit(|| Event::Queued {
                job: JobInfo {
                    id: id.0,
                    name: name.clone(),
                    host,
                },
            });
            added.push(id);
            let pending = Pending {
                id,
                name,
                attempts,
                work,
                done,
            };
            match placement {
                Placement::Back | Placement::BackUnlessActive => st.waiting.push_back(pending),
                Placement::Front | Placement::FrontOrRaise => front.push(pending),
                Placement::Force => shared.start(&mut st, pending),
            }
        }
        for pending in front.into_iter().rev() {
            st.waiting.push_front(pending);
        }
        shared.pump(&mut st);
        Ok(added)
    }

    // ----- limits and state ----------------------------------------------

    /// The connection limit.
    pub fn max_connections(&self) -> usize {
        self.shared.lock().max
    }

    /// Changes the connection limit (values below 1 count as 1). Jobs
    /// already running are not affected; growing the limit starts waiting
    /// jobs at once.
    pub fn set_max_connections(&self, n: usize) {
        let mut st = self.shared.lock();
        st.max = n.max(1);
        self.shared.pump(&mut st);
    }

    /// How many jobs run now.
    pub fn running(&self) -> usize {
        self.shared.lock().running
    }

    /// How many jobs wait for a slot.
    pub fn waiting(&self) -> usize {
        self.shared.lock().waiting.len()
    }

    /// Whether no job is waiting or running.
    pub fn is_completed(&self) -> bool {
        *self.shared.active.borrow() == 0
    }

    /// The share of jobs finished, in percent (0 when no job was added).
    pub fn progress(&self) -> f64 {
        let st = self.shared.lock();
        if st.total == 0 {
            0.0
        } else {
            st.finished as f64 * 100.0 / st.total as f64
        }
    }

    /// Where the job `id` is (`None` for an id this queue never gave out,
    /// or after [`destroy`](Queue::destroy)).
    pub fn status(&self, id: JobId) -> Option<JobStatus> {
        self.shared.lock().status.get(&id).cloned()
    }

    /// Waits until the job `id` has finished and returns how it ended
    /// ([`JobStatus::Succeeded`], [`JobStatus::Failed`] after its last
    /// attempt, or [`JobStatus::Cancelled`]); at once if it has already.
    /// `None` for an id this queue never gave out, or whose status was
    /// forgotten ([`forget_finished`](Queue::forget_finished),
    /// [`destroy`](Queue::destroy)) before this was called. The waiter is
    /// registered when this is called, not when the future is first
    /// polled.
    ///
    /// ```
    /// use oxscript_jobs::queue::{JobStatus, Queue};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> oxscript_jobs::Result<()> {
    /// let queue = Queue::default();
    /// let id = queue.enqueue(|_ctx| async { Ok(()) }, "job", 1)?;
    /// let status = queue.finished(id).await;
    /// assert!(matches!(status, Some(JobStatus::Succeeded { attempts: 1 })));
    /// # Ok(()) }
    /// ```
    pub fn finished(&self, id: JobId) -> impl Future<Output = Option<JobStatus>> + Send + 'static {
        // Registered now, not when first polled: a status forgotten after
        // this call still reaches the waiter.
        let waiting = {
            let mut st = self.shared.lock();
            match st.status.get(&id) {
                None => Err(None),
                Some(status) if status.is_finished() => Err(Some(status.clone())),
                Some(_) => {
                    let (tx, rx) = oneshot::channel();
                    st.finish_waiters.entry(id).or_default().push(tx);
                    Ok(rx)
                }
            }
        };
        async move {
            match waiting {
                Ok(rx) => rx.await.ok(),
                Err(known) => known,
            }
        }
    }

    /// Forgets the status of finished jobs (their [`status`](Queue::status)
    /// becomes `None`), so a long-lived queue does not keep one entry per
    /// job ever run. Counters and progress are kept.
    pub fn forget_finished(&self) {
        self.shared
            .lock()
            .status
            .retain(|_, status| !status.is_finished());
    }

    /// The queue's counters.
    pub fn stats(&self) -> QueueStats {
        self.shared.counters.snapshot()
    }

    /// Events about the queue's jobs (see [`crate::events`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    // ----- waiting and stopping ------------------------------------------

    /// Waits until no job is waiting or running, then until the logger (if
    /// any) has written everything; fails only if log files could not be
    /// written.
    pub async fn join(&self) -> Result<()> {
        let mut rx = self.shared.active.subscribe();
        // The sender lives as long as `self`, so this only returns on zero.
        let _ = rx.wait_for(|n| *n == 0).await;
        match &self.shared.options.logger {
            Some(logger) => logger.flush().await,
            None => Ok(()),
        }
    }

    /// Stops the queue's work (Exscript `shutdown`). Without `force`, this
    /// is [`join`](Queue::join). With `force`, waiting jobs are dropped and
    /// running jobs are cancelled (their futures are dropped, so their
    /// sessions close and their accounts return to the pools); this waits
    /// until they have ended. The queue can be used again afterwards.
    pub async fn shutdown(&self, force: bool) -> Result<()> {
        if force {
            self.shared.cancel_all();
        }
        self.join().await
    }

    /// Like [`shutdown`](Queue::shutdown), then removes the accounts and
    /// forgets the jobs; the queue takes no more jobs afterwards (Exscript
    /// `destroy`).
    pub async fn destroy(&self, force: bool) -> Result<()> {
        let result = self.shutdown(force).await;
        {
            let mut st = self.shared.lock();
            st.destroyed = true;
            st.total = 0;
            st.finished = 0;
            st.status.clear();
            st.finish_waiters.clear();
        }
        self.shared.accounts.reset();
        self.shared.counters.reset();
        result
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        oxscript_core::sync::lock(&self.state)
    }

    fn publish_active(&self, st: &State) {
        self.active.send_replace(st.waiting.len() + st.running);
    }

    /// Starts waiting jobs while there is room.
    fn pump(self: &Arc<Self>, st: &mut State) {
        while st.running < st.max && !st.destroyed {
            let Some(pending) = st.waiting.pop_front() else {
                break;
            };
            self.start(st, pending);
        }
        self.publish_active(st);
    }

    fn start(self: &Arc<Self>, st: &mut State, pending: Pending) {
        st.running += 1;
        st.status
            .insert(pending.id, JobStatus::Running { attempt: 1 });
        let cancel = st.cancel.clone();
        let task = Arc::clone(self).run_job(pending, cancel);
        match &self.runtime {
            Some(handle) => drop(handle.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
        self.publish_active(st);
    }

    fn cancel_all(self: &Arc<Self>) {
        let (dropped, token) = {
            let mut st = self.lock();
            let dropped: Vec<Pending> = st.waiting.drain(..).collect();
            for p in &dropped {
                st.release_name(&p.name);
                st.finish(p.id, JobStatus::Cancelled);
                st.finished += 1;
                bump(&self.counters.cancelled);
                self.events.emit(|| Event::Cancelled {
                    job: JobInfo {
                        id: p.id.0,
                        name: p.name.clone(),
                        host: match &p.work {
                            Work::Host { host, .. } => Some(host.name().to_owned()),
                            Work::Plain(_) => None,
                        },
                    },
                });
            }
            let (finished, total) = (st.finished, st.total);
            self.events.emit(|| Event::Progress { finished, total });
            // Last: `join` may return as soon as this is published.
            let token = std::mem::take(&mut st.cancel);
            self.publish_active(&st);
            (dropped, token)
        };
        token.cancel();
        for mut p in dropped {
            if let Some(done) = p.done.take() {
                let _ = done.send(JobStatus::Cancelled);
            }
        }
    }

    async fn run_job(self: Arc<Self>, pending: Pending, cancel: CancellationToken) {
        let Pending {
            id,
            name,
            attempts,
            work,
            done,
        } = pending;
        let host = match &work {
            Work::Host { host, .. } => Some(host.clone()),
            Work::Plain(_) => None,
        };
        let info = JobInfo {
            id: id.0,
            name: name.clone(),
            host: host.as_ref().map(|h| h.name().to_owned()),
        };
        let mut attempt = 1;
        let status = loop {
            bump(&self.counters.attempts);
            self.lock()
                .status
                .insert(id, JobStatus::Running { attempt });
            let log = self
                .options
                .logger
                .as_ref()
                .map(|logger| logger.start(id.0, &name, info.host.as_deref(), attempt));
            let ctx = JobContext::new(
                Arc::clone(&self),
                id,
                name.clone(),
                attempt,
                host.clone(),
                log.clone(),
                cancel.clone(),
            );
            self.events.emit(|| Event::Started {
                job: info.clone(),
                attempt,
            });
            let work_future = match &work {
                Work::Host { host, f } => host_attempt(ctx, host.clone(), Arc::clone(f)),
                Work::Plain(f) => f(ctx),
            };
            let result = tokio::select! {
                biased;
                () = cancel.cancelled() => Err(Error::Cancelled),
                r = AssertUnwindSafe(work_future).catch_unwind() => r.unwrap_or_else(|panic| Err(panicked(panic))),
            };
            match result {
                Ok(()) => {
                    if let Some(log) = &log {
                        log.succeeded();
                    }
                    bump(&self.counters.succeeded);
                    self.events.emit(|| Event::Succeeded {
                        job: info.clone(),
                        attempt,
                    });
                    break JobStatus::Succeeded { attempts: attempt };
                }
                Err(error) if error.is_cancelled() || cancel.is_cancelled() => {
                    if let Some(log) = &log {
                        log.failed(&Error::Cancelled);
                    }
                    bump(&self.counters.cancelled);
                    self.events.emit(|| Event::Cancelled { job: info.clone() });
                    break JobStatus::Cancelled;
                }
                Err(error) => {
                    if let Some(log) = &log {
                        log.failed(&error);
                    }
                    if let Some(callback) = &self.options.error_callback {
                        callback(&name, &error);
                    }
                    let will_retry = attempt < attempts;
                    tracing::debug!(job = %name, attempt, will_retry, error = %error, "job attempt failed");
                    self.events.emit(|| Event::Failed {
                        job: info.clone(),
                        attempt,
                        error: error.clone(),
                        will_retry,
                    });
                    if will_retry {
                        attempt += 1;
                        bump(&self.counters.retries);
                        self.events.emit(|| Event::Retried {
                            job: info.clone(),
                            attempt,
                        });
                        continue;
                    }
                    bump(&self.counters.failed);
                    break JobStatus::Failed {
                        attempts: attempt,
                        error,
                    };
                }
            }
        };
        if let Some(done) = done {
            // The collector may be gone: nobody waits for this result.
            let _ = done.send(status.clone());
        }
        let mut st = self.lock();
        st.running -= 1;
        st.finished += 1;
        st.release_name(&name);
        st.finish(id, status);
        // Before `pump` publishes the new count of active jobs: `join`
        // returns when it reaches zero, and the last progress event must
        // already be out by then.
        let (finished, total) = (st.finished, st.total);
        self.events.emit(|| Event::Progress { finished, total });
        self.pump(&mut st);
    }
}

/// One attempt of a host job: connect, then call the function.
fn host_attempt(ctx: JobContext, host: Host, f: HostJobFn) -> BoxFuture<'static, Result<()>> {
    Box::pin(async move {
        let session = ctx.connect().await?;
        f(ctx, host, session).await
    })
}

/// The error for a caught panic.
pub(crate) fn panicked(panic: Box<dyn std::any::Any + Send>) -> Error {
    let message = if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    };
    Error::Panicked { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_and_status() {
        assert_eq!(JobId(4).to_string(), "#4");
        assert_eq!(JobId(4).get(), 4);
        assert!(JobStatus::Cancelled.is_finished());
        assert!(!JobStatus::Queued.is_finished());
        assert!(!JobStatus::Running { attempt: 1 }.is_finished());
    }

    #[test]
    fn panic_messages() {
        let e = panicked(Box::new("boom"));
        assert_eq!(e.to_string(), "job panicked: boom");
        let e = panicked(Box::new(String::from("bang")));
        assert_eq!(e.to_string(), "job panicked: bang");
        let e = panicked(Box::new(3_u8));
        assert_eq!(e.to_string(), "job panicked: (no message)");
    }

    #[test]
    fn adding_jobs_needs_a_runtime() {
        let queue = Queue::default();
        let err = queue.enqueue(|_ctx| async { Ok(()) }, "x", 1).unwrap_err();
        assert!(matches!(err, Error::NoRuntime), "{err:?}");
        assert!(queue.is_completed());
        assert_eq!(queue.progress(), 0.0);
        assert!(format!("{queue:?} {:?}", queue.options()).contains("max_connections: 10"));
    }

    #[tokio::test]
    async fn finished_waits_for_the_final_status() {
        let queue = Queue::new(QueueOptions {
            max_connections: 1,
            attempts: 2,
            ..QueueOptions::default()
        });
        let (release, gate) = tokio::sync::watch::channel(false);
        let blocker = queue
            .enqueue(
                move |_ctx| {
                    let mut gate = gate.clone();
                    async move {
                        let _ = gate.wait_for(|open| *open).await;
                        Err(Error::msg("boom"))
                    }
                },
                "blocker",
                2,
            )
            .unwrap();
        let waiting = queue
            .enqueue(|_ctx| async { Ok(()) }, "waiting", 1)
            .unwrap();
        let (blocker_status, waiting_status, ()) =
            tokio::join!(queue.finished(blocker), queue.finished(waiting), async {
                tokio::task::yield_now().await;
                release.send_replace(true);
            });
        assert!(
            matches!(blocker_status, Some(JobStatus::Failed { attempts: 2, .. })),
            "{blocker_status:?}"
        );
        assert!(matches!(
            waiting_status,
            Some(JobStatus::Succeeded { attempts: 1 })
        ));
        // Known and finished: at once; unknown: None.
        assert!(queue.finished(waiting).await.is_some());
        queue.forget_finished();
        assert!(queue.finished(waiting).await.is_none());
        // Cancelled while waiting for a slot.
        let (_hold, gate) = tokio::sync::watch::channel(false);
        let running = queue
            .enqueue(
                move |_ctx| {
                    let mut gate = gate.clone();
                    async move {
                        let _ = gate.wait_for(|open| *open).await;
                        Ok(())
                    }
                },
                "running",
                1,
            )
            .unwrap();
        let queued = queue.enqueue(|_ctx| async { Ok(()) }, "queued", 1).unwrap();
        let (running_status, queued_status, shutdown) = tokio::join!(
            queue.finished(running),
            queue.finished(queued),
            queue.shutdown(true)
        );
        shutdown.unwrap();
        assert!(matches!(running_status, Some(JobStatus::Cancelled)));
        assert!(matches!(queued_status, Some(JobStatus::Cancelled)));
    }

    #[tokio::test]
    async fn plain_jobs_run_and_count() {
        let queue = Queue::new(QueueOptions {
            max_connections: 2,
            ..QueueOptions::default()
        });
        let vars = queue.variables().clone();
        let id = queue
            .enqueue(
                |ctx| async move {
                    ctx.variables().set("seen", ctx.name());
                    Ok(())
                },
                "plain",
                1,
            )
            .unwrap();
        queue.join().await.unwrap();
        assert_eq!(vars.get("seen").as_deref(), Some("plain"));
        assert!(matches!(
            queue.status(id),
            Some(JobStatus::Succeeded { attempts: 1 })
        ));
        assert_eq!(queue.progress(), 100.0);
        let stats = queue.stats();
        assert_eq!((stats.queued, stats.succeeded, stats.attempts), (1, 1, 1));
    }
}
