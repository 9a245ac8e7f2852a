//! Host key verification against OpenSSH `known_hosts` files.
//!
//! Understands what OpenSSH writes and reads: comma-separated host lists,
//! `[host]:port` entries for non-default ports, hashed entries
//! (`|1|salt|hmac`, what `HashKnownHosts yes` produces), `*`/`?`
//! wildcards, `!negated` patterns, and the `@revoked` marker
//! (`@cert-authority` lines are skipped: certificate authorities are not
//! used for trust here). Lines that cannot be parsed are skipped, as
//! OpenSSH does.
//!
//! Learning a key (the accept-new policy) appends one complete line with a
//! single `write` on a file opened in append mode, so concurrent sessions
//! never interleave partial lines.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use hmac::{KeyInit, Mac};
use russh::keys::{HashAlg, PublicKey};

use super::pattern;

/// What to do with a server's host key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Accept only keys recorded in known_hosts (OpenSSH
    /// `StrictHostKeyChecking yes`). The default.
    #[default]
    Strict,
    /// Record keys of hosts not seen before; refuse changed keys (OpenSSH
    /// `StrictHostKeyChecking accept-new`).
    AcceptNew,
    /// Accept any key without checking. Exposes the connection to
    /// man-in-the-middle attacks; meant for labs and emulators only.
    InsecureAcceptAny,
}

/// The result of looking a host key up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The key is recorded for this host (1-based line number).
    Match {
        /// Line of the matching entry.
        line: usize,
    },
    /// No key of this type is recorded for this host.
    Unknown,
    /// A different key of the same type is recorded: possibly an attack.
    Mismatch {
        /// Line of the (first) recorded key.
        line: usize,
        /// SHA256 fingerprints of the recorded keys of this type.
        recorded: Vec<String>,
    },
    /// The key is marked `@revoked`.
    Revoked {
        /// Line of the revocation.
        line: usize,
    },
}

/// A known_hosts file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownHosts {
    path: PathBuf,
}

/// The SHA256 fingerprint of a key, as OpenSSH prints it (`SHA256:…`).
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// How a host is named in known_hosts: `host` on port 22, else `[host]:port`.
fn host_entry(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

impl KnownHosts {
    /// The file at `path` (it need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> KnownHosts {
        KnownHosts { path: path.into() }
    }

    /// `~/.ssh/known_hosts`, if the home directory is known.
    pub fn user_default() -> Option<KnownHosts> {
        std::env::home_dir().map(|home| KnownHosts::new(home.join(".ssh").join("known_hosts")))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Looks `key` up for `host`:`port`. A missing file means every host is unknown.
    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> std::io::Result<Verdict> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Verdict::Unknown),
            Err(e) => return Err(e),
        };
        Ok(check_text(&text, host, port, key))
    }

    /// Records `key` for `host`:`port` (creating the file and its directory).
    pub fn learn(&self, host: &str, port: u16, key: &PublicKey) -> std::io::Result<()> {
        if let Some(parent) = self.path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
        let openssh = key
            .to_openssh()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        // Keep "type base64", drop the comment.
        let mut parts = openssh.split_whitespace();
        let (Some(kind), Some(data)) = (parts.next(), parts.next()) else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "cannot encode the host key",
            ));
        };
        let needs_newline = match std::fs::read(&self.path) {
            Ok(existing) => existing.last().is_some_and(|&b| b != b'\n'),
            Err(_) => false,
        };
        let line = format!(
            "{}{} {kind} {data}\n",
            if needs_newline { "\n" } else { "" },
            host_entry(host, port)
        );
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path)?;
        // One write of one whole line: appends of concurrent writers do not interleave.
        file.write_all(line.as_bytes())?;
        file.flush()
    }
}

/// Looks `key` up in the text of a known_hosts file.
pub(crate) fn check_text(text: &str, host: &str, port: u16, key: &PublicKey) -> Verdict {
    let name = host_entry(host, port);
    let algorithm = key.algorithm();
    let mut mismatch: Option<(usize, Vec<String>)> = None;
    let mut matched: Option<usize> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some(mut first) = fields.next() else {
            continue;
        };
        let mut revoked = false;
        if first.starts_with('@') {
            match first {
                "@revoked" => revoked = true,
                _ => continue, // @cert-authority and unknown markers
            }
            let Some(next) = fields.next() else {
                continue;
            };
            first = next;
        }
        let (Some(_kind), Some(data)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !hosts_match(first, &name) {
            continue;
        }
        let Ok(recorded) = russh::keys::parse_public_key_base64(data) else {
            continue;
        };
        if revoked {
            if recorded.key_data() == key.key_data() {
                return Verdict::Revoked { line: line_no };
            }
            continue;
        }
        if recorded.key_data() == key.key_data() {
            matched.get_or_insert(line_no);
        } else if recorded.algorithm() == algorithm {
            let entry = mismatch.get_or_insert((line_no, Vec::new()));
            entry.1.push(fingerprint(&recorded));
        }
    }
    // A revocation anywhere wins (checked above); then a match; then a mismatch.
    if let Some(line) = matched {
        Verdict::Match { line }
    } else if let Some((line, recorded)) = mismatch {
        Verdict::Mismatch { line, recorded }
    } else {
        Verdict::Unknown
    }
}

/// Whether the host field of a known_hosts line names `name`.
fn hosts_match(field: &str, name: &str) -> bool {
    if let Some(hashed) = field.strip_prefix("|1|") {
        return hashed_match(hashed, name);
    }
    pattern::list_matches(field.split(','), name)
}

fn hashed_match(hashed: &str, name: &str) -> bool {
    let mut parts = hashed.split('|');
    let (Some(salt), Some(hash)) = (parts.next(), parts.next()) else {
        return false;
    };
    let engine = base64::engine::general_purpose::STANDARD;
    let (Ok(salt), Ok(hash)) = (engine.decode(salt), engine.decode(hash)) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIGeNzYAhZ3NPkKtg+Gq7BM2ZFxx597G0zY2h1/Fr+fm3";
    const ED_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIMsuBlr9zs2f1/pFfVMp4BAbEFDellrK7GqR1hZ+SoOI";

    fn key(b64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(b64).unwrap()
    }

    #[test]
    fn plain_port_and_list_entries() {
        let text = format!(
            "# comment\nrouter1,10.0.0.1 ssh-ed25519 {ED_A}\n[gw]:2222 ssh-ed25519 {ED_B}\n"
        );
        assert_eq!(
            check_text(&text, "10.0.0.1", 22, &key(ED_A)),
            Verdict::Match { line: 2 }
        );
        assert_eq!(
            check_text(&text, "router1", 22, &key(ED_A)),
            Verdict::Match { line: 2 }
        );
        assert_eq!(
            check_text(&text, "gw", 2222, &key(ED_B)),
            Verdict::Match { line: 3 }
        );
        assert_eq!(check_text(&text, "gw", 22, &key(ED_B)), Verdict::Unknown);
        assert_eq!(check_text(&text, "other", 22, &key(ED_A)), Verdict::Unknown);
    }

    #[test]
    fn changed_key_is_a_mismatch_with_the_recorded_fingerprint() {
        let text = format!("router1 ssh-ed25519 {ED_A}\n");
        match check_text(&text, "router1", 22, &key(ED_B)) {
            Verdict::Mismatch { line, recorded } => {
                assert_eq!(line, 1);
                assert_eq!(recorded, vec![fingerprint(&key(ED_A))]);
                assert!(recorded[0].starts_with("SHA256:"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hashed_entries_match() {
        // Produced by `ssh-keygen -H` for "[127.0.0.1]:2201" with this salt.
        let salt = [7u8; 20];
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
        mac.update(b"[127.0.0.1]:2201");
        let hash = mac.finalize().into_bytes();
        let e = base64::engine::general_purpose::STANDARD;
        let text = format!(
            "|1|{}|{} ssh-ed25519 {ED_A}\n",
            e.encode(salt),
            e.encode(hash)
        );
        assert_eq!(
            check_text(&text, "127.0.0.1", 2201, &key(ED_A)),
            Verdict::Match { line: 1 }
        );
        assert_eq!(
            check_text(&text, "127.0.0.1", 2202, &key(ED_A)),
            Verdict::Unknown
        );
    }

    #[test]
    fn wildcards_negation_and_revocation() {
        let text = format!("*.lab,!bad.lab ssh-ed25519 {ED_A}\n@revoked * ssh-ed25519 {ED_B}\n");
        assert_eq!(
            check_text(&text, "r1.lab", 22, &key(ED_A)),
            Verdict::Match { line: 1 }
        );
        assert_eq!(
            check_text(&text, "bad.lab", 22, &key(ED_A)),
            Verdict::Unknown
        );
        assert_eq!(
            check_text(&text, "r1.lab", 22, &key(ED_B)),
            Verdict::Revoked { line: 2 }
        );
        // Patterns ignore case, like host names.
        assert_eq!(
            check_text(&text, "R1.LAB", 22, &key(ED_A)),
            Verdict::Match { line: 1 }
        );
        assert_eq!(
            check_text(&text, "BAD.lab", 22, &key(ED_A)),
            Verdict::Unknown
        );
    }

    #[test]
    fn learn_appends_whole_lines() {
        let dir = std::env::temp_dir().join(format!("oxscript-kh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let kh = KnownHosts::new(dir.join("sub").join("known_hosts"));
        assert_eq!(kh.check("h", 2201, &key(ED_A)).unwrap(), Verdict::Unknown);
        kh.learn("h", 2201, &key(ED_A)).unwrap();
        kh.learn("h2", 22, &key(ED_B)).unwrap();
        assert_eq!(
            kh.check("h", 2201, &key(ED_A)).unwrap(),
            Verdict::Match { line: 1 }
        );
        assert_eq!(
            kh.check("h2", 22, &key(ED_B)).unwrap(),
            Verdict::Match { line: 2 }
        );
        let text = std::fs::read_to_string(kh.path()).unwrap();
        assert!(text.starts_with("[h]:2201 ssh-ed25519 "), "{text}");
        assert_eq!(text.lines().count(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
