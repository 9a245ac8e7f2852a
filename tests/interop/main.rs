//! Interop suite: oxscript against real OpenSSH `sshd` and GNU `telnetd`.
//!
//! `.ci/interop-setup.sh` starts the servers on loopback and writes their
//! details to `/tmp/oxscript-interop/interop.env` (or the file named by
//! `OXSCRIPT_INTEROP_ENV`). Outside CI each test prints `SKIPPED <name>`
//! (uncaptured, so it shows in the test output) when the servers are
//! absent; under `CI=true` (as `.ci/run` sets) their absence is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod chain;
mod env;
mod jobs;
mod process;
#[path = "../common/procs.rs"]
mod procs;
#[path = "../../crates/shells/tests/proxy/mod.rs"]
mod proxy;
#[path = "../common/pty_pair.rs"]
mod pty_pair;
mod serial;
mod sftp;
mod shells;
mod ssh;
mod telnet;

use std::path::PathBuf;
use std::time::Duration;

use oxscript::transport::ssh::{AuthMethod, HostKeyPolicy, SshConnection, SshOptions};
use oxscript::{Account, Host, PrivateKeyFile};

pub use env::Interop;

/// The interop servers, or `None` (with a message) when they are not running.
pub fn interop() -> Option<Interop> {
    let path = env::env_path();
    match env::load(&path) {
        Ok(Some(env)) => Some(env),
        Ok(None) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "CI=true but the interop servers are not set up ({path} missing): run .ci/interop-setup.sh"
        ),
        Ok(None) => {
            // Straight to the process's stderr (not `eprintln!`, which the
            // test harness captures and hides for a passing test), so the
            // test output says which tests did not really run.
            use std::io::Write;
            let test = std::thread::current()
                .name()
                .unwrap_or("interop test")
                .to_owned();
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {path} not found (run .ci/interop-setup.sh as root to start sshd/telnetd; under CI=true this is a failure)"
            );
            None
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn the_env_file_parser_names_missing_and_bad_entries() {
    let full = "OXSCRIPT_INTEROP_SSH_HOST=127.0.0.1\n\
                OXSCRIPT_INTEROP_SSH_PORT=2201\n\
                OXSCRIPT_INTEROP_GATEWAY_PORT=2202\n\
                OXSCRIPT_INTEROP_TELNET_PORT=2323\n\
                OXSCRIPT_INTEROP_USER=u\n\
                OXSCRIPT_INTEROP_PASSWORD=p=w\n\
                OXSCRIPT_INTEROP_KEY=/k\n\
                OXSCRIPT_INTEROP_ENCRYPTED_KEY=/e\n\
                OXSCRIPT_INTEROP_KEY_PASSPHRASE=kp\n\
                OXSCRIPT_INTEROP_AGENT_KEY=/a\n\
                OXSCRIPT_INTEROP_OTHER_KEY=/o\n\
                OXSCRIPT_INTEROP_KNOWN_HOSTS=/kh\n";
    let env = env::parse(full, "x.env").unwrap();
    assert_eq!(
        (env.ssh_port, env.gateway_port, env.telnet_port),
        (2201, 2202, 2323)
    );
    assert_eq!(env.password, "p=w", "only the first `=` separates");
    assert_eq!(env.known_hosts, PathBuf::from("/kh"));

    let without_user: String = full
        .lines()
        .filter(|l| !l.starts_with("OXSCRIPT_INTEROP_USER="))
        .map(|l| format!("{l}\n"))
        .collect();
    let err = env::parse(&without_user, "x.env").err().unwrap();
    assert_eq!(
        err,
        "x.env: OXSCRIPT_INTEROP_USER is missing (re-run .ci/interop-setup.sh)"
    );

    let bad_port = full.replace("SSH_PORT=2201", "SSH_PORT=22x");
    let err = env::parse(&bad_port, "x.env").err().unwrap();
    assert_eq!(
        err,
        "x.env: OXSCRIPT_INTEROP_SSH_PORT=22x is not a port number"
    );

    assert!(
        env::load("/nonexistent/oxscript/interop.env")
            .unwrap()
            .is_none()
    );
}

impl Interop {
    /// SSH options that only use what the test gives (no agent, no ~/.ssh keys).
    pub fn options(&self, methods: &[AuthMethod]) -> SshOptions {
        SshOptions {
            host_key_policy: HostKeyPolicy::Strict,
            known_hosts: Some(self.known_hosts.clone()),
            auth_methods: Some(methods.to_vec()),
            use_agent: false,
            default_identities: false,
            ..SshOptions::default()
        }
    }

    pub fn password_account(&self) -> Account {
        Account::new(self.user.clone(), self.password.clone())
    }

    pub fn key_account(&self) -> Account {
        Account::builder(self.user.clone())
            .key(PrivateKeyFile::new(&self.key))
            .build()
    }

    pub fn ssh_host(&self, port: u16, account: Account) -> Host {
        let mut host = Host::new(&format!("ssh://{}:{port}", self.host)).unwrap();
        host.set_account(Some(account));
        host
    }

    /// Connects to `host` and authenticates with `methods` only (strict
    /// host keys against the interop known_hosts file, see [`Interop::options`]).
    pub async fn connect(
        &self,
        host: &Host,
        methods: &[AuthMethod],
    ) -> oxscript::transport::Result<SshConnection> {
        SshConnection::connect_authenticated(host, &self.options(methods), TIMEOUT).await
    }
}

/// A name no other test of this run uses: `oxscript-<tag>-<pid>-<n>`
/// (temporary directories, remote directories).
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "oxscript-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(tag));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub const TIMEOUT: Duration = Duration::from_secs(30);
