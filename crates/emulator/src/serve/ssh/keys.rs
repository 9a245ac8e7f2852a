//! Host keys and algorithm lists of the SSH server.

use std::borrow::Cow;
use std::io;

use russh::keys::ssh_key::private::RsaKeypair;
use russh::keys::{Algorithm, HashAlg, PrivateKey, PublicKey};
use russh::{Preferred, cipher, kex, mac};
use tokio::sync::OnceCell;

/// The size of the generated legacy RSA host key, in bits.
const RSA_BITS: usize = 2048;

/// The RSA host key of every `legacy_only` server of this process that was
/// given none: generating one takes seconds in debug builds.
static SHARED_RSA_KEY: OnceCell<PrivateKey> = OnceCell::const_new();

/// A fresh random ed25519 key.
pub(super) fn random_ed25519() -> io::Result<PrivateKey> {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
        .map_err(|e| io::Error::other(format!("cannot generate an ed25519 host key: {e}")))
}

/// The process's shared RSA host key, generated on first use (on a
/// blocking thread).
pub(super) async fn shared_rsa_key() -> io::Result<PrivateKey> {
    SHARED_RSA_KEY
        .get_or_try_init(|| async {
            tokio::task::spawn_blocking(|| {
                RsaKeypair::random(&mut rand::rng(), RSA_BITS)
                    .map(PrivateKey::from)
                    .map_err(|e| io::Error::other(format!("cannot generate an RSA host key: {e}")))
            })
            .await
            .map_err(|e| io::Error::other(format!("RSA host key generation failed: {e}")))?
        })
        .await
        .cloned()
}

/// The algorithms offered: russh's defaults, or only what old IOS offers.
pub(super) fn preferred(legacy_only: bool) -> Preferred {
    if !legacy_only {
        return Preferred::default();
    }
    Preferred {
        kex: Cow::Owned(vec![kex::DH_G14_SHA1, kex::DH_G1_SHA1]),
        key: Cow::Owned(vec![Algorithm::Rsa { hash: None }]),
        cipher: Cow::Owned(vec![
            cipher::AES_128_CBC,
            cipher::AES_256_CBC,
            cipher::TRIPLE_DES_CBC,
        ]),
        mac: Cow::Owned(vec![mac::HMAC_SHA1]),
        ..Preferred::default()
    }
}

/// The SHA256 fingerprint of `key`, as OpenSSH prints it (`SHA256:...`).
pub(super) fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// `key` in OpenSSH's one-line form without comment: `ssh-ed25519 AAAA...`.
pub(super) fn openssh_public(key: &PublicKey) -> String {
    let mut key = key.clone();
    key.set_comment("");
    match key.to_openssh() {
        Ok(text) => text.trim().to_owned(),
        // Encoding a key russh accepted as a host key does not fail; say
        // what happened rather than panic if it ever does.
        Err(e) => format!("{} <unencodable key: {e}>", key.algorithm()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_line_has_type_and_data_only() {
        let key = random_ed25519().unwrap();
        let line = openssh_public(key.public_key());
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 2, "{line}");
        assert_eq!(parts[0], "ssh-ed25519");
        assert!(parts[1].starts_with("AAAA"), "{line}");
        let parsed = PublicKey::from_openssh(&line).unwrap();
        assert_eq!(parsed.key_data(), key.public_key().key_data());
        assert!(fingerprint(key.public_key()).starts_with("SHA256:"));
    }

    #[test]
    fn legacy_lists_hold_only_old_algorithms() {
        let p = preferred(true);
        assert_eq!(&p.kex[..], &[kex::DH_G14_SHA1, kex::DH_G1_SHA1]);
        assert_eq!(&p.key[..], &[Algorithm::Rsa { hash: None }]);
        assert!(p.cipher.iter().all(|c| c.as_ref().ends_with("-cbc")));
        assert_eq!(&p.mac[..], &[mac::HMAC_SHA1]);
        assert_eq!(preferred(false).kex.len(), Preferred::default().kex.len());
    }
}
