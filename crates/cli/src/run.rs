//! Running the commands on every host, at most N at a time.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use oxscript::{Account, AccountPool, Host, Session, SessionOptions, inventory};
use tokio::sync::Semaphore;

use crate::args::Args;
use crate::logs::HostLog;
use crate::{credentials, emulate, hosts};

/// What one host's run produced.
struct Outcome {
    label: String,
    error: Option<String>,
}

/// Where accounts come from for hosts without one.
#[derive(Clone)]
enum Accounts {
    None,
    One(Account),
    Pool(AccountPool),
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
    if let Some(dir) = &args.logdir {
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("creating {}", dir.display()))?;
    }

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

    let options = SessionOptions {
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        connect_timeout: Duration::from_secs_f64(args.connect_timeout.max(0.001)),
        ..SessionOptions::default()
    };
    let labels = hosts::labels(&hosts);
    let limit = Arc::new(Semaphore::new(args.connections.max(1)));
    let args = Arc::new(args);
    let commands = Arc::new(commands);
    let started = Instant::now();

    let mut tasks = Vec::with_capacity(hosts.len());
    for (host, label) in hosts.into_iter().zip(labels) {
        let limit = limit.clone();
        let args = args.clone();
        let commands = commands.clone();
        let options = options.clone();
        let accounts = accounts.clone();
        tasks.push(tokio::spawn(async move {
            let Ok(_permit) = limit.acquire_owned().await else {
                return Outcome {
                    label,
                    error: Some("scheduler closed".into()),
                };
            };
            run_host(host, label, &args, &commands, options, accounts).await
        }));
    }

    let mut failed = Vec::new();
    let total = tasks.len();
    for task in tasks {
        match task.await {
            Ok(Outcome {
                label,
                error: Some(e),
            }) => failed.push((label, e)),
            Ok(_) => {}
            Err(e) => failed.push(("?".into(), format!("task failed: {e}"))),
        }
    }
    for server in servers {
        server.shutdown().await;
    }

    let elapsed = started.elapsed();
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

async fn run_host(
    host: Host,
    label: String,
    args: &Args,
    commands: &[String],
    options: SessionOptions,
    accounts: Accounts,
) -> Outcome {
    let log = match &args.logdir {
        Some(dir) => match HostLog::create(dir, &label).await {
            Ok(log) => Some(log),
            Err(e) => {
                return Outcome {
                    label,
                    error: Some(format!("{e:#}")),
                };
            }
        },
        None => None,
    };
    let result = converse(
        &host,
        &label,
        args,
        commands,
        options,
        accounts,
        log.as_ref(),
    )
    .await;
    let error = result.err().map(|e| format!("{e:#}"));
    if let Some(log) = log
        && let Err(e) = log.finish(error.as_deref()).await
    {
        eprintln!("oxscript: {label}: {e:#}");
    }
    Outcome { label, error }
}

async fn converse(
    host: &Host,
    label: &str,
    args: &Args,
    commands: &[String],
    options: SessionOptions,
    accounts: Accounts,
    log: Option<&HostLog>,
) -> Result<()> {
    let _pooled;
    let account = match (host.account(), &accounts) {
        (Some(a), _) if !a.password().is_empty() => a.clone(),
        (_, Accounts::One(a)) => a.clone(),
        (_, Accounts::Pool(pool)) => {
            let guard = pool.acquire().await?;
            let account = guard.account().clone();
            _pooled = guard;
            account
        }
        (Some(a), Accounts::None) => a.clone(),
        (None, Accounts::None) => {
            bail!("no login details for this host (run without -i, or put them in the URL)")
        }
    };
    let mut session = Session::connect_with(host, options).await?;
    if let Some(log) = log {
        session.set_transcript(log.sink());
    }
    if args.no_authorize {
        session.authenticate_with(&account).await?;
    } else {
        session.login_with(&account).await?;
    }
    if !args.no_init {
        session.autoinit().await?;
    }
    for command in commands {
        let result = session.execute(command).await;
        let text = match &result {
            Ok(response) => response.text().to_owned(),
            Err(oxscript::Error::InvalidCommand { response, .. }) => response.clone(),
            Err(_) => String::new(),
        };
        print_lines(label, &text);
        result?;
    }
    if args.no_auto_logout {
        session.close().await?;
    } else {
        session.logout().await?;
    }
    Ok(())
}

fn print_lines(label: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    let mut out = String::with_capacity(text.len() + 32);
    for line in text.lines() {
        out.push_str(label);
        out.push(':');
        out.push_str(line);
        out.push('\n');
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    // A closed stdout (e.g. `| head`) is not an error of the host.
    let _ = lock.write_all(out.as_bytes());
}
