//! The jobs every `oxscript worker` knows: `execute` (commands, safe to
//! run again) and `configure` (configuration lines, never run twice).
//!
//! Arguments (all text):
//! - `commands`: the commands or configuration lines, separated by `;`
//!   (required);
//! - `init`: `false` to skip the driver's terminal setup (`terminal
//!   length 0`…), default `true`;
//! - `authorize`: `false` to skip privilege escalation after login
//!   (`enable`), default `true`;
//! - `logout`: `false` to close without the driver's logout command,
//!   default `true`.
//!
//! Each job takes an account for its host (the host's named account, else
//! the worker's pool), logs in (retrying rejected credentials as the
//! worker's `login_attempts` says), runs the commands and logs out; the
//! device's output is in the job's log.

use oxscript_jobs::queue::JobContext;
use oxscript_transport::Session;

use crate::registry::{Idempotence, JobRegistry};
use crate::wire::JobArgs;

/// The name of the job that runs commands.
pub const EXECUTE: &str = "execute";
/// The name of the job that sends configuration lines.
pub const CONFIGURE: &str = "configure";

/// What the built-in jobs do, read from their arguments.
#[derive(Clone, Debug)]
struct Plan {
    commands: Vec<String>,
    init: bool,
    authorize: bool,
    logout: bool,
}

impl Plan {
    fn from_args(args: &JobArgs) -> Result<Plan, String> {
        const KNOWN: [&str; 4] = ["commands", "init", "authorize", "logout"];
        if let Some(unknown) = args.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!(
                "unknown argument `{unknown}` (known: {})",
                KNOWN.join(", ")
            ));
        }
        let commands: Vec<String> = args
            .get("commands")
            .map(|c| {
                c.split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if commands.is_empty() {
            return Err("argument `commands` is missing or empty".to_owned());
        }
        let flag = |name: &str| -> Result<bool, String> {
            match args.get(name).map(String::as_str) {
                None | Some("true") => Ok(true),
                Some("false") => Ok(false),
                Some(other) => Err(format!(
                    "argument `{name}` must be `true` or `false`, not `{other}`"
                )),
            }
        };
        Ok(Plan {
            commands,
            init: flag("init")?,
            authorize: flag("authorize")?,
            logout: flag("logout")?,
        })
    }

    /// Logs in (with the account the queue picks) and sets the terminal up.
    async fn open(
        &self,
        ctx: &JobContext,
        session: Session,
    ) -> oxscript_jobs::Result<(Session, oxscript_core::AccountGuard)> {
        let account = ctx.acquire_account().await?;
        let mut session = if self.authorize {
            ctx.login(session, &account).await?
        } else {
            ctx.authenticate(session, &account).await?
        };
        if self.init {
            session.autoinit().await?;
        }
        Ok((session, account))
    }

    async fn close(&self, session: Session) -> oxscript_jobs::Result<()> {
        if self.logout {
            session.logout().await?;
        } else {
            session.close().await?;
        }
        Ok(())
    }
}

/// Adds `execute` and `configure` to `registry`.
///
/// ```
/// use oxscript_cluster::{builtin, Idempotence, JobRegistry};
///
/// let mut registry = JobRegistry::new();
/// builtin::register(&mut registry);
/// assert_eq!(registry.idempotence("execute"), Some(Idempotence::Idempotent));
/// assert_eq!(registry.idempotence("configure"), Some(Idempotence::NotIdempotent));
/// let args = [("commands".to_owned(), "show version; show clock".to_owned())].into();
/// assert!(registry.job("execute", &args).is_ok());
/// assert!(registry.job("execute", &Default::default()).is_err());
/// ```
pub fn register(registry: &mut JobRegistry) {
    registry.register_with_args(EXECUTE, Idempotence::Idempotent, |args: &JobArgs| {
        let plan = Plan::from_args(args)?;
        Ok::<_, String>(move |ctx: JobContext, _host, session| {
            let plan = plan.clone();
            async move {
                let (mut session, account) = plan.open(&ctx, session).await?;
                for command in &plan.commands {
                    session.execute(command).await?;
                }
                plan.close(session).await?;
                drop(account);
                Ok(())
            }
        })
    });
    registry.register_with_args(CONFIGURE, Idempotence::NotIdempotent, |args: &JobArgs| {
        let plan = Plan::from_args(args)?;
        Ok::<_, String>(move |ctx: JobContext, _host, session| {
            let plan = plan.clone();
            async move {
                let (mut session, account) = plan.open(&ctx, session).await?;
                let applied = session.send_config(&plan.commands).await?;
                ctx.log(format!(
                    "configuration applied ({} response(s), commit included where the platform commits)",
                    applied.responses.len()
                ));
                plan.close(session).await?;
                drop(account);
                Ok(())
            }
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> JobArgs {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn plans_from_arguments() {
        let p = Plan::from_args(&args(&[("commands", " a ;; b "), ("init", "false")])).unwrap();
        assert_eq!(p.commands, ["a", "b"]);
        assert!(!p.init && p.authorize && p.logout);
        assert_eq!(
            Plan::from_args(&args(&[("commands", "a"), ("logout", "no")])).unwrap_err(),
            "argument `logout` must be `true` or `false`, not `no`"
        );
        assert_eq!(
            Plan::from_args(&args(&[("commands", "a"), ("x", "1")])).unwrap_err(),
            "unknown argument `x` (known: commands, init, authorize, logout)"
        );
        assert_eq!(
            Plan::from_args(&args(&[("commands", " ; ")])).unwrap_err(),
            "argument `commands` is missing or empty"
        );
    }
}
