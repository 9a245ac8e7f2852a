//! Strict host-key checking against emulated SSH servers.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use oxscript_transport::ssh::{HostKeyPolicy, SshOptions};

use super::SshServer;

/// A temporary known_hosts file that trusts exactly the given emulated SSH
/// servers, removed when dropped. Tests, examples and benchmarks use it to
/// connect with strict host-key checking, as production code would.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use oxscript_emulator::{SshServer, SshServerConfig, TrustedHosts, ios};
///
/// let server = SshServer::bind("127.0.0.1:0", ios::device("r1"), SshServerConfig::default()).await?;
/// let trusted = TrustedHosts::for_servers([&server])?;
/// let options = trusted.ssh_options(); // strict, this file only, no agent
/// assert_eq!(options.known_hosts.as_deref(), Some(trusted.path()));
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TrustedHosts {
    path: PathBuf,
}

impl TrustedHosts {
    /// Writes a known_hosts file with the host key of each server.
    pub fn for_servers<'a>(
        servers: impl IntoIterator<Item = &'a SshServer>,
    ) -> io::Result<TrustedHosts> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "oxscript-known-hosts-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let lines: String = servers
            .into_iter()
            .map(|s| format!("{}\n", s.known_hosts_line()))
            .collect();
        std::fs::write(&path, lines)?;
        Ok(TrustedHosts { path })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SSH options that check host keys strictly against this file and use
    /// only the credentials given (no ssh-agent, no `~/.ssh` keys).
    pub fn ssh_options(&self) -> SshOptions {
        SshOptions {
            host_key_policy: HostKeyPolicy::Strict,
            known_hosts: Some(self.path.clone()),
            use_agent: false,
            default_identities: false,
            ..SshOptions::default()
        }
    }
}

impl Drop for TrustedHosts {
    fn drop(&mut self) {
        // Best effort: a leftover file in the temp dir is harmless.
        let _ = std::fs::remove_file(&self.path);
    }
}
