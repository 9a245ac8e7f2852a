//! [`JobRegistry`]: jobs known by name, so that work items can name them.
//!
//! Closures cannot travel between processes, so a coordinator names the
//! job and a worker looks the name up in its own registry. The function
//! registered is exactly what [`Queue::run`] takes, wrappers such as
//! [`autologin`](oxscript_jobs::queue::autologin) included; the same
//! registry runs the same job locally with [`JobRegistry::run_locally`].

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use oxscript_core::Host;
use oxscript_jobs::queue::{HostJobFn, IntoHosts, JobContext, JobId, Queue};
use oxscript_transport::Session;

use crate::error::{Error, Result};
use crate::wire::JobArgs;

/// Whether running a job twice does harm.
///
/// After a worker dies, the jobs it was running are handed out again. An
/// idempotent job (reading state: `show` commands) simply runs again; a
/// job that is not (pushing configuration) is not run a second time: its
/// result is [`Outcome::UnknownOutcome`](crate::wire::Outcome::UnknownOutcome)
/// and an operator checks the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotence {
    /// Safe to run again.
    Idempotent,
    /// Must not run twice.
    NotIdempotent,
}

type MakeFn = Arc<dyn Fn(&JobArgs) -> Result<HostJobFn> + Send + Sync>;

#[derive(Clone)]
struct Registered {
    idempotence: Idempotence,
    make: MakeFn,
}

/// Named jobs, so that work items can name them.
///
/// Closures cannot travel between processes, so a coordinator names the
/// job and a worker looks the name up in its own registry. The function
/// registered is exactly what [`Queue::run`] takes, wrappers such as
/// [`autologin`](oxscript_jobs::queue::autologin) included; the same
/// registry runs the same job locally with [`JobRegistry::run_locally`].
///
/// ```
/// use oxscript_cluster::{Idempotence, JobRegistry};
/// use oxscript_jobs::queue::autologin;
///
/// let mut registry = JobRegistry::new();
/// registry.register("version", Idempotence::Idempotent, autologin(|ctx, _host, mut session| async move {
///     let version = session.execute("show version").await?;
///     ctx.log(format!("{} lines", version.lines().count()));
///     Ok(())
/// }));
/// // Arguments come from the work item; the job is built from them.
/// registry.register_with_args("ping", Idempotence::Idempotent, |args| {
///     let target = args.get("target").cloned().ok_or("missing `target`")?;
///     Ok::<_, &str>(autologin(move |_ctx, _host, mut session| {
///         let command = format!("ping {target}");
///         async move {
///             session.execute(&command).await?;
///             Ok(())
///         }
///     }))
/// });
/// assert_eq!(registry.names().collect::<Vec<_>>(), ["ping", "version"]);
/// assert!(registry.job("ping", &Default::default()).is_err());
/// ```
#[derive(Clone, Default)]
pub struct JobRegistry {
    jobs: BTreeMap<String, Registered>,
}

impl fmt::Debug for JobRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.jobs.iter().map(|(k, v)| (k, v.idempotence)))
            .finish()
    }
}

impl JobRegistry {
    /// An empty registry.
    pub fn new() -> JobRegistry {
        JobRegistry::default()
    }

    /// Registers `job` under `name` (replacing a job of that name). It
    /// takes no arguments: a work item naming it with arguments fails.
    pub fn register<F, Fut>(
        &mut self,
        name: impl Into<String>,
        idempotence: Idempotence,
        job: F,
    ) -> &mut Self
    where
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = oxscript_jobs::Result<()>> + Send + 'static,
    {
        let name = name.into();
        let f = boxed(job);
        let job_name = name.clone();
        let make: MakeFn = Arc::new(move |args: &JobArgs| {
            if args.is_empty() {
                Ok(Arc::clone(&f))
            } else {
                Err(Error::BadArguments {
                    name: job_name.clone(),
                    reason: format!(
                        "takes no arguments, got {}",
                        args.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                })
            }
        });
        self.jobs.insert(name, Registered { idempotence, make });
        self
    }

    /// Registers a job built from its arguments by `make` (called once per
    /// work item, on the worker). `make` refuses bad arguments with a
    /// message; the job then fails with it, without connecting.
    pub fn register_with_args<M, E, F, Fut>(
        &mut self,
        name: impl Into<String>,
        idempotence: Idempotence,
        make: M,
    ) -> &mut Self
    where
        M: Fn(&JobArgs) -> std::result::Result<F, E> + Send + Sync + 'static,
        E: fmt::Display,
        F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = oxscript_jobs::Result<()>> + Send + 'static,
    {
        let name = name.into();
        let job_name = name.clone();
        let make: MakeFn = Arc::new(move |args: &JobArgs| match make(args) {
            Ok(job) => Ok(boxed(job)),
            Err(e) => Err(Error::BadArguments {
                name: job_name.clone(),
                reason: e.to_string(),
            }),
        });
        self.jobs.insert(name, Registered { idempotence, make });
        self
    }

    /// The registered names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.jobs.keys().map(String::as_str)
    }

    /// Whether `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.jobs.contains_key(name)
    }

    /// Whether the job `name` may run twice (`None` if not registered).
    pub fn idempotence(&self, name: &str) -> Option<Idempotence> {
        self.jobs.get(name).map(|r| r.idempotence)
    }

    /// The job function `name` with `args`, as [`Queue::run`] takes it.
    pub fn job(&self, name: &str, args: &JobArgs) -> Result<HostJobFn> {
        let registered = self.jobs.get(name).ok_or_else(|| Error::UnknownJob {
            name: name.to_owned(),
            known: self.names().collect::<Vec<_>>().join(", "),
        })?;
        (registered.make)(args)
    }

    /// Runs the job `name` with `args` on `hosts` in a local `queue`: the
    /// same job a cluster runs, in this process.
    pub fn run_locally(
        &self,
        queue: &Queue,
        hosts: impl IntoHosts,
        name: &str,
        args: &JobArgs,
    ) -> Result<Vec<JobId>> {
        let f = self.job(name, args)?;
        Ok(queue.run(hosts, move |ctx, host, session| f(ctx, host, session))?)
    }
}

fn boxed<F, Fut>(job: F) -> HostJobFn
where
    F: Fn(JobContext, Host, Session) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = oxscript_jobs::Result<()>> + Send + 'static,
{
    Arc::new(move |ctx, host, session| job(ctx, host, session).boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_and_argument_checks() {
        let mut r = JobRegistry::new();
        r.register("plain", Idempotence::NotIdempotent, |_c, _h, _s| async {
            Ok(())
        });
        r.register_with_args("needs", Idempotence::Idempotent, |args: &JobArgs| {
            if args.contains_key("x") {
                Ok(|_c, _h, _s| async { Ok(()) })
            } else {
                Err("missing `x`")
            }
        });
        assert_eq!(r.idempotence("plain"), Some(Idempotence::NotIdempotent));
        assert_eq!(r.idempotence("nope"), None);
        assert!(r.contains("needs"));
        let none = JobArgs::new();
        let x = JobArgs::from([("x".to_owned(), "1".to_owned())]);
        assert!(r.job("plain", &none).is_ok());
        assert_eq!(
            r.job("plain", &x).err().map(|e| e.to_string()).as_deref(),
            Some("job `plain`: takes no arguments, got x")
        );
        assert!(r.job("needs", &x).is_ok());
        assert_eq!(
            r.job("needs", &none)
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("job `needs`: missing `x`")
        );
        assert_eq!(
            r.job("nope", &none).err().map(|e| e.to_string()).as_deref(),
            Some("job `nope` is not registered (registered jobs: needs, plain)")
        );
        assert_eq!(
            format!("{r:?}"),
            "{\"needs\": Idempotent, \"plain\": NotIdempotent}"
        );
    }
}
