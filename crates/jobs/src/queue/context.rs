//! [`JobContext`]: what a queued job knows about itself and its queue.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use oxscript_core::{Account, AccountGuard, AccountManager, Host};
use oxscript_shells::AutoRecoveringTerminal;
use oxscript_transport::{Session, SessionOptions, Transcript};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

use super::{JobId, Shared, bump};
use crate::error::{Error, Result};
use crate::log::{LogHandle, Logger};
use crate::login::LoginMode;
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

/// The attempts at an operation the queue retries (connecting, logging
/// in): how many are allowed, what they count, which failures are worth
/// another attempt, and how a retried failure is logged.
struct Attempts<'a, D> {
    ctx: &'a JobContext,
    allowed: u32,
    tried: &'a AtomicU64,
    failed: &'a AtomicU64,
    retryable: fn(&Error) -> bool,
    /// Describes failed attempt `n` of `allowed` for the job's log.
    describe: D,
    n: u32,
}

impl<D: Fn(u32, u32, &Error) -> String> Attempts<'_, D> {
    /// An attempt starts.
    fn start(&mut self) {
        self.n += 1;
        bump(self.tried);
    }

    /// The attempt failed with `error`: `Ok` to try again (the failure is
    /// logged), or the error to return.
    fn failed(&mut self, error: Error) -> Result<()> {
        bump(self.failed);
        if !(self.retryable)(&error) || self.n >= self.allowed.max(1) {
            return Err(error);
        }
        self.ctx
            .log((self.describe)(self.n, self.allowed.max(1), &error));
        Ok(())
    }
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

    /// The queue's shared variables ([`Queue::variables`](super::Queue::variables)).
    #[doc(alias = "vars")]
    pub fn variables(&self) -> &Variables {
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
    /// connection fails. The transcript goes to the job's log, from the
    /// first byte.
    pub async fn connect(&self) -> Result<Session> {
        let host = self.require_host()?.clone();
        self.connect_to(&host).await
    }

    /// Like [`connect`](JobContext::connect), to any host.
    pub async fn connect_to(&self, host: &Host) -> Result<Session> {
        let shared = &self.0.shared;
        let mut options = shared.options.session.clone();
        if let Some(log) = &self.0.log {
            let log = log.clone();
            options.transcript = Some(Transcript::new(move |data| log.write(data)));
        }
        let mut attempts = Attempts {
            ctx: self,
            allowed: shared.options.connect_attempts,
            tried: &shared.counters.connect_attempts,
            failed: &shared.counters.connect_failures,
            retryable: Error::is_connect_failure,
            describe: |n, of, e: &Error| {
                format!("connection attempt {n} of {of} to {host} failed: {e}")
            },
            n: 0,
        };
        loop {
            attempts.start();
            match Session::connect_with(host, options.clone()).await {
                Ok(session) => return Ok(session),
                Err(e) => attempts.failed(e.into())?,
            }
        }
    }

    /// A terminal on the job's host that rebuilds its shell stack by
    /// itself (crl `AutoRecoveringTerminal`, see [`oxscript_shells`]):
    /// each (re)opening connects and logs in the way
    /// [`connect`](JobContext::connect) and [`login`](JobContext::login) do
    /// (with the queue's retries and the job's transcript), then pushes
    /// the shells added to it. Nothing is opened before the terminal's first run. The
    /// account is the host's own, else one taken from the queue's pools
    /// for the login and given back once logged in.
    ///
    /// ```no_run
    /// use oxscript_shells::{BashShell, SudoShell};
    /// # async fn job(ctx: oxscript_jobs::queue::JobContext) -> oxscript_jobs::Result<()> {
    /// let mut term = ctx
    ///     .terminal()?
    ///     .shell(BashShell::new())
    ///     .shell(SudoShell::new(Some("pw".into())));
    /// let out = term.run("id -u").await?;
    /// ctx.log(format!("uid {}", out.text));
    /// term.close().await;
    /// # Ok(()) }
    /// ```
    pub fn terminal(&self) -> Result<AutoRecoveringTerminal> {
        self.require_host()?;
        let ctx = self.clone();
        let opener = move || {
            let ctx = ctx.clone();
            async move {
                let opened = async {
                    let account = ctx.acquire_account().await?;
                    let session = ctx.connect().await?;
                    ctx.login(session, account.account()).await
                }
                .await;
                opened.map_err(|e: Error| match e.transport() {
                    Some(t) => oxscript_shells::Error::Transport(t.clone()),
                    None => oxscript_shells::Error::msg(e.to_string()),
                })
            }
        };
        Ok(AutoRecoveringTerminal::new(opener))
    }

    /// Logs `session` in with `account` (authentication, then authorization
    /// where the device asks for it). When the device rejects the
    /// credentials, tries again on a new connection, up to
    /// `login_attempts` times in total; returns the logged-in session.
    pub async fn login(&self, session: Session, account: &Account) -> Result<Session> {
        self.log_in(session, account, LoginMode::Login).await
    }

    /// Like [`login`](JobContext::login) without authorization (Exscript
    /// `authenticate`).
    pub async fn authenticate(&self, session: Session, account: &Account) -> Result<Session> {
        self.log_in(session, account, LoginMode::Authenticate).await
    }

    /// Logs `session` in the way `mode` says, with the login retries of
    /// [`login`](JobContext::login).
    pub(crate) async fn log_in(
        &self,
        mut session: Session,
        account: &Account,
        mode: LoginMode,
    ) -> Result<Session> {
        let shared = &self.0.shared;
        let mut attempts = Attempts {
            ctx: self,
            allowed: shared.options.login_attempts,
            tried: &shared.counters.login_attempts,
            failed: &shared.counters.login_failures,
            retryable: Error::is_login_failure,
            describe: |n, of, e: &Error| {
                format!("login attempt {n} of {of} as {account} failed: {e}")
            },
            n: 0,
        };
        loop {
            attempts.start();
            match mode.apply(&mut session, account).await {
                Ok(()) => return Ok(session),
                Err(e) => {
                    attempts.failed(e.into())?;
                    // Again, on a new connection.
                    let host = session.host().clone();
                    let _ = session.close().await;
                    session = self.connect_to(&host).await?;
                }
            }
        }
    }
}
