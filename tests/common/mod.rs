//! Shared helpers of the cross-crate integration tests: serve an emulated
//! device over each kind of link and build the Host and options that reach it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};

use oxscript::emulator::{
    SshServer, SshServerConfig, TelnetServer, TrustedHosts, VirtualDevice, register_dummy,
};
use oxscript::{Account, Host, SessionOptions};

/// The kinds of links a Session runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Telnet,
    Ssh,
    Dummy,
}

/// A device being served; shut down with `stop`.
pub enum Served {
    Telnet(TelnetServer),
    /// The server and the known_hosts file trusting it (removed on drop).
    Ssh(SshServer, TrustedHosts),
    Dummy(String),
}

static N: AtomicUsize = AtomicUsize::new(0);

fn unique(tag: &str) -> String {
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

impl Served {
    /// The URL of the device, without credentials.
    pub fn url(&self) -> String {
        match self {
            Served::Telnet(s) => s.url(),
            Served::Ssh(s, _) => s.url(),
            Served::Dummy(name) => format!("dummy://{name}"),
        }
    }

    /// A Host for the device with the given account.
    pub fn host(&self, account: Option<Account>) -> Host {
        let mut host = Host::new(&self.url()).unwrap();
        host.set_account(account);
        host
    }

    /// Session options that reach the device (SSH: strict host-key
    /// checking against a known_hosts file holding the server's key).
    pub fn options(&self) -> SessionOptions {
        match self {
            Served::Ssh(_, trusted) => SessionOptions {
                ssh: trusted.ssh_options(),
                ..SessionOptions::default()
            },
            _ => SessionOptions::default(),
        }
    }

    pub async fn stop(self) {
        match self {
            Served::Telnet(s) => s.shutdown().await,
            Served::Ssh(s, trusted) => {
                s.shutdown().await;
                drop(trusted);
            }
            Served::Dummy(name) => {
                oxscript::transport::dummy::unregister(&name);
            }
        }
    }
}

/// Serves `device` over `link` on loopback (or in memory). Over SSH the
/// device runs its own login dialog after SSH authentication, so the same
/// login tests apply.
pub async fn serve(link: Link, device: VirtualDevice) -> Served {
    match link {
        Link::Telnet => Served::Telnet(TelnetServer::bind("127.0.0.1:0", device).await.unwrap()),
        Link::Ssh => {
            let config = SshServerConfig {
                app_login: true,
                ..SshServerConfig::default()
            };
            let server = SshServer::bind("127.0.0.1:0", device, config)
                .await
                .unwrap();
            let trusted = TrustedHosts::for_servers([&server]).unwrap();
            Served::Ssh(server, trusted)
        }
        Link::Dummy => {
            let name = unique("test-device");
            register_dummy(&name, device);
            Served::Dummy(name)
        }
    }
}

/// Serves `device` over SSH as most devices do: SSH authentication logs
/// the user in, the shell starts at the device's first prompt.
pub async fn serve_ssh_shell(device: VirtualDevice) -> Served {
    let server = SshServer::bind("127.0.0.1:0", device, SshServerConfig::default())
        .await
        .unwrap();
    let trusted = TrustedHosts::for_servers([&server]).unwrap();
    Served::Ssh(server, trusted)
}

/// Defines one `#[tokio::test]` per link kind for an `async fn(Link)`.
#[macro_export]
macro_rules! over_every_link {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn telnet() {
                super::$name($crate::common::Link::Telnet).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn ssh() {
                super::$name($crate::common::Link::Ssh).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dummy() {
                super::$name($crate::common::Link::Dummy).await
            }
        }
    };
}
