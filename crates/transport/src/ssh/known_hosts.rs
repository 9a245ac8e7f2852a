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

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use base64::Engine;
use hmac::{KeyInit, Mac};
use oxscript_core::sync::lock;
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
    ///
    /// The file is read and indexed once per process and again only when
    /// it changes, so checking the keys of thousands of hosts against a
    /// file of thousands of lines stays linear.
    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> std::io::Result<Verdict> {
        Ok(match parsed(&self.path)? {
            Some(parsed) => parsed.check(host, port, key),
            None => Verdict::Unknown,
        })
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
        file.flush()?;
        // The next check reads the file again (its size changed too).
        if let Some(cache) = PARSED.get() {
            lock(cache).remove(&self.path);
        }
        Ok(())
    }
}

/// Parsed known_hosts files, shared by every connection of the process:
/// a fan-out to N hosts reads and indexes a file once, not N times (with
/// N hosts in the file that was N² line comparisons). An entry is used
/// while the file's size, modification time and inode stay the same.
static PARSED: OnceLock<Mutex<ParsedFiles>> = OnceLock::new();

/// Each file's parsed form and the version of the file it came from.
type ParsedFiles = HashMap<PathBuf, (Stamp, Arc<Parsed>)>;

/// How long a file must have been left alone before its parsed form is
/// kept.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// What identifies one version of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: meta.ino(),
        }
    }
}

/// The parsed file at `path` (`None` when there is none), from the cache
/// when the file has not changed since it was parsed.
fn parsed(path: &Path) -> std::io::Result<Option<Arc<Parsed>>> {
    let stamp = |path: &Path| match std::fs::metadata(path) {
        Ok(meta) => Ok(Some(Stamp::of(&meta))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    };
    let Some(before) = stamp(path)? else {
        return Ok(None);
    };
    let cache = PARSED.get_or_init(Mutex::default);
    if let Some((seen, parsed)) = lock(cache).get(path)
        && *seen == before
    {
        return Ok(Some(Arc::clone(parsed)));
    }
    let read_at = SystemTime::now();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let parsed = Arc::new(Parsed::parse(&text));
    // Kept only when the file did not change while it was read, and had
    // not changed for a while before: file times are coarse (a few ms),
    // so a file rewritten just now could be rewritten again with the same
    // stamp (git's "racy clean" rule).
    let settled = before
        .modified
        .and_then(|modified| read_at.duration_since(modified).ok())
        .is_some_and(|age| age >= SETTLED);
    if settled && stamp(path)?.as_ref() == Some(&before) {
        lock(cache).insert(path.to_owned(), (before, Arc::clone(&parsed)));
    }
    Ok(Some(parsed))
}

/// One usable line of a known_hosts file.
#[derive(Debug)]
struct Entry {
    /// Line number, from 1.
    line: usize,
    revoked: bool,
    /// The key, base64 (decoded only for lines naming the host).
    key: String,
}

/// A host field that needs the name to be tried: plain names are found
/// through [`Parsed::by_name`] instead.
#[derive(Debug)]
enum Hosts {
    /// `|1|salt|hmac`, decoded.
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    /// A list with `*`/`?` wildcards or `!negations`.
    Patterns(String),
}

impl Hosts {
    fn matches(&self, name: &str) -> bool {
        match self {
            Hosts::Hashed { salt, hash } => {
                let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(name.as_bytes());
                mac.verify_slice(hash).is_ok()
            }
            Hosts::Patterns(list) => pattern::list_matches(list.split(','), name),
        }
    }
}

/// A known_hosts file, parsed: plain host names are looked up in a map,
/// hashed and pattern lines are tried one by one.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    entries: Vec<Entry>,
    /// Lower-case plain name → its lines' indexes in `entries`, in order.
    by_name: HashMap<String, Vec<usize>>,
    /// The hashed and pattern lines (index in `entries`, host field), in
    /// order.
    scanned: Vec<(usize, Hosts)>,
}

impl Parsed {
    /// Parses the text of a known_hosts file. Lines that cannot be
    /// parsed are skipped, as OpenSSH does.
    pub(crate) fn parse(text: &str) -> Parsed {
        let mut parsed = Parsed::default();
        for (index, raw) in text.lines().enumerate() {
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
            let (Some(_kind), Some(key)) = (fields.next(), fields.next()) else {
                continue;
            };
            let at = parsed.entries.len();
            if let Some(hashed) = first.strip_prefix("|1|") {
                let Some(hosts) = decode_hashed(hashed) else {
                    continue;
                };
                parsed.scanned.push((at, hosts));
            } else if first.contains(['*', '?', '!']) {
                parsed.scanned.push((at, Hosts::Patterns(first.to_owned())));
            } else {
                for name in first.split(',') {
                    let list = parsed.by_name.entry(name.to_ascii_lowercase()).or_default();
                    if list.last() != Some(&at) {
                        list.push(at);
                    }
                }
            }
            parsed.entries.push(Entry {
                line: index + 1,
                revoked,
                key: key.to_owned(),
            });
        }
        parsed
    }

    /// Looks `key` up for `host`:`port`.
    pub(crate) fn check(&self, host: &str, port: u16, key: &PublicKey) -> Verdict {
        let name = host_entry(host, port);
        let mut candidates: Vec<usize> = self
            .by_name
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        candidates.extend(
            self.scanned
                .iter()
                .filter(|(_, hosts)| hosts.matches(&name))
                .map(|&(i, _)| i),
        );
        candidates.sort_unstable();
        let algorithm = key.algorithm();
        let mut mismatch: Option<(usize, Vec<String>)> = None;
        let mut matched: Option<usize> = None;
        for entry in candidates.iter().filter_map(|&i| self.entries.get(i)) {
            let Ok(recorded) = russh::keys::parse_public_key_base64(&entry.key) else {
                continue;
            };
            if entry.revoked {
                if recorded.key_data() == key.key_data() {
                    return Verdict::Revoked { line: entry.line };
                }
                continue;
            }
            if recorded.key_data() == key.key_data() {
                matched.get_or_insert(entry.line);
            } else if recorded.algorithm() == algorithm {
                let found = mismatch.get_or_insert((entry.line, Vec::new()));
                found.1.push(fingerprint(&recorded));
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
}

/// Looks `key` up in the text of a known_hosts file.
#[cfg(test)]
pub(crate) fn check_text(text: &str, host: &str, port: u16, key: &PublicKey) -> Verdict {
    Parsed::parse(text).check(host, port, key)
}

/// The salt and hash of a hashed host field (after `|1|`).
fn decode_hashed(hashed: &str) -> Option<Hosts> {
    let mut parts = hashed.split('|');
    let (Some(salt), Some(hash)) = (parts.next(), parts.next()) else {
        return None;
    };
    let engine = base64::engine::general_purpose::STANDARD;
    Some(Hosts::Hashed {
        salt: engine.decode(salt).ok()?,
        hash: engine.decode(hash).ok()?,
    })
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
    fn plain_names_ignore_case_and_lines_keep_their_order() {
        // The same host plainly (line 3) and through a pattern (line 2):
        // the first line that matches is the one reported.
        let text = format!(
            "other ssh-ed25519 {ED_B}\n*.LAB ssh-ed25519 {ED_A}\nR1.lab,r2.lab ssh-ed25519 {ED_A}\n\
             r1.lab ssh-ed25519 {ED_B}\n"
        );
        assert_eq!(
            check_text(&text, "r1.lab", 22, &key(ED_A)),
            Verdict::Match { line: 2 }
        );
        assert_eq!(
            check_text(&text, "r2.LAB", 22, &key(ED_B)),
            Verdict::Mismatch {
                line: 2,
                recorded: vec![fingerprint(&key(ED_A)), fingerprint(&key(ED_A))]
            }
        );
        // Line 4 holds r1.lab's other key: a match there too.
        assert_eq!(
            check_text(&text, "r1.lab", 22, &key(ED_B)),
            Verdict::Match { line: 4 }
        );
        assert_eq!(check_text(&text, "r3", 22, &key(ED_A)), Verdict::Unknown);
    }

    #[test]
    fn a_settled_file_is_parsed_once_and_again_when_it_changes() {
        let dir = std::env::temp_dir().join(format!("oxscript-kh-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("known_hosts");
        let age = |path: &Path, seconds: u64| {
            let old = SystemTime::now() - std::time::Duration::from_secs(seconds);
            std::fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        };
        std::fs::write(&path, format!("h ssh-ed25519 {ED_A}\n")).unwrap();
        let kh = KnownHosts::new(&path);
        // Just written: parsed, not kept (its stamp could repeat).
        let first = parsed(&path).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &parsed(&path).unwrap().unwrap()));
        age(&path, 60);
        let kept = parsed(&path).unwrap().unwrap();
        assert!(Arc::ptr_eq(&kept, &parsed(&path).unwrap().unwrap()));
        assert_eq!(
            kh.check("h", 22, &key(ED_A)).unwrap(),
            Verdict::Match { line: 1 }
        );
        // Rewritten with the other key (same length), then aged again:
        // the new content is what counts.
        std::fs::write(&path, format!("h ssh-ed25519 {ED_B}\n")).unwrap();
        age(&path, 120);
        assert_eq!(
            kh.check("h", 22, &key(ED_B)).unwrap(),
            Verdict::Match { line: 1 }
        );
        assert!(matches!(
            kh.check("h", 22, &key(ED_A)).unwrap(),
            Verdict::Mismatch { line: 1, .. }
        ));
        // Learning a key is seen by the next check.
        kh.learn("h2", 22, &key(ED_A)).unwrap();
        assert_eq!(
            kh.check("h2", 22, &key(ED_A)).unwrap(),
            Verdict::Match { line: 2 }
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(kh.check("h", 22, &key(ED_B)).unwrap(), Verdict::Unknown);
        let _ = std::fs::remove_dir_all(&dir);
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
