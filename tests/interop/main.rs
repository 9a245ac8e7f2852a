//! Interop suite: oxscript against real OpenSSH `sshd` and GNU `telnetd`.
//!
//! `.ci/interop-setup.sh` starts the servers on loopback and writes their
//! details to `/tmp/oxscript-interop/interop.env` (or the file named by
//! `OXSCRIPT_INTEROP_ENV`). Outside CI the suite skips with a message when
//! the servers are absent; under `CI=true` their absence is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod jobs;
mod sftp;
mod ssh;
mod telnet;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use oxscript::transport::ssh::{AuthMethod, HostKeyPolicy, SshOptions};
use oxscript::{Account, Host, PrivateKeyFile};

/// Details of the running interop servers.
#[allow(dead_code)]
pub struct Interop {
    pub host: String,
    pub ssh_port: u16,
    pub gateway_port: u16,
    pub telnet_port: u16,
    pub user: String,
    pub password: String,
    pub key: PathBuf,
    pub encrypted_key: PathBuf,
    pub key_passphrase: String,
    pub agent_key: PathBuf,
    pub other_key: PathBuf,
    pub known_hosts: PathBuf,
}

/// The interop servers, or `None` (with a message) when they are not running.
pub fn interop() -> Option<Interop> {
    let path = std::env::var("OXSCRIPT_INTEROP_ENV")
        .unwrap_or_else(|_| "/tmp/oxscript-interop/interop.env".into());
    let Ok(text) = std::fs::read_to_string(&path) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but the interop servers are not set up ({path} missing): run .ci/interop-setup.sh"
            );
        }
        eprintln!(
            "skipping interop test: {path} not found (run .ci/interop-setup.sh as root to start sshd/telnetd)"
        );
        return None;
    };
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| {
        vars.get(k)
            .map(|v| v.to_string())
            .unwrap_or_else(|| panic!("{k} missing in {path}"))
    };
    Some(Interop {
        host: get("OXSCRIPT_INTEROP_SSH_HOST"),
        ssh_port: get("OXSCRIPT_INTEROP_SSH_PORT").parse().unwrap(),
        gateway_port: get("OXSCRIPT_INTEROP_GATEWAY_PORT").parse().unwrap(),
        telnet_port: get("OXSCRIPT_INTEROP_TELNET_PORT").parse().unwrap(),
        user: get("OXSCRIPT_INTEROP_USER"),
        password: get("OXSCRIPT_INTEROP_PASSWORD"),
        key: get("OXSCRIPT_INTEROP_KEY").into(),
        encrypted_key: get("OXSCRIPT_INTEROP_ENCRYPTED_KEY").into(),
        key_passphrase: get("OXSCRIPT_INTEROP_KEY_PASSPHRASE"),
        agent_key: get("OXSCRIPT_INTEROP_AGENT_KEY").into(),
        other_key: get("OXSCRIPT_INTEROP_OTHER_KEY").into(),
        known_hosts: get("OXSCRIPT_INTEROP_KNOWN_HOSTS").into(),
    })
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
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "oxscript-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub const TIMEOUT: Duration = Duration::from_secs(30);
