//! The interop servers' details as `.ci/interop-setup.sh` writes them
//! (`KEY=value` lines in `interop.env`). The interop tests and the
//! throughput benchmark (as a `#[path]` module) read the file with this
//! one parser, so a missing or malformed entry fails both the same way.

use std::collections::HashMap;
use std::path::PathBuf;

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

/// Where the file is: `$OXSCRIPT_INTEROP_ENV`, else the setup script's default.
pub fn env_path() -> String {
    std::env::var("OXSCRIPT_INTEROP_ENV")
        .unwrap_or_else(|_| "/tmp/oxscript-interop/interop.env".into())
}

/// Reads the file at `path`: `Ok(None)` when there is none (the servers are
/// not set up), an error naming the file and the entry when one is missing
/// or malformed.
pub fn load(path: &str) -> Result<Option<Interop>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {path}: {e}")),
    }
}

/// Parses the text of an `interop.env` file; `path` names it in errors.
pub fn parse(text: &str, path: &str) -> Result<Interop, String> {
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |key: &str| -> Result<String, String> {
        let name = format!("OXSCRIPT_INTEROP_{key}");
        vars.get(name.as_str())
            .map(|v| (*v).to_owned())
            .ok_or_else(|| format!("{path}: {name} is missing (re-run .ci/interop-setup.sh)"))
    };
    let port = |key: &str| -> Result<u16, String> {
        let value = get(key)?;
        value
            .parse()
            .map_err(|_| format!("{path}: OXSCRIPT_INTEROP_{key}={value} is not a port number"))
    };
    Ok(Interop {
        host: get("SSH_HOST")?,
        ssh_port: port("SSH_PORT")?,
        gateway_port: port("GATEWAY_PORT")?,
        telnet_port: port("TELNET_PORT")?,
        user: get("USER")?,
        password: get("PASSWORD")?,
        key: get("KEY")?.into(),
        encrypted_key: get("ENCRYPTED_KEY")?.into(),
        key_passphrase: get("KEY_PASSPHRASE")?,
        agent_key: get("AGENT_KEY")?.into(),
        other_key: get("OTHER_KEY")?.into(),
        known_hosts: get("KNOWN_HOSTS")?.into(),
    })
}
