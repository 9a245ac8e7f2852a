//! First contact with a device, as a network engineer meets it: an IOS
//! router over SSH that sends no banner, a host key not yet known, an
//! enable secret, no driver given. The platform is detected after login,
//! `enable` runs with the secret, the key is recorded (trust on first
//! use), and the output is parsed with a TextFSM template. Runs against
//! an emulated router on 127.0.0.1; checks its own results.
//!
//! ```text
//! cargo run --example first_contact
//! RUST_LOG=oxscript_transport=info cargo run --example first_contact   # see the detection
//! ```

use std::time::Duration;

use anyhow::ensure;
use oxscript::emulator::{SshServer, SshServerConfig, ios};
use oxscript::prelude::*;
use oxscript::textfsm::TextFsmTemplate;
use oxscript::transport::ssh::{HostKeyPolicy, SshOptions};

/// A TextFSM template for `show ip interface brief` (ntc-templates' format).
const BRIEF: &str = r"Value Required INTERFACE (\S+)
Value IP_ADDRESS (\S+)
Value STATUS (up|down|administratively down)
Value PROTO (up|down)

Start
  ^Interface\s+IP-Address -> Interfaces

Interfaces
  ^${INTERFACE}\s+${IP_ADDRESS}\s+\S+\s+\S+\s+${STATUS}\s+${PROTO}\s*$$ -> Record
";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // What the library reports (detection at info level) goes to stderr
    // when RUST_LOG asks for it.
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    // An IOS router whose SSH server shows nothing but the prompt.
    let router = ios::device("core1")
        .with_credentials("admin", "pw")
        .with_enable_password("en-secret")
        .without_banner();
    let server = SshServer::bind("127.0.0.1:0", router, SshServerConfig::default()).await?;

    // A known_hosts file of our own that does not know the router yet:
    // the default (strict) policy would refuse it; AcceptNew records it.
    let dir = std::env::temp_dir().join(format!("oxscript-first-contact-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let known_hosts = dir.join("known_hosts");
    let mut host = Host::new(&server.url())?;
    host.set_account(Some(
        Account::builder("admin")
            .password("pw")
            .authorization_password("en-secret")
            .build(),
    ));
    let strict = SessionOptions {
        ssh: SshOptions {
            known_hosts: Some(known_hosts.clone()),
            ..SshOptions::default()
        },
        ..SessionOptions::default()
    };
    let refused = Session::connect_with(&host, strict.clone()).await;
    ensure!(refused.is_err(), "an unknown host key must be refused");
    if let Err(e) = refused {
        println!("strict host-key checking: {e}");
    }

    let trust_new = SessionOptions {
        ssh: SshOptions {
            host_key_policy: HostKeyPolicy::AcceptNew,
            ..strict.ssh.clone()
        },
        ..strict.clone()
    };
    let mut session = Session::connect_with(&host, trust_new).await?;
    session.login(None).await?; // detects the platform, then `enable`s
    session.autoinit().await?;
    println!(
        "detected driver {}, prompt {:?}",
        session.driver().name,
        session.prompt()
    );
    ensure!(session.driver().name == "ios", "IOS must be detected");
    ensure!(
        session.prompt() == Some("core1#"),
        "enable must have run: {:?}",
        session.prompt()
    );

    let config = session.execute("show running-config").await?;
    ensure!(config.text().contains("hostname core1"));
    println!("show running-config: {} lines", config.lines().count());

    // Per-call options: a deadline of its own for one command.
    let clock = session
        .execute_with(
            "show clock",
            ExecOptions::new().timeout(Duration::from_secs(5)),
        )
        .await?;
    println!("clock: {}", clock.text().trim());

    // Structured output.
    let template = TextFsmTemplate::parse("show_ip_interface_brief", BRIEF)?;
    let interfaces = session
        .execute("show ip interface brief")
        .await?
        .parse_textfsm(&template)?;
    ensure!(!interfaces.is_empty(), "interfaces must be parsed");
    println!("{}", interfaces.to_json());
    session.logout().await?;

    // The key is recorded: strict checking accepts the router now.
    let session = Session::connect_with(&host, strict).await?;
    session.close().await?;
    println!("known_hosts now holds the router's key");

    server.shutdown().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
