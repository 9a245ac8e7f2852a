//! Running the commands on every host through an `oxscript::jobs` queue:
//! at most N at a time, with retries, per-host logs, a progress bar on
//! terminals and a summary at the end.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use oxscript::jobs::log::{FileLogOptions, FileLogger, LogMode};
use oxscript::jobs::queue::{JobContext, JobStatus, Queue, QueueOptions};
use oxscript::{Account, AccountPool, Host, Session, SessionOptions, inventory};

use crate::args::Args;
use crate::progress::{Printer, Progress};
use crate::{credentials, emulate, hosts};

/// Where accounts come from for hosts without one.
#[derive(Clone)]
enum Accounts {
    None,
    One(Account),
    Pool(AccountPool),
}

/// What every host job needs.
struct Plan {
    commands: Vec<String>,
    accounts: Accounts,
    authorize: bool,
    init: bool,
    auto_logout: bool,
    printer: Printer,
}

pub(crate) async fn main(args: Args) -> Result<ExitCode> {
    let commands = args.commands();
    let mut hosts = hosts::collect(&args)?;
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

    let accounts = if let Some(file) = &args.account_pool {
        let list = inventory::accounts_from_file(file)?;
        if list.is_empty() {
            bail!(
                "{}: no accounts in the [account-pool] section",
                file.display()
            );
        }
        Accounts::Pool(AccountPool::from_accounts(list))
    } else if hosts
        .iter()
        .any(|h| h.account().is_none_or(|a| a.password().is_empty()))
        && !args.non_interactive
    {
        Accounts::One(credentials::prompt_account()?)
    } else {
        Accounts::None
    };

    let queue = Queue::new(QueueOptions {
        max_connections: args.connections.max(1),
        session: SessionOptions {
            timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
            connect_timeout: Duration::from_secs_f64(args.connect_timeout.max(0.001)),
            ..SessionOptions::default()
        },
        attempts: args.retry.saturating_add(1),
        login_attempts: args.retry_login.saturating_add(1),
        logger,
        ..QueueOptions::default()
    });
    let total = hosts.len();
    let progress = (total > 1 && std::io::stdout().is_terminal())
        .then(|| Progress::start(total, queue.subscribe()));
    let plan = Arc::new(Plan {
        commands,
        accounts,
        authorize: !args.no_authorize,
        init: !args.no_init,
        auto_logout: !args.no_auto_logout,
        printer: progress.as_ref().map(Progress::printer).unwrap_or_default(),
    });
    let labels: Vec<String> = hosts.iter().map(|h| h.name().to_owned()).collect();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(total);
    for host in hosts {
        if host.account().is_none() && matches!(plan.accounts, Accounts::None) {
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

/// One host: log in, run the commands (printing their output), log out.
async fn converse(
    ctx: JobContext,
    host: Host,
    session: Session,
    plan: &Plan,
) -> oxscript::jobs::Result<()> {
    let _pooled;
    let account = match (host.account(), &plan.accounts) {
        (Some(a), _) if !a.password().is_empty() => a.clone(),
        (_, Accounts::One(a)) => a.clone(),
        (_, Accounts::Pool(pool)) => {
            let guard = pool.acquire().await?;
            let account = guard.account().clone();
            _pooled = guard;
            account
        }
        (Some(a), Accounts::None) => a.clone(),
        (None, Accounts::None) => return Err(no_login_details()),
    };
    // Rejected credentials are retried on a new connection (--retry-login).
    let mut session = if plan.authorize {
        ctx.login(session, &account).await?
    } else {
        ctx.authenticate(session, &account).await?
    };
    if plan.init {
        session.autoinit().await?;
    }
    let label = host.name();
    for command in &plan.commands {
        let result = session.execute(command).await;
        let text = match &result {
            Ok(response) => response.text(),
            Err(oxscript::Error::InvalidCommand { response, .. }) => response.as_str(),
            Err(_) => "",
        };
        plan.printer.print(label, text);
        result?;
    }
    if plan.auto_logout {
        session.logout().await?;
    } else {
        session.close().await?;
    }
    Ok(())
}

fn no_login_details() -> oxscript::jobs::Error {
    oxscript::jobs::Error::msg(
        "no login details for this host (run without -i, or put them in the URL)",
    )
}
