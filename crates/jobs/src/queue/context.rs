//! [`JobContext`]: what a queued job knows about itself and its queue.

use std::fmt;
use std::sync::Arc;

use oxscript_core::{Account, AccountGuard, AccountManager, Host};
use oxscript_transport::{Session, SessionOptions};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

use super::{JobId, Shared, bump};
use crate::error::{Error, Result};
use crate::log::{LogHandle, Logger};
use crate::vars::Variables;

/// Handed to every job function: the job's id, name and attempt number,
/// its log, the queue's variables and accounts, and the queue's way to
/// connect and log in (with its retry settings). Cloning is cheap.
#[derive(Clone)]
pub struct JobContext(Arc<Inner>);

struct Inner {
    shared: Arc<Shared>,
    id: JobId,
    name: String,
    attempt: u32,
    host: Option<Host>,
    log: Option<LogHandle>,
    cancel: CancellationToken,
}

impl fmt::Debug for JobContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobContext")
            .field("id", &self.0.id)
            .field("name", &self.0.name)
            .field("attempt", &self.0.attempt)
            .field("host", &self.0.host.as_ref().map(Host::name))
            .finish_non_exhaustive()
    }
}

/// Which login step to perform.
#[derive(Clone, Copy)]
enum Step {
    Login,
    Authenticate,
}

impl JobContext {
    pub(super) fn new(
        shared: Arc<Shared>,
        id: JobId,
        name: String,
        attempt: u32,
        host: Option<Host>,
        log: Option<LogHandle>,
        cancel: CancellationToken,
    ) -> JobContext {
        JobContext(Arc::new(Inner {
            shared,
            id,
            name,
            attempt,
            host,
            log,
            cancel,
        }))
    }

    /// The job's id.
    pub fn id(&self) -> JobId {
        self.0.id
    }

    /// The job's name (the host's name for host jobs).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The attempt being run, from 1.
    pub fn attempt(&self) -> u32 {
        self.0.attempt
    }

    /// The job's host (`None` for jobs added with [`enqueue`](super::Queue::enqueue)).
    pub fn host(&self) -> Option<&Host> {
        self.0.host.as_ref()
    }

    /// The queue's logger, if any.
    pub fn logger(&self) -> Option<&Logger> {
        self.0.shared.options.logger.as_ref()
    }

    /// The queue's shared variables.
    pub fn vars(&self) -> &Variables {
        &self.0.shared.options.variables
    }

    /// The queue's accounts.
    pub fn accounts(&self) -> &AccountManager {
        &self.0.shared.accounts
    }

    /// The settings the queue opens sessions with.
    pub fn session_options(&self) -> &SessionOptions {
        &self.0.shared.options.session
    }

    /// Writes a message to the job's log (and to `tracing` at debug level).
    pub fn log(&self, message: impl AsRef<str>) {
        let message = message.as_ref();
        tracing::debug!(job = %self.0.name, attempt = self.0.attempt, "{message}");
        if let Some(log) = &self.0.log {
            log.message(message);
        }
    }

    /// Whether the queue is cancelling this job. The job's future is
    /// dropped at its next `.await` anyway; this lets long computations
    /// between awaits stop early.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancel.is_cancelled()
    }

    /// Completes when the queue cancels this job.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.0.cancel.cancelled()
    }

    /// Takes an account for the job's host: the host's own account, else
    /// one from the first matching pool, else from the default pool. It
    /// returns to its pool when the guard is dropped.
    pub async fn acquire_account(&self) -> Result<AccountGuard> {
        let host = self.require_host()?;
        Ok(self.0.shared.accounts.acquire_for(host).await?)
    }

    fn require_host(&self) -> Result<&Host> {
        self.0.host.as_ref().ok_or_else(|| {
            Error::msg(format!(
                "job `{}` has no host to connect to (it was added with enqueue)",
                self.0.name
            ))
        })
    }

    /// Opens a new connection to the job's host, with the queue's session
    /// settings, trying up to `connect_attempts` times while the
    /// connection fails. The transcript goes to the job's log.
    pub async fn connect(&self) -> Result<Session> {
        let host = self.require_host()?.clone();
        self.connect_to(&host).await
    }

    /// Like [`connect`](JobContext::connect), to any host.
    pub async fn connect_to(&self, host: &Host) -> Result<Session> {
        let shared = &self.0.shared;
        let attempts = shared.options.connect_attempts.max(1);
        let mut n = 1;
        loop {
            bump(&shared.counters.connect_attempts);
            match Session::connect_with(host, shared.options.session.clone()).await {
                Ok(mut session) => {
                    if let Some(log) = &self.0.log {
                        // What arrived before the sink was attached first.
                        log.write(session.buffer().as_bytes());
                        let log = log.clone();
                        session.set_transcript(move |data| log.write(data));
                    }
                    return Ok(session);
                }
                Err(e) => {
                    bump(&shared.counters.connect_failures);
                    let e = Error::from(e);
                    if !e.is_connect_failure() || n >= attempts {
                        return Err(e);
                    }
                    self.log(format!(
                        "connection attempt {n} of {attempts} to {host} failed: {e}"
                    ));
                    n += 1;
                }
            }
        }
    }

    /// Logs `session` in with `account` (authentication, then authorization
    /// where the device asks for it). When the device rejects the
    /// credentials, tries again on a new connection, up to
    /// `login_attempts` times in total; returns the logged-in session.
    pub async fn login(&self, session: Session, account: &Account) -> Result<Session> {
        self.login_step(session, account, Step::Login).await
    }

    /// Like [`login`](JobContext::login) without authorization (Exscript
    /// `authenticate`).
    pub async fn authenticate(&self, session: Session, account: &Account) -> Result<Session> {
        self.login_step(session, account, Step::Authenticate).await
    }

    async fn login_step(
        &self,
        mut session: Session,
        account: &Account,
        step: Step,
    ) -> Result<Session> {
        let shared = &self.0.shared;
        let attempts = shared.options.login_attempts.max(1);
        let mut n = 1;
        loop {
            bump(&shared.counters.login_attempts);
            let result = match step {
                Step::Login => session.login_with(account).await,
                Step::Authenticate => session.authenticate_with(account).await,
            };
            match result {
                Ok(()) => return Ok(session),
                Err(e) => {
                    bump(&shared.counters.login_failures);
                    let e = Error::from(e);
                    if !e.is_login_failure() || n >= attempts {
                        return Err(e);
                    }
                    self.log(format!(
                        "login attempt {n} of {attempts} as {account} failed: {e}"
                    ));
                    let host = session.host().clone();
                    let _ = session.close().await;
                    session = self.connect_to(&host).await?;
                    n += 1;
                }
            }
        }
    }
}
