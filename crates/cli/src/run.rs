//! Running the commands on every host through an `oxscript::jobs` queue:
//! at most N at a time, with retries, per-host logs, a progress bar on
//! terminals, JSON reports and a summary line at the end of every run.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use oxscript::jobs::log::{FileLogOptions, FileLogger, LogMode};
use oxscript::jobs::queue::{JobContext, JobStatus, Queue, QueueOptions};
use oxscript::textfsm::TemplateIndex;
use oxscript::{Account, AccountPool, Host, Secret, Session, inventory};

use crate::args::{Args, queue_options};
use crate::progress::{Printer, Progress};
use crate::report::{self, HostRecord, lock};
use crate::template::{self, Script};
use crate::{credentials, emulate, hosts, ssh};

/// How a host logs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Login {
    /// No app-level login (`-n`): over SSH only the SSH login.
    None,
    /// Authentication only (`--no-authorize`).
    Authenticate,
    /// Authentication and authorization (`enable`).
    Full,
}

/// What every host job needs.
struct Plan {
    script: Script,
    login: Login,
    init: bool,
    auto_logout: bool,
    check_exit: bool,
    enable: Option<Secret>,
    index: Option<TemplateIndex>,
    printer: Printer,
}

pub(crate) async fn main(args: Args) -> Result<ExitCode> {
    let mut hosts = hosts::collect(&args)?;
    if args.check {
        return template::check(&args, &hosts).await;
    }
    let script = Script::load(&args, &hosts).await?;
    let index = match &args.parse {
        Some(None) => Some(TemplateIndex::from_env().context("--parse")?),
        Some(Some(dir)) => Some(TemplateIndex::open(dir).context("--parse")?),
        None => None,
    };
    let enable = enable_secret(&args)?;
    let mut servers = Vec::new();
    if let Some(n) = args.emulate {
        let (started, emulated) = emulate::start(n).await?;
        servers = started;
        hosts.extend(emulated);
    }
    if hosts.is_empty() {
        bail!("no hosts given: pass URLs, --hosts FILE, --csv-hosts FILE or --emulate N");
    }
    let ssh = ssh::configure(&args, &mut hosts)?;
    // Jobs, output prefixes and log files are named after the host, kept
    // distinct where hosts share a name or an address and port.
    let labels = hosts::labels(&hosts);
    for (host, label) in hosts.iter_mut().zip(labels) {
        host.set_name(label);
    }
    let logger = match &args.logdir {
        Some(dir) => {
            let files = FileLogger::new(
                dir,
                FileLogOptions {
                    mode: if args.overwrite_logs {
                        LogMode::Overwrite
                    } else {
                        LogMode::Append
                    },
                    delete_on_success: args.delete_logs,
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
    let mut options = queue_options(
        args.timeout,
        args.connect_timeout,
        args.retry,
        args.retry_login,
    );
    options.session.ssh = ssh;
    let queue = Queue::new(QueueOptions {
        max_connections,
        logger,
        ..options
    });
    // The queue picks each job's account: the host's own, else the pool's.
    let have_pool = pool.is_some();
    if let Some(pool) = pool {
        use_pool_for_passwordless_hosts(&mut hosts);
        queue.add_account_pool(pool, None);
    }
    if let Some(pause) = args.sleep {
        tracing::info!(?pause, "--sleep: waiting before starting");
        tokio::time::sleep(pause).await;
    }
    let total = hosts.len();
    let progress = (total > 1 && !args.json && std::io::stdout().is_terminal())
        .then(|| Progress::start(total, queue.subscribe()));
    let printer = match (&progress, args.json) {
        (_, true) => Printer::silent(),
        (Some(progress), false) => progress.printer(),
        (None, false) => Printer::default(),
    };
    let plan = Arc::new(Plan {
        script,
        login: if args.no_authentication {
            Login::None
        } else if args.no_authorize {
            Login::Authenticate
        } else {
            Login::Full
        },
        init: !args.no_init,
        auto_logout: !args.no_auto_logout,
        check_exit: args.check_exit,
        enable,
        index,
        printer,
    });
    let started = Instant::now();
    let mut jobs = Vec::with_capacity(total);
    for host in hosts {
        let record: report::Shared = Arc::default();
        let label = host.name().to_owned();
        if host.account().is_none() && !have_pool && plan.login != Login::None {
            // Known to fail: no connection is opened for it.
            let id = queue.enqueue(|_ctx| async { Err(no_login_details()) }, host.name(), 1)?;
            jobs.push((id, label, host, record));
            continue;
        }
        let plan = Arc::clone(&plan);
        let shared = Arc::clone(&record);
        let ids = queue.run(host.clone(), move |ctx, host, session| {
            let plan = Arc::clone(&plan);
            let record = Arc::clone(&shared);
            async move { converse(ctx, host, session, &plan, &record).await }
        })?;
        for id in ids {
            jobs.push((id, label.clone(), host.clone(), Arc::clone(&record)));
        }
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
    for (id, label, host, record) in &jobs {
        let status = queue.status(*id);
        match &status {
            Some(JobStatus::Succeeded { .. }) => {}
            Some(JobStatus::Failed { error, .. }) => {
                failed.push((label.clone(), error.chain().join(": ")));
            }
            Some(JobStatus::Cancelled) => failed.push((label.clone(), "cancelled".to_owned())),
            _ => failed.push((label.clone(), "did not finish".to_owned())),
        }
        if args.json {
            let record = lock(record);
            println!(
                "{}",
                report::host_json(label, host, status.as_ref(), &record)
            );
        }
    }
    for (label, error) in &failed {
        eprintln!("  {label}: {error}");
    }
    eprintln!("{}", report::summary(total, failed.len(), elapsed));
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The enable password of `--enable-password`, or asked for with `-A`.
fn enable_secret(args: &Args) -> Result<Option<Secret>> {
    if let Some(secret) = &args.enable_password {
        return Ok(Some(Secret::from(secret.as_str())));
    }
    if args.ask_enable {
        if args.non_interactive {
            bail!("-A asks for the enable password, -i forbids asking: use --enable-password");
        }
        return Ok(Some(credentials::prompt_secret("Enable password: ")?));
    }
    Ok(None)
}

/// `account` with `enable` as its authorization password.
fn with_enable(account: &Account, enable: &Secret) -> Account {
    let mut builder = Account::builder(account.name())
        .password(account.password().clone())
        .authorization_password(enable.clone())
        .needs_lock(account.needs_lock());
    if let Some(key) = account.key() {
        builder = builder.key(key.clone());
    }
    builder.build()
}

/// One host: log in, run the template (printing or recording the
/// output), log out.
async fn converse(
    ctx: JobContext,
    host: Host,
    session: Session,
    plan: &Plan,
    record: &report::Shared,
) -> oxscript::jobs::Result<()> {
    let started = Instant::now();
    *lock(record) = HostRecord::default();
    tracing::info!(host = host.name(), address = host.address(), port = host.port(), protocol = %host.protocol(), "connected");
    // Held until the job ends: a pooled account serves one job at a time.
    // With -n a host without login details needs none.
    let guard = if plan.login == Login::None && host.account().is_none() {
        None
    } else {
        Some(ctx.acquire_account().await?)
    };
    let base = guard
        .as_deref()
        .cloned()
        .unwrap_or_else(|| Account::new("", ""));
    let account = match &plan.enable {
        Some(enable) => with_enable(&base, enable),
        None => base,
    };
    // Rejected credentials are retried on a new connection (--retry-login).
    let mut session = match plan.login {
        Login::Full => ctx.login(session, &account).await?,
        Login::Authenticate => ctx.authenticate(session, &account).await?,
        Login::None => {
            let mut session = session;
            session.protocol_authenticate(Some(&account)).await?;
            // The banner and the first prompt are not the first command's.
            match session.expect_prompt().await {
                Ok(_) | Err(oxscript::transport::Error::InvalidCommand { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            // Without a login there is no platform detection: say which
            // driver the passive guess left, never fall back silently.
            if host.driver().is_none() && session.guess_os() == "unknown" {
                tracing::warn!(
                    host = host.name(),
                    driver = %session.driver().name,
                    "-n: no login, so no platform detection; nothing the device sent names its platform, using the `{}` driver (choose one with --driver)",
                    session.driver().name
                );
            }
            session
        }
    };
    {
        let mut r = lock(record);
        r.login = Some(started.elapsed());
        r.driver = Some(session.driver().name.clone());
        r.mark = Some(Instant::now());
    }
    tracing::info!(
        host = host.name(),
        driver = %session.driver().name,
        prompt = session.prompt().unwrap_or(""),
        authorized = session.auth().app_authorized,
        "logged in"
    );
    if plan.init && plan.login != Login::None {
        session.autoinit().await?;
    }
    if plan.check_exit && session.driver().name != "shell" {
        return Err(oxscript::jobs::Error::msg(format!(
            "--check-exit needs the shell driver; this host uses `{}` (choose it with --driver shell)",
            session.driver().name
        )));
    }
    let result = plan
        .script
        .run(
            &mut session,
            &host,
            &account,
            &plan.printer,
            record,
            plan.check_exit,
        )
        .await;
    if let Some(index) = &plan.index {
        let driver = session.driver();
        let platforms: Vec<&str> = std::iter::once(driver.name.as_str())
            .chain(driver.aliases.iter().map(String::as_str))
            .collect();
        for command in &mut lock(record).commands {
            command.records = Some(
                index
                    .parse(&platforms, &command.command, &command.output)
                    .map(|records| records.to_json())
                    .map_err(|e| e.to_string()),
            );
        }
    }
    result?;
    if plan.auto_logout {
        session.logout().await?;
    } else {
        session.close().await?;
    }
    // The account goes back to the pool only once this session is over.
    drop(guard);
    lock(record).total = Some(started.elapsed());
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
