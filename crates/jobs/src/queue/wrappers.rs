//! Job function wrappers: [`autologin`], [`autoauthenticate`] and the
//! per-OS dispatch of [`OsMap`] (Exscript `util.decorator`).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use oxscript_core::Host;
use oxscript_transport::Session;

use super::{HostJobFn, JobContext, boxed_host_fn};
use crate::error::{Error, Result};
use crate::login::LoginMode;

fn wrap<F, Fut, T>(
    f: F,
    mode: LoginMode,
) -> impl Fn(JobContext, Host, Session) -> BoxFuture<'static, Result<T>> + Send + Sync + Clone + 'static
where
    F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let f = Arc::new(f);
    move |ctx: JobContext, host: Host, session: Session| {
        let f = Arc::clone(&f);
        async move {
            // Held until the job is done: the account returns to its pool
            // when the guard drops.
            let account = ctx.acquire_account().await?;
            let session = ctx.log_in(session, &account, mode).await?;
            let result = f(ctx, host, session).await;
            drop(account);
            result
        }
        .boxed()
    }
}

/// Wraps a job function so the session is logged in before it is called
/// (Exscript `autologin`): an account is taken for the host (its own, else
/// from the matching pool, else the default pool) and held until the job
/// ends; the session authenticates, then authorizes where the device asks
/// for it (e.g. `enable`). Rejected credentials are retried up to the
/// queue's `login_attempts`, on a new connection each time. The wrapped
/// function may return a value ([`Queue::run_collect`](super::Queue::run_collect))
/// or nothing ([`Queue::run`](super::Queue::run)).
///
/// ```no_run
/// use oxscript_jobs::queue::{autologin, Queue};
///
/// # fn demo(queue: &Queue) -> oxscript_jobs::Result<()> {
/// queue.run("telnet://r1", autologin(|ctx, _host, mut session| async move {
///     let version = session.execute("show version").await?;
///     ctx.log(format!("{} lines", version.lines().count()));
///     Ok(())
/// }))?;
/// # Ok(()) }
/// ```
pub fn autologin<F, Fut, T>(
    f: F,
) -> impl Fn(JobContext, Host, Session) -> BoxFuture<'static, Result<T>> + Send + Sync + Clone + 'static
where
    F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    wrap(f, LoginMode::Login)
}

/// Like [`autologin`], but only authenticates: no authorization step
/// (Exscript `autoauthenticate`).
pub fn autoauthenticate<F, Fut, T>(
    f: F,
) -> impl Fn(JobContext, Host, Session) -> BoxFuture<'static, Result<T>> + Send + Sync + Clone + 'static
where
    F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    wrap(f, LoginMode::Authenticate)
}

/// Job functions per operating system (Exscript `os_function_mapper`).
///
/// When the job runs, the function is looked up by the OS the session
/// guessed ([`Session::guess_os`]), then by the session's driver name, and
/// the [`default`](OsMap::default) function is used when neither has one;
/// without a default that is [`Error::NoOsHandler`]. Use it after login,
/// when the device has shown enough to be recognised:
///
/// ```no_run
/// use oxscript_jobs::queue::{autologin, os_function_mapper, OsMap, Queue};
///
/// # fn demo(queue: &Queue) -> oxscript_jobs::Result<()> {
/// let map = OsMap::new()
///     .on("ios", |_ctx, _host, mut s| async move { s.execute("show ip int brief").await?; Ok(()) })
///     .on("junos", |_ctx, _host, mut s| async move { s.execute("show interfaces terse").await?; Ok(()) })
///     .default(|ctx, _host, _s| async move { ctx.log("unsupported device"); Ok(()) });
/// queue.run(vec!["telnet://r1", "telnet://j1"], autologin(os_function_mapper(map)))?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OsMap {
    functions: BTreeMap<String, HostJobFn>,
    default: Option<HostJobFn>,
}

impl std::fmt::Debug for OsMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OsMap")
            .field("os", &self.functions.keys().collect::<Vec<_>>())
            .field("default", &self.default.is_some())
            .finish()
    }
}

#[allow(clippy::new_without_default)] // `default` is the fallback function's builder.
impl OsMap {
    /// An empty map.
    pub fn new() -> OsMap {
        OsMap {
            functions: BTreeMap::new(),
            default: None,
        }
    }

    /// Runs `f` on devices whose OS (or driver) is `os`, e.g. `ios`.
    pub fn on<F, Fut>(mut self, os: impl Into<String>, f: F) -> OsMap
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.functions.insert(os.into(), boxed_host_fn(f));
        self
    }

    /// Runs `f` on devices no other function is for.
    pub fn default<F, Fut>(mut self, f: F) -> OsMap
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.default = Some(boxed_host_fn(f));
        self
    }

    /// The function for a session, by guessed OS, then driver name, then default.
    fn pick(&self, session: &Session) -> Result<HostJobFn> {
        let os = session.guess_os();
        let driver = session.driver().name.clone();
        self.functions
            .get(&os)
            .or_else(|| self.functions.get(&driver))
            .or(self.default.as_ref())
            .cloned()
            .ok_or_else(|| Error::NoOsHandler {
                os: if os == "unknown" { driver } else { os },
                known: self
                    .functions
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The dispatching job function.
    pub fn into_fn(
        self,
    ) -> impl Fn(JobContext, Host, Session) -> BoxFuture<'static, Result<()>>
    + Send
    + Sync
    + Clone
    + 'static {
        let map = Arc::new(self);
        move |ctx: JobContext, host: Host, session: Session| {
            let picked = map.pick(&session);
            async move { picked?(ctx, host, session).await }.boxed()
        }
    }
}

/// A job function that dispatches on the device's OS; see [`OsMap`].
pub fn os_function_mapper(
    map: OsMap,
) -> impl Fn(JobContext, Host, Session) -> BoxFuture<'static, Result<()>> + Send + Sync + Clone + 'static
{
    map.into_fn()
}
