//! One error for users: `oxscript::Error` in queue and graph jobs.
//!
//! Three emulated Cisco IOS routers run one queue job each. The job uses
//! `?` on Session calls with no type annotations (the Session's error
//! converts into `oxscript::Error`), and handles one refused command
//! itself by matching `transport::Error::InvalidCommand`. On r3 a second
//! refused command is not handled: the job fails, and its error, read back
//! from the log, is matched with one pattern,
//! `oxscript::Error::Transport(transport::Error::InvalidCommand { .. })`.
//! A graph job does the same with `?` and is matched through
//! `Error::transport()`.
//!
//! ```text
//! cargo run --example job_errors
//! ```
//!
//! The example checks its results and exits with an error on a wrong one.

use oxscript::emulator::{TelnetServer, ios};
use oxscript::jobs::graph::{Job, Scheduler};
use oxscript::jobs::log::Logger;
use oxscript::jobs::queue::{Queue, QueueOptions, autologin};
use oxscript::{Account, Error, Host, Session, transport};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut servers = Vec::new();
    let mut hosts = Vec::new();
    for i in 1..=3 {
        let device = ios::device(&format!("R{i}")).with_credentials("admin", "cisco");
        let server = TelnetServer::bind("127.0.0.1:0", device).await?;
        let mut host = Host::new(&server.url())?;
        host.set_name(format!("r{i}"));
        host.set_account(Some(Account::new("admin", "cisco")));
        hosts.push(host);
        servers.push(server);
    }

    // A queue job: `?` converts the Session's errors, and a refused
    // command the job expects is matched on the Session's error.
    let logger = Logger::new();
    let queue = Queue::new(QueueOptions {
        max_connections: 3,
        attempts: 1,
        logger: Some(logger.clone()),
        ..QueueOptions::default()
    });
    queue.run(
        hosts.clone(),
        autologin(|ctx, host, mut session| async move {
            session.autoinit().await?;
            match session.execute("show inventory raw").await {
                Ok(response) => ctx.log(format!("{}: {}", host.name(), response.text())),
                Err(transport::Error::InvalidCommand { line, .. }) => {
                    ctx.log(format!("{}: no raw inventory here ({line})", host.name()))
                }
                Err(other) => return Err(other.into()),
            }
            session.execute("show version").await?;
            if host.name() == "r3" {
                // Not handled: the job fails with the Session's error.
                session.execute("show bogus").await?;
            }
            Ok(())
        }),
    )?;
    queue.join().await?;

    let handled = logger
        .logs()
        .iter()
        .flat_map(|log| log.messages().to_vec())
        .filter(|message| message.contains("no raw inventory"))
        .inspect(|message| println!("{message}"))
        .count();
    anyhow::ensure!(handled == 3, "every job handles the refusal, not {handled}");

    let failed = logger.failed_logs();
    anyhow::ensure!(failed.len() == 1, "one job fails, not {}", failed.len());
    for log in &failed {
        match log.error() {
            Some(Error::Transport(transport::Error::InvalidCommand { command, line, .. })) => {
                println!(
                    "{}: `{command}` was refused: {line}",
                    log.host().unwrap_or("?")
                );
                anyhow::ensure!(command == "show bogus", "unexpected command {command}");
            }
            other => anyhow::bail!("expected a refused command, got {other:?}"),
        }
    }
    println!(
        "queue: {} succeeded, {} failed",
        logger.succeeded_count(),
        logger.failed_count()
    );
    anyhow::ensure!(logger.succeeded_count() == 2, "two jobs succeed");

    // A graph job: the same `?`, and the error read back with transport().
    let r1 = hosts[0].clone();
    let scheduler = Scheduler::labelled("errors");
    let job = scheduler.add(Job::new("clock", move || {
        let host = r1.clone();
        async move {
            let mut session = Session::connect(&host).await?;
            session.login(None).await?;
            let clock = session.execute("show clock").await?;
            session.execute("show clock detail please").await?;
            Ok(clock.text().into())
        }
    }));
    let _ = scheduler.run().await;
    match job.error().as_ref().and_then(Error::transport) {
        Some(transport::Error::InvalidCommand { line, .. }) => {
            println!("graph job `{}` failed as expected: {line}", job.label())
        }
        other => anyhow::bail!("expected a refused command from the graph job, got {other:?}"),
    }

    for server in servers {
        server.shutdown().await;
    }
    Ok(())
}
