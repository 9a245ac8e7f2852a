//! Running the commands on every host through an `oxscript::jobs` queue:
//! at most N at a time, with retries, per-host logs, a progress bar on
//! terminals and a summary at the end.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use oxscript::jobs::log::{FileLogOptions, FileLogger, LogMode};
use oxscript::jobs::queue::{JobContext, JobStatus, Queue, QueueOptions};
use oxscript::{AccountPool, Host, Session, inventory};

use crate::args::{Args, queue_options};
use crate::progress::{Printer, Progress};
use crate::template::{self, Script};
use crate::{credentials, emulate, hosts};

/// What every host job needs.
struct Plan {
    script: Script,
    authorize: bool,
    init: bool,
    auto_logout: bool,
    printer: Printer,
}

pub(crate) async fn main(args: Args) -> Result<ExitCode> {
    let mut hosts = hosts::collect(&args)?;
    if args.check {
        return template::check(&args, &hosts).await;
    }
    let script = Script::load(&args, &hosts).await?;
    let mut servers = Vec::new();
    if let Some(n) = args.emulate {
        let (started, emulated) = emulate::start(n).await?;
        servers = started;
        hosts.extend(emulated);
    }
    if hosts.is_empty() {
        bail!("no hosts given: pass URLs, --hosts FILE, --csv-hosts FILE or --emulate N");
    }
    // Jobs (and log files) are named after the host; names shared by
    // several hosts get their port.
    let labels = hosts::labels(&hosts);
    for (host, label) in hosts.iter_mut().zip(labels) {
        host.set_name(label);
    }
    let logger = match &args.logdir {
        Some(dir) => {
            let files = FileLogger::new(
                dir,
                FileLogOptions {
                    mode: LogMode::Overwrite,
                    ..FileLogOptions::default()
                },
            )
            .await
            .with_context(|| format!("log directory {}", dir.display()))?;
            Some(files.logger())
        }
        None => None,
    };

    let max_connections = args.connections.max(1);
    let pool = account_pool(&args, &hosts, max_connections)?;
    let queue = Queue::new(QueueOptions {
        max_connections,
        logger,
        ..queue_options(
            args.timeout,
            args.connect_timeout,
            args.retry,
            args.retry_login,
        )
    });
    // The queue picks each job's account: the host's own, else the pool's.
    let have_pool = pool.is_some();
    if let Some(pool) = pool {
        use_pool_for_passwordless_hosts(&mut hosts);
        queue.add_account_pool(pool, None);
    }
    let total = hosts.len();
    let progress = (total > 1 && std::io::stdout().is_terminal())
        .then(|| Progress::start(total, queue.subscribe()));
    let plan = Arc::new(Plan {
        script,
        authorize: !args.no_authorize,
        init: !args.no_init,
        auto_logout: !args.no_auto_logout,
        printer: progress.as_ref().map(Progress::printer).unwrap_or_default(),
    });
    let labels: Vec<String> = hosts.iter().map(|h| h.name().to_owned()).collect();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(total);
    for host in hosts {
        if host.account().is_none() && !have_pool {
            // Known to fail: no connection is opened for it.
            ids.push(queue.enqueue(|_ctx| async { Err(no_login_details()) }, host.name(), 1)?);
            continue;
        }
        let plan = Arc::clone(&plan);
        ids.extend(queue.run(host, move |ctx, host, session| {
            let plan = Arc::clone(&plan);
            async move { converse(ctx, host, session, &plan).await }
        })?);
    }
    let joined = queue.join().await;
    if let Some(progress) = progress {
        progress.finish();
    }
    if let Err(e) = joined {
        eprintln!("oxscript: {e}");
    }
    for server in servers {
        server.shutdown().await;
    }

    let elapsed = started.elapsed();
    let mut failed = Vec::new();
    for (id, label) in ids.into_iter().zip(labels) {
        match queue.status(id) {
            Some(JobStatus::Succeeded { .. }) => {}
            Some(JobStatus::Failed { error, .. }) => failed.push((label, error.chain().join(": "))),
            Some(JobStatus::Cancelled) => failed.push((label, "cancelled".to_owned())),
            _ => failed.push((label, "did not finish".to_owned())),
        }
    }
    if failed.is_empty() {
        if total > 1 {
            eprintln!("{total} hosts ok in {:.2}s", elapsed.as_secs_f64());
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} of {total} hosts failed ({:.2}s):",
            failed.len(),
            elapsed.as_secs_f64()
        );
        for (label, error) in &failed {
            eprintln!("  {label}: {error}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// One host: log in, run the template (printing the output), log out.
async fn converse(
    ctx: JobContext,
    host: Host,
    session: Session,
    plan: &Plan,
) -> oxscript::jobs::Result<()> {
    // Held until the job ends: a pooled account serves one job at a time.
    let account = ctx.acquire_account().await?;
    // Rejected credentials are retried on a new connection (--retry-login).
    let mut session = if plan.authorize {
        ctx.login(session, &account).await?
    } else {
        ctx.authenticate(session, &account).await?
    };
    if plan.init {
        session.autoinit().await?;
    }
    plan.script
        .run(&mut session, &host, &account, &plan.printer)
        .await?;
    if plan.auto_logout {
        session.logout().await?;
    } else {
        session.close().await?;
    }
    Ok(())
}

/// The pool for hosts without login details of their own: the accounts of
/// `--account-pool FILE`, else the account asked for once (if some host
/// lacks a password and asking is allowed), as `slots` slots so that many
/// jobs can use it at once. `None` when there is no such source.
fn account_pool(args: &Args, hosts: &[Host], slots: usize) -> Result<Option<AccountPool>> {
    if let Some(file) = &args.account_pool {
        let list = inventory::accounts_from_file(file)?;
        if list.is_empty() {
            bail!(
                "{}: no accounts in the [account-pool] section",
                file.display()
            );
        }
        return Ok(Some(AccountPool::from_accounts(list)));
    }
    if !args.non_interactive && hosts.iter().any(needs_password) {
        let account = credentials::prompt_account()?;
        return Ok(Some(AccountPool::from_accounts(std::iter::repeat_n(
            account, slots,
        ))));
    }
    Ok(None)
}

/// Whether a host has no account, or one without a password.
fn needs_password(host: &Host) -> bool {
    host.account().is_none_or(|a| a.password().is_empty())
}

/// Removes the accounts that have no password (`telnet://user@host`), so
/// that those hosts take theirs from the pool.
fn use_pool_for_passwordless_hosts(hosts: &mut [Host]) {
    for host in hosts {
        if host.account().is_some_and(|a| a.password().is_empty()) {
            host.set_account(None);
        }
    }
}

fn no_login_details() -> oxscript::jobs::Error {
    oxscript::jobs::Error::msg(
        "no login details for this host (run without -i, or put them in the URL)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use oxscript::Account;

    fn args(extra: &[&str]) -> Args {
        Args::try_parse_from(["oxscript"].iter().chain(extra)).unwrap()
    }

    #[tokio::test]
    async fn the_queue_gives_pool_accounts_to_hosts_without_a_password() {
        let mut hosts = vec![
            Host::new("telnet://nopw@h1").unwrap(),
            Host::new("telnet://own:pw@h2").unwrap(),
            Host::new("h3").unwrap(),
        ];
        use_pool_for_passwordless_hosts(&mut hosts);
        assert!(hosts[0].account().is_none());
        assert_eq!(hosts[1].account().unwrap().name(), "own");
        let queue = Queue::new(QueueOptions::default());
        let asked = Account::new("asked", "secret");
        queue.add_account_pool(
            AccountPool::from_accounts(std::iter::repeat_n(asked, 2)),
            None,
        );
        let accounts = queue.accounts();
        let first = accounts.acquire_for(&hosts[0]).await.unwrap();
        let own = accounts.acquire_for(&hosts[1]).await.unwrap();
        let third = accounts.acquire_for(&hosts[2]).await.unwrap();
        assert_eq!(
            (first.name(), own.name(), third.name()),
            ("asked", "own", "asked")
        );
        assert!(first.is_pooled() && third.is_pooled() && !own.is_pooled());
        // Two slots, both in use until the jobs drop their guards.
        let pool = accounts.default_pool();
        assert_eq!((pool.len(), pool.available()), (2, 0));
        drop(first);
        assert_eq!(pool.available(), 1);
    }

    #[test]
    fn account_pool_sources() {
        let dir = std::env::temp_dir();
        let file = dir.join(format!("oxscript-cli-accounts-{}.ini", std::process::id()));
        // "cHc=" is base64 for "pw".
        std::fs::write(&file, "[account-pool]\na = cHc=\nb = cHc=\n").unwrap();
        let hosts = [Host::new("h1").unwrap()];
        let file_arg = file.to_str().unwrap();
        let pool = account_pool(&args(&["--account-pool", file_arg, "h1"]), &hosts, 5)
            .unwrap()
            .unwrap();
        // The file's accounts, not `slots` copies.
        assert_eq!(pool.len(), 2);
        assert!(pool.has("a") && pool.has("b"));

        std::fs::write(&file, "[account-pool]\n").unwrap();
        let err = account_pool(&args(&["--account-pool", file_arg, "h1"]), &hosts, 5).unwrap_err();
        assert!(
            err.to_string()
                .ends_with(": no accounts in the [account-pool] section"),
            "{err}"
        );
        let _ = std::fs::remove_file(&file);

        // Nothing to ask for, or not allowed to ask: no pool.
        let with_password = [Host::new("telnet://u:pw@h1").unwrap()];
        assert!(
            account_pool(&args(&["h1"]), &with_password, 5)
                .unwrap()
                .is_none()
        );
        assert!(
            account_pool(&args(&["-i", "h1"]), &hosts, 5)
                .unwrap()
                .is_none()
        );
        assert!(needs_password(&Host::new("telnet://u@h1").unwrap()));
        assert!(needs_password(&hosts[0]));
        assert!(!needs_password(&with_password[0]));
    }
}
