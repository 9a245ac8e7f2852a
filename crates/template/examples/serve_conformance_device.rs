//! Serves the template conformance device over Telnet and SSH until
//! stopped, so that Exscript itself can be run against it to record the
//! expected transcripts in `tests/templates/` (see the README there).
//!
//! ```text
//! cargo run -p oxscript-template --example serve_conformance_device -- [SECONDS]
//! ```
//!
//! Prints the Telnet URL and the SSH URL (any user and password).

#![allow(missing_docs)]

#[path = "../tests/support/device.rs"]
mod device;

use std::time::Duration;

use oxscript_emulator::{SshServer, SshServerConfig, TelnetServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = match std::env::args().nth(1) {
        Some(s) => s.parse()?,
        None => 600,
    };
    let telnet = TelnetServer::bind("127.0.0.1:0", device::device()).await?;
    let ssh = SshServer::bind("127.0.0.1:0", device::device(), SshServerConfig::default()).await?;
    println!("{} {}", telnet.url(), ssh.url());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    telnet.shutdown().await;
    ssh.shutdown().await;
    Ok(())
}
