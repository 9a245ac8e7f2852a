//! The interop suite's sshd as a benchmark target: its host (key and
//! password of the test user) and SSH options for key authentication
//! with its host key checked strictly. Shared by `throughput` and
//! `targets`, which both declare `mod interop_env`.

use oxscript::transport::ssh::{AuthMethod, HostKeyPolicy, SshOptions};
use oxscript::{Account, Host, PrivateKeyFile};

use crate::interop_env::Interop;

/// Host and options to reach the interop sshd with the test user's key.
pub fn key_auth(env: &Interop) -> (Host, SshOptions) {
    let mut host = Host::new(&format!("ssh://127.0.0.1:{}", env.ssh_port)).expect("url");
    host.set_account(Some(
        Account::builder(env.user.clone())
            .password(env.password.clone())
            .key(PrivateKeyFile::new(&env.key))
            .build(),
    ));
    let options = SshOptions {
        host_key_policy: HostKeyPolicy::Strict,
        known_hosts: Some(env.known_hosts.clone()),
        auth_methods: Some(vec![AuthMethod::PublicKey]),
        use_agent: false,
        default_identities: false,
        ..SshOptions::default()
    };
    (host, options)
}
