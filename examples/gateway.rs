//! Through a bastion: SSH sessions to routers behind a gateway host, all
//! sharing one connection to the gateway. Runs against emulated devices
//! (an SSH gateway and two routers on 127.0.0.1); no outside server.
//!
//! ```text
//! cargo run --example gateway
//! ```

use oxscript::emulator::{SshServer, SshServerConfig, TrustedHosts, ios};
use oxscript::transport::ssh::{SshOptions, SshPool};
use oxscript::{Account, Host, Session, SessionOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The bastion relays direct-tcpip tunnels; the routers only speak SSH.
    let bastion = SshServer::bind(
        "127.0.0.1:0",
        ios::device("bastion").with_credentials("jump", "jump-secret"),
        SshServerConfig {
            direct_tcpip: true,
            ..SshServerConfig::default()
        },
    )
    .await?;
    let mut routers = Vec::new();
    for name in ["edge1", "edge2"] {
        let device = ios::device(name).with_credentials("admin", "secret");
        routers.push(SshServer::bind("127.0.0.1:0", device, SshServerConfig::default()).await?);
    }

    // Host keys are checked strictly against a known_hosts file holding
    // the emulated servers' keys (removed when `trusted` is dropped).
    let trusted = TrustedHosts::for_servers(std::iter::once(&bastion).chain(&routers))?;

    // One pool: the bastion connection is opened once and shared.
    let pool = SshPool::new();
    let options = SessionOptions {
        ssh: SshOptions {
            pool: Some(pool.clone()),
            ..trusted.ssh_options()
        },
        ..SessionOptions::default()
    };
    let mut jump = Host::new(&bastion.url())?;
    jump.set_account(Some(Account::new("jump", "jump-secret")));

    for server in &routers {
        let mut router = Host::new(&server.url())?;
        router.set_account(Some(Account::new("admin", "secret")));
        router.set_gateway(Some(jump.clone()));

        let mut session = Session::connect_with(&router, options.clone()).await?;
        session.login(None).await?;
        let version = session.execute("show version").await?;
        let [uptime] = version.first_match(r"^(\S+ uptime is .+)$")?;
        println!("{}", uptime.unwrap_or_default());
        // An exec channel on the same connection, through the same tunnel.
        if let Some(ssh) = session.ssh() {
            let clock = ssh.run("show clock").await?;
            println!("  clock: {}", clock.stdout_text().trim());
        }
        session.close().await?;
    }
    println!(
        "connections to the bastion: {}",
        bastion.connections_accepted()
    );
    anyhow::ensure!(
        bastion.connections_accepted() == 1,
        "the pool should share one bastion connection"
    );

    pool.close_all().await;
    for server in routers {
        server.shutdown().await;
    }
    bastion.shutdown().await;
    Ok(())
}
