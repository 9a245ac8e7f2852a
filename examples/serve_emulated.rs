//! Serves emulated Cisco IOS routers over Telnet and SSH until stopped, so
//! other tools (netmiko, scrapli, Exscript, OpenSSH) can be tried or
//! benchmarked against the same devices oxscript's tests use.
//!
//! ```text
//! cargo run --release --example serve_emulated -- [COUNT] [SECONDS]
//! ```
//!
//! Prints one `telnet://…` and one `ssh://…` URL per router (user `admin`,
//! password `cisco`, enable password `enable`; any SSH host key is new: use
//! an accept-new policy) and stops after SECONDS (default 600) or Ctrl-C.

use std::time::Duration;

use oxscript::emulator::{SshServer, SshServerConfig, TelnetServer, ios};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    let seconds: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(600);
    let mut telnet = Vec::new();
    let mut ssh = Vec::new();
    for i in 1..=count {
        let device = ios::device(&format!("router{i}"))
            .with_credentials("admin", "cisco")
            .with_enable_password("enable");
        let t = TelnetServer::bind("127.0.0.1:0", device.clone()).await?;
        let s = SshServer::bind("127.0.0.1:0", device, SshServerConfig::default()).await?;
        println!("{} {}", t.url(), s.url());
        telnet.push(t);
        ssh.push(s);
    }
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(seconds)) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    for server in telnet {
        server.shutdown().await;
    }
    for server in ssh {
        server.shutdown().await;
    }
    Ok(())
}
