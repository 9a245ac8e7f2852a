//! A queue over a hosts file, against emulated Cisco IOS routers.
//!
//! Starts five emulated routers on loopback (one of them rejects our
//! password), writes their URLs to a hosts file, reads it back, and runs
//! `show version` on each with at most three connections at a time,
//! collecting each router's version with its host. Logs
//! go to files, progress is printed from the queue's events, and a report
//! closes the run.
//!
//! ```text
//! cargo run -p oxscript-jobs --example queue
//! ```

use std::sync::Arc;

use oxscript_core::inventory::{self, InventoryOptions};
use oxscript_core::{Account, AccountPool, Host};
use oxscript_emulator::{TelnetServer, ios};
use oxscript_jobs::events::Event;
use oxscript_jobs::log::{FileLogOptions, FileLogger, LogMode};
use oxscript_jobs::queue::{Queue, QueueOptions, autologin};
use oxscript_jobs::report;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Five emulated routers; R5 expects another password.
    let mut servers = Vec::new();
    for i in 1..=5 {
        let password = if i == 5 { "other" } else { "cisco" };
        let device = ios::device(&format!("R{i}")).with_credentials("admin", password);
        servers.push(TelnetServer::bind("127.0.0.1:0", device).await?);
    }

    // A hosts file, one URL per line (Exscript's format).
    let dir = std::env::temp_dir().join(format!("oxscript-queue-example-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await?;
    let hosts_file = dir.join("hosts.txt");
    let lines: Vec<String> = servers.iter().map(TelnetServer::url).collect();
    tokio::fs::write(&hosts_file, lines.join("\n") + "\n").await?;
    let mut hosts = inventory::hosts_from_file(&hosts_file, &InventoryOptions::default())?;
    // Name them after the routers, for logs and reports.
    for (i, host) in hosts.iter_mut().enumerate() {
        host.set_name(format!("r{}", i + 1));
    }

    // Logs: <dir>/logs/r1.log (what the device sent), r5.log.error (why it failed).
    let files = FileLogger::new(
        dir.join("logs"),
        FileLogOptions {
            mode: LogMode::Overwrite,
            ..FileLogOptions::default()
        },
    )
    .await?;
    let logger = files.logger();

    let queue = Queue::new(QueueOptions {
        max_connections: 3,
        attempts: 2,
        logger: Some(logger.clone()),
        ..QueueOptions::default()
    });
    // Two accounts: a pooled account serves one job at a time.
    queue.add_account_pool(
        AccountPool::from_accounts([
            Account::new("admin", "cisco"),
            Account::new("admin", "cisco"),
        ]),
        None,
    );
    // r1 gets an account of its own (it is used before any pool).
    if let Some(r1) = hosts.first_mut() {
        r1.set_account(Some(Account::new("admin", "cisco")));
    }
    // A pool for one host only, chosen by a matcher.
    queue.add_account_pool(
        AccountPool::from_accounts([Account::new("admin", "cisco")]),
        Some(Arc::new(|h: &Host| h.name() == "r2")),
    );

    // Progress from the queue's events.
    let mut events = queue.subscribe();
    let printer = tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            match event {
                Event::Progress { finished, total } => println!("progress: {finished}/{total}"),
                Event::Failed {
                    job,
                    error,
                    will_retry,
                    ..
                } => {
                    println!(
                        "{}: {error}{}",
                        job.name,
                        if will_retry { " (will retry)" } else { "" }
                    );
                }
                _ => {}
            }
        }
    });

    // Each job returns the router's IOS version, collected with its host.
    let versions = queue.run_collect(
        hosts,
        autologin(|ctx, host, mut session| async move {
            session.autoinit().await?;
            let version = session.execute("show version").await?;
            let [image] = version.first_match(r"Version ([^,\s]+)")?;
            let image = image.unwrap_or_default();
            ctx.log(format!("{} runs {image}", host.name()));
            Ok(image)
        }),
    )?;
    for (host, version) in versions.join().await {
        match version {
            Ok(version) => println!("{}: IOS {version}", host.name()),
            Err(e) => println!("{}: no version ({e})", host.name()),
        }
    }
    queue.join().await?;
    drop(queue);
    let _ = printer.await;

    println!("\n{}", report::status(&logger));
    println!("{}\n", report::summarize(&logger));
    println!("{}", report::format(&logger));
    println!("\nlogs in {}", files.dir().display());
    for server in servers {
        server.shutdown().await;
    }
    Ok(())
}
