//! `--emulate N`: emulated Cisco IOS routers served in this process.

use anyhow::{Context, Result};
use oxscript::emulator::{TelnetServer, ios};
use oxscript::{Account, Host};

/// Login details of the emulated routers.
pub(crate) const USER: &str = "admin";
/// Password of the emulated routers.
pub(crate) const PASSWORD: &str = "cisco";
/// Enable password of the emulated routers.
pub(crate) const ENABLE: &str = "enable";

/// Starts `n` emulated routers named `router1`…`routerN` on 127.0.0.1.
pub(crate) async fn start(n: usize) -> Result<(Vec<TelnetServer>, Vec<Host>)> {
    let mut servers = Vec::with_capacity(n);
    let mut hosts = Vec::with_capacity(n);
    for i in 1..=n {
        let name = format!("router{i}");
        let device = ios::device(&name)
            .with_credentials(USER, PASSWORD)
            .with_enable_password(ENABLE);
        let server = TelnetServer::bind("127.0.0.1:0", device)
            .await
            .with_context(|| format!("starting emulated router {name}"))?;
        let mut host = Host::new(&format!("telnet://127.0.0.1:{}", server.port()))?;
        host.set_name(name);
        host.set_account(Some(
            Account::builder(USER)
                .password(PASSWORD)
                .authorization_password(ENABLE)
                .build(),
        ));
        servers.push(server);
        hosts.push(host);
    }
    Ok((servers, hosts))
}
