//! [`AutoRecoveringTerminal`]: a shell stack that rebuilds itself when
//! its connection breaks.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use oxscript_core::{Account, Host};
use oxscript_transport::{Session, SessionOptions};
use tracing::Instrument as _;

use crate::shell::Shell;
use crate::stack::{RunOutput, ShellStack};
use crate::{Error, Result};

/// Opens a logged-in Session: what a terminal calls on first use and
/// after each breakdown. Closures returning a future implement it.
///
/// ```
/// use oxscript_shells::{HostOpener, Opener};
/// use oxscript_transport::SessionOptions;
///
/// let host = oxscript_core::Host::new("ssh://ops:pw@192.0.2.7")?;
/// let opener = HostOpener::new(host, SessionOptions::default(), None);
/// # fn is_opener(_: &dyn Opener) {}
/// is_opener(&opener);
/// # Ok::<(), oxscript_core::Error>(())
/// ```
pub trait Opener: Send + Sync {
    /// Connects and logs in.
    fn open(&self) -> BoxFuture<'_, Result<Session>>;
}

impl<F, Fut> Opener for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Session>> + Send + 'static,
{
    fn open(&self) -> BoxFuture<'_, Result<Session>> {
        Box::pin(self())
    }
}

/// Opens a Session to a [`Host`]: connect with the options, then log in
/// with the account (the host's own when `None`).
#[derive(Clone, Debug)]
pub struct HostOpener {
    host: Host,
    options: SessionOptions,
    account: Option<Account>,
}

impl HostOpener {
    /// An opener for `host`.
    pub fn new(host: Host, options: SessionOptions, account: Option<Account>) -> HostOpener {
        HostOpener {
            host,
            options,
            account,
        }
    }
}

impl Opener for HostOpener {
    fn open(&self) -> BoxFuture<'_, Result<Session>> {
        Box::pin(async move {
            let mut session = Session::connect_with(&self.host, self.options.clone()).await?;
            session.login(self.account.as_ref()).await?;
            Ok(session)
        })
    }
}

/// A hook called with the terminal's stack (`prepare`, `verify`, `finalize`).
pub type Hook = Arc<dyn for<'a> Fn(&'a mut ShellStack) -> BoxFuture<'a, Result<()>> + Send + Sync>;

/// Decides whether an error means the terminal is broken (and is worth
/// a recovery).
pub type Broken = Arc<dyn Fn(&Error) -> bool + Send + Sync>;

/// Receives a terminal's events.
type Listener = Arc<dyn Fn(&TerminalEvent) + Send + Sync>;

/// Something that happened to a terminal, for [`AutoRecoveringTerminal::on_event`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminalEvent {
    /// Opening the connection and pushing the shells, try `try_number`.
    Opening {
        /// 1 for the first try.
        try_number: usize,
    },
    /// The stack is built and `prepare` ran; `generation` counts the
    /// connections opened so far.
    Opened {
        /// 1 for the first connection.
        generation: u64,
    },
    /// A try of `what` failed with a broken-terminal error.
    TryFailed {
        /// The operation.
        what: String,
        /// Which try.
        try_number: usize,
        /// The error, as text.
        error: String,
    },
    /// The broken connection is dropped; the next try rebuilds the stack.
    Recovering {
        /// The try about to start.
        try_number: usize,
    },
    /// `close` ran `finalize` and closed the connection.
    Closed,
}

/// The default broken-terminal test: every error except the remote
/// runner's own (a Python exception, a value with no JSON form, a stale
/// or surplus handle), hook failures, and `Exhausted` (opening the
/// terminal already used its own tries; trying again around it would
/// multiply them).
pub fn default_broken(error: &Error) -> bool {
    !matches!(
        error,
        Error::Remote { .. }
            | Error::NotJson { .. }
            | Error::StaleHandle { .. }
            | Error::TooManyHandles { .. }
            | Error::Failed(_)
            | Error::Closed
            | Error::Exhausted { .. }
    )
}

/// A terminal that rebuilds its shell stack by itself (crl
/// `AutoRecoveringTerminal`).
///
/// [`new`](Self::new) only records the topology: an opener for the
/// connection and the shells to push. The connection is opened lazily,
/// on the first [`run`](Self::run) (or [`initialize_terminal`]). When a
/// run fails with an error the `broken` test accepts, the terminal drops
/// the connection, waits `sleep_between_tries`, opens a new one, pushes
/// every shell again, calls `prepare`, and runs again, up to `max_tries`
/// tries in all; the error after the last try ([`Error::Exhausted`])
/// lists why each try failed. Every try and recovery is a
/// [`TerminalEvent`] and a `tracing` span (`terminal.try`,
/// `terminal.open`).
///
/// ```no_run
/// use std::time::Duration;
/// use oxscript_shells::{AutoRecoveringTerminal, BashShell, HostOpener, SudoShell};
/// use oxscript_transport::SessionOptions;
///
/// # async fn demo() -> oxscript_shells::Result<()> {
/// let host = oxscript_core::Host::new("ssh://ops:pw@192.0.2.7").map_err(oxscript_transport::Error::from)?;
/// let mut term = AutoRecoveringTerminal::new(HostOpener::new(host, SessionOptions::default(), None))
///     .shell(BashShell::new())
///     .shell(SudoShell::new(Some("pw".into())))
///     .max_tries(3)
///     .sleep_between_tries(Duration::from_secs(1))
///     .prepare(|stack| Box::pin(async move {
///         stack.run("cd /var/log").await?;
///         Ok(())
///     }));
/// let out = term.run("ls").await?; // opens, pushes, prepares, runs
/// println!("{}", out.text);
/// term.close().await;
/// # Ok(()) }
/// ```
///
/// [`initialize_terminal`]: Self::initialize_terminal
pub struct AutoRecoveringTerminal {
    opener: Arc<dyn Opener>,
    shells: Vec<Arc<dyn Shell>>,
    broken: Broken,
    init_broken: Broken,
    sleep_between_tries: Duration,
    max_tries: usize,
    pub(crate) prepare: Option<Hook>,
    verify: Option<Hook>,
    finalize: Option<Hook>,
    events: Option<Listener>,
    stack: Option<ShellStack>,
    generation: u64,
}

impl fmt::Debug for AutoRecoveringTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutoRecoveringTerminal")
            .field(
                "shells",
                &self.shells.iter().map(|s| s.describe()).collect::<Vec<_>>(),
            )
            .field("max_tries", &self.max_tries)
            .field("sleep_between_tries", &self.sleep_between_tries)
            .field("open", &self.stack.is_some())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl AutoRecoveringTerminal {
    /// A terminal whose connection `opener` opens, with no shells yet,
    /// 3 tries, 3 s between tries, [`default_broken`] for both tests, and
    /// no hooks (crl's defaults, except that remote Python exceptions do
    /// not count as broken).
    pub fn new(opener: impl Opener + 'static) -> AutoRecoveringTerminal {
        AutoRecoveringTerminal {
            opener: Arc::new(opener),
            shells: Vec::new(),
            broken: Arc::new(default_broken),
            init_broken: Arc::new(default_broken),
            sleep_between_tries: Duration::from_secs(3),
            max_tries: 3,
            prepare: None,
            verify: None,
            finalize: None,
            events: None,
            stack: None,
            generation: 0,
        }
    }

    /// Adds a shell to push after opening (crl `initialize(shells)`).
    pub fn shell(mut self, shell: impl Shell + 'static) -> Self {
        self.shells.push(Arc::new(shell));
        self
    }

    /// Adds shared shells.
    pub fn shells(mut self, shells: impl IntoIterator<Item = Arc<dyn Shell>>) -> Self {
        self.shells.extend(shells);
        self
    }

    /// Which errors of a run mean the terminal is broken (crl `broken_exceptions`).
    pub fn broken(mut self, test: impl Fn(&Error) -> bool + Send + Sync + 'static) -> Self {
        self.broken = Arc::new(test);
        self
    }

    /// Which errors while opening mean another try is worth it (crl
    /// `init_broken_exceptions`).
    pub fn init_broken(mut self, test: impl Fn(&Error) -> bool + Send + Sync + 'static) -> Self {
        self.init_broken = Arc::new(test);
        self
    }

    /// The pause between tries.
    pub fn sleep_between_tries(mut self, pause: Duration) -> Self {
        self.sleep_between_tries = pause;
        self
    }

    /// How many tries in all (at least 1).
    pub fn max_tries(mut self, tries: usize) -> Self {
        self.max_tries = tries.max(1);
        self
    }

    /// Called once the stack is built, after every (re)opening.
    pub fn prepare<F>(mut self, hook: F) -> Self
    where
        F: for<'a> Fn(&'a mut ShellStack) -> BoxFuture<'a, Result<()>> + Send + Sync + 'static,
    {
        self.prepare = Some(Arc::new(hook));
        self
    }

    /// Called by [`initialize_if_needed`](Self::initialize_if_needed) to
    /// check the stack; an error the `broken` test accepts rebuilds it
    /// (crl `set_verify`).
    pub fn verify<F>(mut self, hook: F) -> Self
    where
        F: for<'a> Fn(&'a mut ShellStack) -> BoxFuture<'a, Result<()>> + Send + Sync + 'static,
    {
        self.verify = Some(Arc::new(hook));
        self
    }

    /// Called before the connection is closed (by [`close`](Self::close)
    /// and before a recovery); its errors are logged only.
    pub fn finalize<F>(mut self, hook: F) -> Self
    where
        F: for<'a> Fn(&'a mut ShellStack) -> BoxFuture<'a, Result<()>> + Send + Sync + 'static,
    {
        self.finalize = Some(Arc::new(hook));
        self
    }

    /// Calls `listener` with every [`TerminalEvent`].
    pub fn on_event(mut self, listener: impl Fn(&TerminalEvent) + Send + Sync + 'static) -> Self {
        self.events = Some(Arc::new(listener));
        self
    }

    /// How many connections were opened so far (0 before the first).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether a connection is open (as far as the terminal knows).
    pub fn is_open(&self) -> bool {
        self.stack.as_ref().is_some_and(|s| s.session().is_open())
    }

    /// The stack, when open.
    pub fn stack(&mut self) -> Option<&mut ShellStack> {
        self.stack.as_mut()
    }

    fn emit(&self, event: TerminalEvent) {
        tracing::info!(?event, "terminal event");
        if let Some(listener) = &self.events {
            listener(&event);
        }
    }

    /// Opens the connection, pushes the shells and calls `prepare`,
    /// retrying on errors the `init_broken` test accepts (crl
    /// `initialize_terminal`). An open stack is closed first.
    pub async fn initialize_terminal(&mut self) -> Result<()> {
        self.discard().await;
        let mut failures = Vec::new();
        for try_number in 1..=self.max_tries {
            self.emit(TerminalEvent::Opening { try_number });
            let span = tracing::info_span!("terminal.open", try_number);
            let result = self.open_once().instrument(span).await;
            match result {
                Ok(stack) => {
                    self.stack = Some(stack);
                    self.generation += 1;
                    self.emit(TerminalEvent::Opened {
                        generation: self.generation,
                    });
                    return Ok(());
                }
                Err(e) if (self.init_broken)(&e) => {
                    self.emit(TerminalEvent::TryFailed {
                        what: "open".into(),
                        try_number,
                        error: e.to_string(),
                    });
                    failures.push(e.to_string());
                    if try_number < self.max_tries {
                        tokio::time::sleep(self.sleep_between_tries).await;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Exhausted {
            what: "opening the terminal".into(),
            tries: failures.len(),
            failures,
        })
    }

    async fn open_once(&self) -> Result<ShellStack> {
        let session = self.opener.open().await?;
        let mut stack = ShellStack::new(session);
        let built = async {
            for shell in &self.shells {
                stack.push_arc(shell.clone()).await?;
            }
            if let Some(prepare) = &self.prepare {
                prepare(&mut stack).await?;
            }
            Ok::<(), Error>(())
        }
        .await;
        match built {
            Ok(()) => Ok(stack),
            Err(e) => {
                stack.into_session().close_in_place().await;
                Err(e)
            }
        }
    }

    /// Opens the terminal if it is not, or if `verify` says it is broken
    /// (crl `initialize_if_needed`).
    pub async fn initialize_if_needed(&mut self) -> Result<()> {
        let healthy = match (self.stack.as_mut(), &self.verify) {
            (None, _) => false,
            (Some(stack), _) if !stack.session().is_open() => false,
            (Some(_), None) => true,
            (Some(stack), Some(verify)) => match verify(stack).await {
                Ok(()) => true,
                Err(e) if (self.broken)(&e) => {
                    tracing::warn!(error = %e, "verify found the terminal broken");
                    false
                }
                Err(e) => return Err(e),
            },
        };
        if healthy {
            Ok(())
        } else {
            self.initialize_terminal().await
        }
    }

    /// Runs `command` in the top shell, recovering as described above.
    pub async fn run(&mut self, command: &str) -> Result<RunOutput> {
        let what = format!("run `{command}`");
        let command = command.to_owned();
        self.with_stack(&what, |stack, _| {
            let command = command.clone();
            Box::pin(async move { stack.run(&command).await })
        })
        .await
    }

    /// Runs `f` on the stack with the same recovery as [`run`](Self::run);
    /// `f` also gets the connection's generation.
    pub async fn with_stack<T, F>(&mut self, what: &str, mut f: F) -> Result<T>
    where
        F: for<'a> FnMut(&'a mut ShellStack, u64) -> BoxFuture<'a, Result<T>>,
    {
        let mut failures = Vec::new();
        for try_number in 1..=self.max_tries {
            let span = tracing::info_span!("terminal.try", what, try_number);
            let result = async {
                if self.stack.is_none() {
                    self.initialize_terminal().await?;
                }
                let generation = self.generation;
                match self.stack.as_mut() {
                    Some(stack) => f(stack, generation).await,
                    None => Err(Error::Closed),
                }
            }
            .instrument(span)
            .await;
            match result {
                Ok(value) => return Ok(value),
                Err(e) if (self.broken)(&e) => {
                    tracing::warn!(what, try_number, error = %e, "terminal broken");
                    self.emit(TerminalEvent::TryFailed {
                        what: what.to_owned(),
                        try_number,
                        error: e.to_string(),
                    });
                    failures.push(e.to_string());
                    self.discard().await;
                    if try_number < self.max_tries {
                        tokio::time::sleep(self.sleep_between_tries).await;
                        self.emit(TerminalEvent::Recovering {
                            try_number: try_number + 1,
                        });
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Exhausted {
            what: what.to_owned(),
            tries: failures.len(),
            failures,
        })
    }

    /// Calls `finalize` (errors logged) and closes the connection.
    async fn discard(&mut self) {
        let Some(mut stack) = self.stack.take() else {
            return;
        };
        if let Some(finalize) = &self.finalize
            && let Err(e) = finalize(&mut stack).await
        {
            tracing::warn!(error = %e, "finalize failed");
        }
        stack.into_session().close_in_place().await;
    }

    /// Calls `finalize` and closes the connection (crl `close`). The
    /// terminal stays usable: the next run opens a new connection.
    pub async fn close(&mut self) {
        if self.stack.is_some() {
            self.discard().await;
            self.emit(TerminalEvent::Closed);
        }
    }
}
