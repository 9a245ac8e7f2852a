//! Quickstart: start an emulated Cisco IOS router, connect to it over
//! Telnet, log in, run commands and extract data.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Against a real device, skip the emulator and use its URL:
//! `oxscript::connect("telnet://admin:secret@192.0.2.1")` (or `ssh://`).

use oxscript::emulator::{TelnetServer, ios};
use oxscript::prelude::*;
use oxscript::transport;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // An emulated router on 127.0.0.1 (a random free port).
    let router = ios::device("router1")
        .with_credentials("admin", "secret")
        .with_enable_password("enable-secret");
    let server = TelnetServer::bind("127.0.0.1:0", router).await?;
    println!("emulated router at {}", server.url());

    // Connect and log in: username, password, then `enable` (IOS driver,
    // chosen by guessing from the login banner).
    let mut host = Host::new(&server.url())?;
    host.set_account(Some(
        Account::builder("admin")
            .password("secret")
            .authorization_password("enable-secret")
            .build(),
    ));
    let mut session = Session::connect(&host).await?;
    session.login(None).await?;
    session.autoinit().await?; // terminal length 0, terminal width 0
    println!(
        "logged in; driver {}, prompt {:?}",
        session.driver().name,
        session.prompt()
    );

    // Run a command and extract values: a missing match is None, never an error.
    let version = session.execute("show version").await?;
    let [release] = version.first_match(r"Version ([^,\s]+)")?;
    let [uptime] = version.first_match(r"uptime is (.+)$")?;
    println!("IOS release {}", release.unwrap_or_default());
    println!("uptime      {}", uptime.unwrap_or_default());

    // One row per interface.
    let interfaces = session.execute("show ip interface brief").await?;
    for [name, address, status] in
        interfaces.any_match(r"^(\S+)\s+(\S+)\s+\S+\s+\S+\s+(up|down|administratively down)")?
    {
        println!("{name:<22} {address:<15} {status}");
    }

    // Errors carry the device's message.
    if let Err(transport::Error::InvalidCommand { line, .. }) = session.execute("show bogus").await
    {
        println!("the router said: {line}");
    }

    session.logout().await?;
    server.shutdown().await;
    Ok(())
}
