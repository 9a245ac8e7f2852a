//! SSH connection settings.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;

use oxscript_core::PrivateKeyFile;
use russh::keys::Algorithm;
use russh::{Preferred, cipher, kex, mac};

use super::known_hosts::HostKeyPolicy;
use super::pool::SshPool;

/// Which algorithms to offer.
///
/// Per connection: choosing `Legacy` for one old router changes nothing
/// for any other connection in the process.
#[derive(Clone, Debug, Default)]
pub enum AlgorithmProfile {
    /// russh's defaults: curve25519/ML-KEM, DH group 14-18 with SHA-2,
    /// chacha20-poly1305, AES-GCM/CTR, HMAC-SHA2. The default.
    #[default]
    Secure,
    /// The secure algorithms first, then what old network gear needs:
    /// `diffie-hellman-group14-sha1`, `diffie-hellman-group-exchange-sha1`,
    /// `diffie-hellman-group1-sha1`, `aes{128,192,256}-cbc`, `3des-cbc`,
    /// `hmac-sha1`, and `ssh-rsa` host keys. A modern server still
    /// negotiates modern algorithms, since ours come first.
    Legacy,
    /// An explicit list (names as OpenSSH writes them); an empty list keeps
    /// the default for that kind. Unknown names are an error at connect time.
    Custom {
        /// Key exchange algorithms.
        kex: Vec<String>,
        /// Ciphers.
        ciphers: Vec<String>,
        /// MACs.
        macs: Vec<String>,
        /// Host key algorithms.
        host_keys: Vec<String>,
    },
}

impl AlgorithmProfile {
    /// The russh algorithm lists for this profile.
    pub(crate) fn preferred(&self) -> Result<Preferred, String> {
        let default = Preferred::default();
        match self {
            AlgorithmProfile::Secure => Ok(default),
            AlgorithmProfile::Legacy => {
                let mut kexes: Vec<kex::Name> = default
                    .kex
                    .iter()
                    .copied()
                    .filter(|k| !is_kex_marker(k))
                    .collect();
                kexes.extend([kex::DH_G14_SHA1, kex::DH_GEX_SHA1, kex::DH_G1_SHA1]);
                kexes.extend(default.kex.iter().copied().filter(is_kex_marker));
                let mut ciphers: Vec<cipher::Name> = default.cipher.to_vec();
                ciphers.extend([
                    cipher::AES_128_CBC,
                    cipher::AES_192_CBC,
                    cipher::AES_256_CBC,
                    cipher::TRIPLE_DES_CBC,
                ]);
                let mut macs: Vec<mac::Name> = default.mac.to_vec();
                macs.extend([mac::HMAC_SHA1, mac::HMAC_SHA1_ETM]);
                let mut keys: Vec<Algorithm> = default.key.to_vec();
                let rsa_sha1 = Algorithm::Rsa { hash: None };
                if !keys.contains(&rsa_sha1) {
                    keys.push(rsa_sha1);
                }
                Ok(Preferred {
                    kex: Cow::Owned(kexes),
                    key: Cow::Owned(keys),
                    cipher: Cow::Owned(ciphers),
                    mac: Cow::Owned(macs),
                    ..default
                })
            }
            AlgorithmProfile::Custom {
                kex: kexes,
                ciphers,
                macs,
                host_keys,
            } => {
                let mut p = default.clone();
                if !kexes.is_empty() {
                    let mut list = names::<kex::Name>(kexes, "key exchange")?;
                    list.extend(default.kex.iter().copied().filter(is_kex_marker));
                    p.kex = Cow::Owned(list);
                }
                if !ciphers.is_empty() {
                    p.cipher = Cow::Owned(names::<cipher::Name>(ciphers, "cipher")?);
                }
                if !macs.is_empty() {
                    p.mac = Cow::Owned(names::<mac::Name>(macs, "MAC")?);
                }
                if !host_keys.is_empty() {
                    let mut list = Vec::new();
                    for name in host_keys {
                        let alg: Algorithm = name
                            .parse()
                            .map_err(|_| format!("unknown host key algorithm `{name}`"))?;
                        list.push(alg);
                    }
                    p.key = Cow::Owned(list);
                }
                Ok(p)
            }
        }
    }
}

fn is_kex_marker(name: &kex::Name) -> bool {
    [
        kex::EXTENSION_SUPPORT_AS_CLIENT,
        kex::EXTENSION_SUPPORT_AS_SERVER,
        kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
        kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
    ]
    .contains(name)
}

fn names<N>(list: &[String], kind: &str) -> Result<Vec<N>, String>
where
    N: for<'a> TryFrom<&'a str>,
{
    list.iter()
        .map(|n| N::try_from(n.as_str()).map_err(|_| format!("unknown {kind} algorithm `{n}`")))
        .collect()
}

/// An SSH authentication method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Public keys: from ssh-agent, the account's key, then identity files.
    PublicKey,
    /// Keyboard-interactive, answering password prompts with the password.
    KeyboardInteractive,
    /// Password.
    Password,
}

impl AuthMethod {
    /// The method's protocol name.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::PublicKey => "publickey",
            AuthMethod::KeyboardInteractive => "keyboard-interactive",
            AuthMethod::Password => "password",
        }
    }
}

/// Settings of SSH connections. Build with struct-update syntax from `default()`.
///
/// ```
/// use oxscript_transport::ssh::{AlgorithmProfile, HostKeyPolicy, SshOptions};
///
/// let lab = SshOptions {
///     host_key_policy: HostKeyPolicy::AcceptNew,
///     algorithms: AlgorithmProfile::Legacy,
///     ..SshOptions::default()
/// };
/// # let _ = lab;
/// ```
#[derive(Clone, Debug)]
pub struct SshOptions {
    /// How host keys are verified. Default [`HostKeyPolicy::Strict`].
    pub host_key_policy: HostKeyPolicy,
    /// The known_hosts file; `None` is `~/.ssh/known_hosts`.
    pub known_hosts: Option<PathBuf>,
    /// Algorithms offered. Default [`AlgorithmProfile::Secure`].
    pub algorithms: AlgorithmProfile,
    /// Authentication methods in the order tried; `None` is OpenSSH's order
    /// (public key, keyboard-interactive, password), limited to what the
    /// server offers.
    pub auth_methods: Option<Vec<AuthMethod>>,
    /// Whether to try the keys of ssh-agent. Default true.
    pub use_agent: bool,
    /// The agent's socket; `None` is `SSH_AUTH_SOCK`.
    pub agent_socket: Option<PathBuf>,
    /// Serve agent requests the server forwards back (OpenSSH
    /// `ForwardAgent`): channels that ask for it (such as the chain
    /// broadcast's relays) let commands on the server authenticate with
    /// the keys of the local agent, which never leave it. Default false:
    /// agent channels opened by a server are refused.
    pub forward_agent: bool,
    /// Key files tried after the account's own key.
    pub identity_files: Vec<PrivateKeyFile>,
    /// Whether to also try `~/.ssh/id_ed25519`, `id_ecdsa` and `id_rsa`
    /// (unencrypted ones) like OpenSSH does. Default true.
    pub default_identities: bool,
    /// Send a keepalive after this long without data from the server;
    /// the connection is closed after `keepalive_max` unanswered ones.
    /// Default 30 s (a dead peer is noticed within ~2 minutes).
    pub keepalive_interval: Option<Duration>,
    /// Unanswered keepalives before the connection is declared dead. Default 3.
    pub keepalive_max: usize,
    /// Deadline of an exec command when the caller sets none. Default 10 minutes.
    pub exec_timeout: Duration,
    /// Deadline of each authentication exchange and channel request (a
    /// server that stops answering gives an error instead of a hang).
    /// Default 30 s.
    pub request_timeout: Duration,
    /// Shares gateway connections between sessions (one connection per
    /// hop, opened on first use). `None`: each connection opens its own
    /// hops and closes them when it closes.
    pub pool: Option<SshPool>,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            host_key_policy: HostKeyPolicy::Strict,
            known_hosts: None,
            algorithms: AlgorithmProfile::Secure,
            auth_methods: None,
            use_agent: true,
            agent_socket: None,
            forward_agent: false,
            identity_files: Vec::new(),
            default_identities: true,
            keepalive_interval: Some(Duration::from_secs(30)),
            keepalive_max: 3,
            exec_timeout: Duration::from_secs(600),
            request_timeout: Duration::from_secs(30),
            pool: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_profile_appends_old_algorithms_after_secure_ones() {
        let p = AlgorithmProfile::Legacy.preferred().unwrap();
        let secure = Preferred::default();
        assert_eq!(p.kex[0], secure.kex[0], "modern first");
        assert!(p.kex.contains(&kex::DH_G14_SHA1));
        assert!(p.kex.contains(&kex::DH_G1_SHA1));
        assert!(is_kex_marker(p.kex.last().unwrap()), "markers stay last");
        assert!(p.cipher.contains(&cipher::AES_128_CBC));
        assert!(p.cipher.contains(&cipher::TRIPLE_DES_CBC));
        assert!(p.mac.contains(&mac::HMAC_SHA1));
        assert!(
            !secure.kex.contains(&kex::DH_G1_SHA1),
            "not offered by default"
        );
    }

    #[test]
    fn custom_profile_parses_names_and_rejects_unknown_ones() {
        let p = AlgorithmProfile::Custom {
            kex: vec!["diffie-hellman-group14-sha1".into()],
            ciphers: vec!["aes128-cbc".into()],
            macs: vec!["hmac-sha1".into()],
            host_keys: vec!["ssh-rsa".into()],
        }
        .preferred()
        .unwrap();
        assert_eq!(p.kex[0], kex::DH_G14_SHA1);
        assert_eq!(&p.cipher[..], &[cipher::AES_128_CBC]);
        let err = AlgorithmProfile::Custom {
            kex: vec!["diffie-hellman-group99".into()],
            ciphers: vec![],
            macs: vec![],
            host_keys: vec![],
        }
        .preferred()
        .unwrap_err();
        assert!(err.contains("diffie-hellman-group99"), "{err}");
    }
}
