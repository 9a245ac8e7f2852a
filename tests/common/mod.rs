//! Shared helpers of the cross-crate integration tests: serve an emulated
//! device over each kind of link and build the Host that reaches it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};

use oxscript::emulator::{TelnetServer, VirtualDevice, register_dummy};
use oxscript::{Account, Host};

/// The kinds of links a Session runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Telnet,
    Dummy,
}

/// A device being served; shut down on `stop` (or when dropped).
pub enum Served {
    Telnet(TelnetServer),
    Dummy(String),
}

impl Served {
    /// The URL of the device, without credentials.
    pub fn url(&self) -> String {
        match self {
            Served::Telnet(s) => s.url(),
            Served::Dummy(name) => format!("dummy://{name}"),
        }
    }

    /// A Host for the device with the given account.
    pub fn host(&self, account: Option<Account>) -> Host {
        let mut host = Host::new(&self.url()).unwrap();
        host.set_account(account);
        host
    }

    pub async fn stop(self) {
        match self {
            Served::Telnet(s) => s.shutdown().await,
            Served::Dummy(name) => {
                oxscript::transport::dummy::unregister(&name);
            }
        }
    }
}

/// Serves `device` over `link` on loopback (or in memory).
pub async fn serve(link: Link, device: VirtualDevice) -> Served {
    static N: AtomicUsize = AtomicUsize::new(0);
    match link {
        Link::Telnet => Served::Telnet(TelnetServer::bind("127.0.0.1:0", device).await.unwrap()),
        Link::Dummy => {
            let name = format!(
                "test-device-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            );
            register_dummy(&name, device);
            Served::Dummy(name)
        }
    }
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
            async fn dummy() {
                super::$name($crate::common::Link::Dummy).await
            }
        }
    };
}
