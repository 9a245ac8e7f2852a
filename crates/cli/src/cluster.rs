//! `oxscript worker` and `oxscript cluster …`: the cluster side of the
//! command line tool (feature `cluster`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use oxscript::cluster::{
    Cluster, ClusterConfig, JobRegistry, LoginRate, NatsOptions, Worker, WorkerOptions, builtin,
};
use oxscript::inventory;

use crate::args::{parse_seconds, queue_options};

/// The cluster subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the jobs of a site's queue (a cluster worker) until stopped
    /// (Ctrl-C or SIGTERM: running jobs finish first).
    Worker(WorkerArgs),
    /// Look after a cluster: status, site caps, cancelling runs.
    Cluster {
        #[command(flatten)]
        nats: NatsArgs,
        #[command(subcommand)]
        action: ClusterAction,
    },
}

/// What `oxscript cluster` does.
#[derive(Debug, Subcommand)]
pub(crate) enum ClusterAction {
    /// Runs, sites (pending, in flight, caps) and live workers.
    Status,
    /// Set how many jobs of a site may run at once across its workers.
    Cap {
        /// The site.
        site: String,
        /// The cap (omit for none).
        cap: Option<usize>,
    },
    /// Cancel a run: its running jobs stop, its queued items are removed.
    Cancel {
        /// The run id (see `oxscript cluster status`).
        run: String,
    },
}

/// Where the NATS server is and how to log in to it. Passwords and tokens
/// come from the environment, never from the command line.
#[derive(Debug, ClapArgs)]
pub(crate) struct NatsArgs {
    /// NATS server URL(s), comma separated.
    #[arg(
        long = "nats",
        value_name = "URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    nats: String,
    /// NATS credentials file (.creds).
    #[arg(long = "nats-creds", value_name = "FILE")]
    creds: Option<PathBuf>,
    /// File holding an nkey seed.
    #[arg(long = "nats-nkey", value_name = "FILE")]
    nkey: Option<PathBuf>,
    /// NATS user (password in $OXSCRIPT_NATS_PASSWORD).
    #[arg(long = "nats-user", value_name = "USER")]
    user: Option<String>,
    /// CA certificate (PEM) for the server's TLS certificate.
    #[arg(long = "nats-tls-ca", value_name = "FILE")]
    tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS (with --nats-tls-key).
    #[arg(long = "nats-tls-cert", value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS.
    #[arg(long = "nats-tls-key", value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Refuse to connect without TLS.
    #[arg(long = "nats-require-tls")]
    require_tls: bool,
    /// Prefix of the cluster's streams, buckets and subjects.
    #[arg(
        long = "cluster-prefix",
        value_name = "NAME",
        default_value = "oxscript"
    )]
    prefix: String,
    /// Seconds a delivered item may go without an ack or progress signal
    /// before it is handed out again (used when the site's consumer is created).
    #[arg(long = "ack-wait", value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    ack_wait: Duration,
    /// Hours runs, results and logs are kept (used when the streams are created).
    #[arg(long = "expiry-hours", value_name = "HOURS", default_value_t = 168)]
    expiry_hours: u64,
    /// Keep the cluster's data in the server's memory (used when the streams are created).
    #[arg(long = "memory-storage")]
    memory_storage: bool,
}

impl NatsArgs {
    fn options(&self) -> NatsOptions {
        NatsOptions {
            credentials_file: self.creds.clone(),
            nkey_file: self.nkey.clone(),
            user: self.user.clone(),
            password: std::env::var("OXSCRIPT_NATS_PASSWORD").ok().map(Into::into),
            token: std::env::var("OXSCRIPT_NATS_TOKEN").ok().map(Into::into),
            tls_ca: self.tls_ca.clone(),
            tls_client: self.tls_cert.clone().zip(self.tls_key.clone()),
            require_tls: self.require_tls,
            name: Some(format!("oxscript {}", std::process::id())),
            ..NatsOptions::new(self.nats.clone())
        }
    }

    async fn cluster(&self) -> Result<Cluster> {
        let config = ClusterConfig {
            prefix: self.prefix.clone(),
            ack_wait: self.ack_wait,
            expiry: Duration::from_secs(self.expiry_hours.max(1) * 3600),
            memory_storage: self.memory_storage,
            ..ClusterConfig::default()
        };
        Cluster::connect(&self.options(), config)
            .await
            .with_context(|| format!("opening the cluster at {}", self.nats))
    }
}

/// `oxscript worker`.
#[derive(Debug, ClapArgs)]
pub(crate) struct WorkerArgs {
    #[command(flatten)]
    nats: NatsArgs,
    /// The site whose queue this worker serves.
    #[arg(long = "site", value_name = "SITE")]
    site: String,
    /// How many jobs run at once (connections open at once).
    #[arg(long = "slots", value_name = "N", default_value_t = 10)]
    slots: usize,
    #[command(flatten)]
    threads: crate::args::Threads,
    /// Accounts of this worker (`[account-pool]`, `user = base64(password)`):
    /// hosts naming an account get it by name, the others any of them.
    #[arg(long = "account-pool", value_name = "FILE")]
    account_pool: Option<PathBuf>,
    /// At most this many logins per second on average (0: no limit).
    #[arg(long = "login-rate", value_name = "PER_SECOND", default_value_t = 0.0)]
    login_rate: f64,
    /// Logins allowed at once before --login-rate paces them.
    #[arg(long = "login-burst", value_name = "N", default_value_t = 1)]
    login_burst: u32,
    /// The worker's id (default: host name and process id).
    #[arg(long = "id", value_name = "ID")]
    id: Option<String>,
    /// Seconds to wait for each prompt.
    #[arg(long = "timeout", value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    timeout: Duration,
    /// Seconds to wait for each connection.
    #[arg(long = "connect-timeout", value_name = "SECONDS", default_value = "15", value_parser = parse_seconds)]
    connect_timeout: Duration,
    /// Run a failed job up to N more times.
    #[arg(long = "retry", value_name = "N", default_value_t = 0)]
    retry: u32,
    /// Try logging in up to N more times when credentials are rejected.
    #[arg(long = "retry-login", value_name = "N", default_value_t = 0)]
    retry_login: u32,
}

impl Command {
    /// The runtime threads asked for: the worker's `--threads`, one for
    /// `oxscript cluster …`.
    pub(crate) fn threads(&self) -> crate::args::Threads {
        match self {
            Command::Worker(args) => args.threads,
            Command::Cluster { .. } => crate::args::Threads { threads: 1 },
        }
    }
}

/// Runs a cluster subcommand.
pub(crate) async fn main(command: Command) -> Result<ExitCode> {
    match command {
        Command::Worker(args) => worker(args).await,
        Command::Cluster { nats, action } => {
            let cluster = nats.cluster().await?;
            match action {
                ClusterAction::Status => print!("{}", cluster.status().await?),
                ClusterAction::Cap { site, cap } => {
                    cluster.set_site_cap(&site, cap).await?;
                    match cap {
                        Some(cap) => println!("site {site}: at most {cap} jobs at once"),
                        None => println!("site {site}: no cap"),
                    }
                }
                ClusterAction::Cancel { run } => {
                    let removed = cluster.cancel_run(&run).await?;
                    println!("run {run} cancelled; {removed} queued item(s) removed");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn worker(args: WorkerArgs) -> Result<ExitCode> {
    let accounts = match &args.account_pool {
        Some(file) => {
            let accounts = inventory::accounts_from_file(file)?;
            if accounts.is_empty() {
                bail!(
                    "{}: no accounts in the [account-pool] section",
                    file.display()
                );
            }
            accounts
        }
        None => Vec::new(),
    };
    let cluster = args.nats.cluster().await?;
    let mut registry = JobRegistry::new();
    builtin::register(&mut registry);
    let options = WorkerOptions {
        id: args.id.clone(),
        accounts,
        login_rate: (args.login_rate > 0.0).then_some(LoginRate {
            per_second: args.login_rate,
            burst: args.login_burst,
        }),
        queue: queue_options(
            args.timeout,
            args.connect_timeout,
            args.retry,
            args.retry_login,
        ),
        ..WorkerOptions::new(args.site.clone(), args.slots)
    };
    let worker = Worker::new(&cluster, registry, options)?;
    eprintln!(
        "oxscript worker {} serving site {} with {} slots",
        worker.id(),
        args.site,
        args.slots.max(1)
    );
    let stats = worker.run(stop_signal()).await?;
    eprintln!(
        "oxscript worker {}: {} item(s) handled ({} ok, {} failed, {} cancelled, {} unknown outcome)",
        worker.id(),
        stats.handled,
        stats.succeeded,
        stats.failed,
        stats.cancelled,
        stats.unknown_outcome
    );
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; stop with Ctrl-C");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
