//! OpenSSH client configuration (`~/.ssh/config`), read on request only.
//!
//! The subset that matters for reaching hosts:
//!
//! - `Host` blocks with patterns (`*`, `?`, `!negation`, several per
//!   line; matched case-insensitively against the name the host was
//!   given), settings before any `Host` line apply to every host;
//! - `HostName` (with `%h` for the given name), `User`, `Port`,
//!   `IdentityFile` (`~`, `%d`, `%h`, `%n`, `%p`, `%r`, `%u`, `%%`; several
//!   accumulate), `ProxyJump` (`[user@]host[:port]` list, or `none`),
//!   `StrictHostKeyChecking` (`yes`/`ask` → strict, `accept-new`,
//!   `no`/`off` → accept any), `UserKnownHostsFile` (the first path;
//!   `none` is `/dev/null`);
//! - `Include` (paths relative to `~/.ssh`, `*`/`?` wildcards in the file
//!   name part; a pattern that matches nothing is ignored, like OpenSSH);
//! - `Match` blocks are skipped (logged at debug level) up to the next
//!   `Host` or `Match` line; other keywords are ignored.
//!
//! As in OpenSSH, the first value found for a keyword wins, keywords are
//! case-insensitive, `keyword value` and `keyword=value` are both
//! accepted, values may be quoted, and `#` starts a comment.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxscript_core::{Account, Host, PrivateKeyFile, Protocol, Url};

use super::known_hosts::HostKeyPolicy;
use super::options::SshOptions;
use super::pattern;
use crate::{Error, Result};

/// OpenSSH's limit on nested `Include`s.
const MAX_INCLUDE_DEPTH: usize = 16;
/// The SSH port a Host has when nothing chose another one.
const DEFAULT_PORT: u16 = 22;

/// A parsed OpenSSH client configuration. Never read implicitly: load
/// one and [`apply`](OpenSshConfig::apply) it to the hosts it should
/// configure.
///
/// ```
/// use oxscript_transport::ssh::OpenSshConfig;
///
/// let config = OpenSshConfig::parse(
///     "Host r? !r9\n  User admin\n  Port 2222\nHost *\n  User nobody\n",
///     "inline",
/// )?;
/// assert_eq!(config.lookup("r1").user.as_deref(), Some("admin"));
/// assert_eq!(config.lookup("r1").port, Some(2222));
/// assert_eq!(config.lookup("r9").user.as_deref(), Some("nobody"));
/// # Ok::<(), oxscript_transport::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct OpenSshConfig {
    source: String,
    blocks: Vec<Block>,
}

/// What the configuration says about one host ([`OpenSshConfig::lookup`]).
///
/// ```
/// use oxscript_transport::ssh::{HostConfig, OpenSshConfig};
///
/// let config = OpenSshConfig::parse("Host db\n  User postgres\n", "inline")?;
/// assert_eq!(
///     config.lookup("db"),
///     HostConfig { user: Some("postgres".into()), ..HostConfig::default() }
/// );
/// # Ok::<(), oxscript_transport::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostConfig {
    /// `HostName`, with `%h` expanded.
    pub host_name: Option<String>,
    /// `User`.
    pub user: Option<String>,
    /// `Port`.
    pub port: Option<u16>,
    /// Every `IdentityFile` of the matching blocks, in order, expanded.
    pub identity_files: Vec<PathBuf>,
    /// `ProxyJump` hops as written, nearest first (empty for `none` or unset).
    pub proxy_jump: Vec<String>,
    /// `StrictHostKeyChecking`.
    pub strict_host_key_checking: Option<HostKeyPolicy>,
    /// `UserKnownHostsFile` (its first path), expanded.
    pub user_known_hosts_file: Option<PathBuf>,
}

/// All of a Host line's patterns (one line), as written (`!` included).
#[derive(Clone, Debug)]
struct Patterns(Vec<String>);

impl Patterns {
    /// A host matches when a positive pattern matches and no negated one
    /// does (case-insensitively).
    fn matches(&self, host: &str) -> bool {
        pattern::list_matches(self.0.iter().map(String::as_str), host)
    }
}

#[derive(Clone, Debug)]
struct Block {
    /// Every list must match (the Host lines around an Include and in it).
    conditions: Vec<Arc<Patterns>>,
    settings: Vec<Setting>,
}

#[derive(Clone, Debug)]
struct Setting {
    file: Arc<str>,
    line: usize,
    value: Value,
}

#[derive(Clone, Debug)]
enum Value {
    HostName(String),
    User(String),
    Port(u16),
    IdentityFile(String),
    /// Empty for `none`.
    ProxyJump(Vec<String>),
    StrictHostKeyChecking(HostKeyPolicy),
    UserKnownHostsFile(String),
}

/// Where a ProxyJump came from, for loop errors.
#[derive(Clone, Debug, Default)]
struct Origin {
    file: Option<Arc<str>>,
    line: usize,
}

/// A lookup result with the origin of its ProxyJump.
struct Resolved {
    config: HostConfig,
    proxy_jump_origin: Origin,
}

impl OpenSshConfig {
    /// Parses configuration text; `source` names it in errors (a file
    /// name, or something like `"inline"`). `Include` paths are read from
    /// the file system (relative ones from `~/.ssh`).
    ///
    /// ```
    /// use oxscript_transport::ssh::OpenSshConfig;
    ///
    /// let err = OpenSshConfig::parse("Host lab\n  Port eighty\n", "lab.conf").unwrap_err();
    /// assert_eq!(err.to_string(), "lab.conf line 2: bad port `eighty`: expected 1-65535");
    /// ```
    pub fn parse(text: &str, source: &str) -> Result<OpenSshConfig> {
        let mut blocks = Vec::new();
        parse_into(text, Arc::from(source), &[], &mut blocks, 0)?;
        blocks.retain(|b: &Block| !b.settings.is_empty());
        Ok(OpenSshConfig {
            source: source.to_owned(),
            blocks,
        })
    }

    /// Reads and parses a configuration file.
    ///
    /// ```no_run
    /// use oxscript_transport::ssh::OpenSshConfig;
    ///
    /// let config = OpenSshConfig::load("/etc/oxscript/ssh_config")?;
    /// # let _ = config; Ok::<(), oxscript_transport::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<OpenSshConfig> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            config_error(&path.display().to_string(), 0, format!("cannot read: {e}"))
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Reads `~/.ssh/config`; `None` when there is none (or no home directory).
    ///
    /// ```no_run
    /// use oxscript_transport::ssh::OpenSshConfig;
    ///
    /// if let Some(config) = OpenSshConfig::load_user_default()? {
    ///     println!("bastion is {:?}", config.lookup("bastion").host_name);
    /// }
    /// # Ok::<(), oxscript_transport::Error>(())
    /// ```
    pub fn load_user_default() -> Result<Option<OpenSshConfig>> {
        let Some(home) = std::env::home_dir() else {
            return Ok(None);
        };
        let path = home.join(".ssh").join("config");
        if !path.exists() {
            return Ok(None);
        }
        Self::load(path).map(Some)
    }

    /// The name given to the parser (usually the file name).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// What the configuration says about `alias` (the name a host is
    /// known by, before `HostName`).
    ///
    /// ```
    /// use std::path::PathBuf;
    /// use oxscript_transport::ssh::OpenSshConfig;
    ///
    /// let config = OpenSshConfig::parse(
    ///     "Host *.lab\n  HostName %h.example.net\n  IdentityFile /keys/%h\n  ProxyJump jump@bastion:2222,edge\n",
    ///     "inline",
    /// )?;
    /// let r1 = config.lookup("r1.lab");
    /// assert_eq!(r1.host_name.as_deref(), Some("r1.lab.example.net"));
    /// assert_eq!(r1.identity_files, [PathBuf::from("/keys/r1.lab.example.net")]);
    /// assert_eq!(r1.proxy_jump, ["jump@bastion:2222", "edge"]);
    /// # Ok::<(), oxscript_transport::Error>(())
    /// ```
    pub fn lookup(&self, alias: &str) -> HostConfig {
        self.resolve(alias).config
    }

    fn resolve(&self, alias: &str) -> Resolved {
        let mut host_name: Option<&str> = None;
        let mut user: Option<&str> = None;
        let mut port: Option<u16> = None;
        let mut identity_files: Vec<&str> = Vec::new();
        let mut proxy_jump: Option<(&Vec<String>, Origin)> = None;
        let mut strict: Option<HostKeyPolicy> = None;
        let mut known_hosts: Option<&str> = None;
        for block in &self.blocks {
            if !block.conditions.iter().all(|c| c.matches(alias)) {
                continue;
            }
            for setting in &block.settings {
                match &setting.value {
                    Value::HostName(v) => {
                        host_name.get_or_insert(v);
                    }
                    Value::User(v) => {
                        user.get_or_insert(v);
                    }
                    Value::Port(v) => {
                        port.get_or_insert(*v);
                    }
                    Value::IdentityFile(v) => identity_files.push(v),
                    Value::ProxyJump(v) => {
                        proxy_jump.get_or_insert_with(|| {
                            (
                                v,
                                Origin {
                                    file: Some(setting.file.clone()),
                                    line: setting.line,
                                },
                            )
                        });
                    }
                    Value::StrictHostKeyChecking(v) => {
                        strict.get_or_insert(*v);
                    }
                    Value::UserKnownHostsFile(v) => {
                        known_hosts.get_or_insert(v);
                    }
                }
            }
        }
        let host_name = host_name.map(|h| expand_tokens(h, &Tokens::alias_only(alias)));
        let local_user = local_user();
        let target = host_name.clone().unwrap_or_else(|| alias.to_owned());
        let tokens = Tokens {
            alias,
            host: &target,
            port: port.unwrap_or(DEFAULT_PORT),
            remote_user: user.unwrap_or(&local_user),
            local_user: &local_user,
            home: std::env::home_dir(),
        };
        let expand_path = |p: &str| {
            PathBuf::from(expand_tilde(
                &expand_tokens(p, &tokens),
                tokens.home.as_deref(),
            ))
        };
        let (proxy_jump, proxy_jump_origin) =
            proxy_jump.map_or((Vec::new(), Origin::default()), |(v, o)| (v.clone(), o));
        Resolved {
            config: HostConfig {
                host_name,
                user: user.map(str::to_owned),
                port,
                identity_files: identity_files.into_iter().map(expand_path).collect(),
                proxy_jump,
                strict_host_key_checking: strict,
                user_known_hosts_file: known_hosts.map(|k| {
                    if k.eq_ignore_ascii_case("none") {
                        PathBuf::from("/dev/null")
                    } else {
                        expand_path(k)
                    }
                }),
            },
            proxy_jump_origin,
        }
    }

    /// Configures `host` and `options` from what the configuration says
    /// about `host.name()`:
    ///
    /// - `HostName` becomes the address (the name stays, for logs);
    /// - `Port` applies when the host's port is 22 (a URL with an explicit
    ///   other port keeps it);
    /// - `User` becomes the account (with no password) when the host has
    ///   no account;
    /// - `IdentityFile`s that exist are added to
    ///   [`SshOptions::identity_files`] (missing ones are skipped like
    ///   OpenSSH does; an encrypted one needs its passphrase set there);
    /// - `StrictHostKeyChecking` and `UserKnownHostsFile` set the host key
    ///   policy and the known_hosts file;
    /// - `ProxyJump` builds the gateway chain when the host has no gateway
    ///   yet. For `ProxyJump a,b` the host's gateway is `b` and `b`'s is
    ///   `a`; each hop is looked up in this configuration too (its
    ///   `HostName`, `Port`, `User`, `IdentityFile`), and the first hop's
    ///   own `ProxyJump` continues the chain. A hop with no user of its own
    ///   uses the host's account. A chain that comes back to a host it
    ///   went through is an error naming the loop.
    ///
    /// Settings are per [`SshOptions`], so the hops share the host's host
    /// key policy and known_hosts file.
    ///
    /// ```
    /// use oxscript_core::Host;
    /// use oxscript_transport::ssh::{HostKeyPolicy, OpenSshConfig, SshOptions};
    ///
    /// let config = OpenSshConfig::parse(
    ///     "Host r1\n  HostName 10.0.0.1\n  User admin\n  ProxyJump bastion\n\
    ///      Host bastion\n  HostName 192.0.2.1\n  Port 2222\n\
    ///      Host *\n  StrictHostKeyChecking accept-new\n",
    ///     "inline",
    /// )?;
    /// let mut host = Host::new("ssh://r1")?;
    /// let mut options = SshOptions::default();
    /// config.apply(&mut host, &mut options)?;
    /// assert_eq!((host.name(), host.address()), ("r1", "10.0.0.1"));
    /// assert_eq!(host.account().map(|a| a.name()), Some("admin"));
    /// let bastion = host.gateway().unwrap();
    /// assert_eq!((bastion.address(), bastion.port()), ("192.0.2.1", 2222));
    /// assert_eq!(options.host_key_policy, HostKeyPolicy::AcceptNew);
    /// # Ok::<(), oxscript_transport::Error>(())
    /// ```
    pub fn apply(&self, host: &mut Host, options: &mut SshOptions) -> Result<()> {
        let alias = host.name().to_owned();
        let Resolved {
            config,
            proxy_jump_origin,
        } = self.resolve(&alias);
        if let Some(name) = &config.host_name {
            host.set_address(name.clone());
        }
        if let Some(port) = config.port
            && host.port() == DEFAULT_PORT
        {
            host.set_port(port);
        }
        if host.account().is_none()
            && let Some(user) = &config.user
        {
            host.set_account(Some(Account::new(user.clone(), "")));
        }
        add_identity_files(options, &config.identity_files);
        if let Some(policy) = config.strict_host_key_checking {
            options.host_key_policy = policy;
        }
        if let Some(path) = &config.user_known_hosts_file {
            options.known_hosts = Some(path.clone());
        }
        if !config.proxy_jump.is_empty() {
            if host.gateway().is_some() {
                tracing::debug!(host = %alias, "the host already has a gateway; ProxyJump not applied");
            } else {
                let mut path = vec![alias.to_ascii_lowercase()];
                let account = host.account().cloned();
                let gateway = self.jump_chain(
                    &config.proxy_jump,
                    &proxy_jump_origin,
                    account.as_ref(),
                    options,
                    &mut path,
                )?;
                host.set_gateway(Some(gateway));
            }
        }
        Ok(())
    }

    /// The gateway Host for a ProxyJump list (the last hop, whose gateway
    /// is the one before it, ...). `path` holds the aliases whose
    /// ProxyJump led here, for loop detection.
    fn jump_chain(
        &self,
        hops: &[String],
        origin: &Origin,
        account: Option<&Account>,
        options: &mut SshOptions,
        path: &mut Vec<String>,
    ) -> Result<Host> {
        let file = origin.file.as_deref().unwrap_or(&self.source);
        let config_error = |reason: String| config_error(file, origin.line, reason);
        let mut previous: Option<Host> = None;
        for (i, hop) in hops.iter().enumerate() {
            let url = parse_jump(hop).map_err(config_error)?;
            let name = url.hostname.clone();
            // Port 22 means "none given", as for the host in `apply`.
            let port = (url.port != DEFAULT_PORT).then_some(url.port);
            let user = url.username.clone();
            let resolved = self.resolve(&name);
            let jc = &resolved.config;
            let mut gateway = Host::from_url(url);
            gateway.set_address(jc.host_name.clone().unwrap_or_else(|| name.clone()));
            gateway.set_port(port.or(jc.port).unwrap_or(DEFAULT_PORT));
            let hop_account = match user.as_deref().or(jc.user.as_deref()) {
                Some(user) => match account {
                    Some(a) if a.name() == user => Some(a.clone()),
                    _ => Some(Account::new(user.to_owned(), "")),
                },
                None => account.cloned(),
            };
            gateway.set_account(hop_account);
            add_identity_files(options, &jc.identity_files);
            if i == 0 {
                // The hop nearest to us is reached the way its own
                // configuration says, ProxyJump included.
                let key = name.to_ascii_lowercase();
                if path.contains(&key) {
                    let mut names = path.clone();
                    names.push(key);
                    return Err(config_error(format!(
                        "ProxyJump loop: {}",
                        names.join(" -> ")
                    )));
                }
                if !jc.proxy_jump.is_empty() {
                    path.push(key);
                    let next_account = gateway.account().cloned();
                    let before = self.jump_chain(
                        &jc.proxy_jump,
                        &resolved.proxy_jump_origin,
                        next_account.as_ref(),
                        options,
                        path,
                    )?;
                    path.pop();
                    gateway.set_gateway(Some(before));
                }
            } else {
                gateway.set_gateway(previous.take());
            }
            previous = Some(gateway);
        }
        previous.ok_or_else(|| config_error("empty ProxyJump".into()))
    }
}

fn add_identity_files(options: &mut SshOptions, files: &[PathBuf]) {
    for path in files {
        if options.identity_files.iter().any(|f| &f.path == path) {
            continue;
        }
        if !path.exists() {
            tracing::debug!(path = %path.display(), "IdentityFile not found; skipped");
            continue;
        }
        options
            .identity_files
            .push(PrivateKeyFile::new(path.clone()));
    }
}

// ----- parsing -------------------------------------------------------------

fn config_error(file: &str, line: usize, reason: impl Into<String>) -> Error {
    Error::SshConfig {
        file: file.to_owned(),
        line,
        reason: reason.into(),
    }
}

/// Parses `text` into `blocks`, under the Host conditions `enclosing`
/// (those around an Include).
fn parse_into(
    text: &str,
    file: Arc<str>,
    enclosing: &[Arc<Patterns>],
    blocks: &mut Vec<Block>,
    depth: usize,
) -> Result<()> {
    let mut conditions: Vec<Arc<Patterns>> = enclosing.to_vec();
    let mut in_match = false;
    blocks.push(Block {
        conditions: conditions.clone(),
        settings: Vec::new(),
    });
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |reason: String| config_error(&file, line, reason);
        let Some((keyword, args)) = split_line(raw).map_err(err)? else {
            continue;
        };
        let lower = keyword.to_ascii_lowercase();
        match lower.as_str() {
            "host" => {
                if args.is_empty() {
                    return Err(err("Host needs at least one pattern".into()));
                }
                conditions = enclosing.to_vec();
                conditions.push(Arc::new(Patterns(args)));
                blocks.push(Block {
                    conditions: conditions.clone(),
                    settings: Vec::new(),
                });
                in_match = false;
                continue;
            }
            "match" => {
                tracing::debug!(file = %file, line, "Match block skipped (not supported)");
                in_match = true;
                continue;
            }
            _ if in_match => continue,
            "include" => {
                if args.is_empty() {
                    return Err(err("Include needs a file".into()));
                }
                if depth + 1 > MAX_INCLUDE_DEPTH {
                    return Err(err(format!(
                        "Include nested deeper than {MAX_INCLUDE_DEPTH} levels"
                    )));
                }
                for arg in &args {
                    for path in
                        include_paths(arg).map_err(|r| err(format!("Include `{arg}`: {r}")))?
                    {
                        let name = path.display().to_string();
                        let included = std::fs::read_to_string(&path)
                            .map_err(|e| err(format!("cannot read included file {name}: {e}")))?;
                        parse_into(
                            &included,
                            Arc::from(name.as_str()),
                            &conditions,
                            blocks,
                            depth + 1,
                        )?;
                    }
                }
                // What follows the Include is under this file's Host line again.
                blocks.push(Block {
                    conditions: conditions.clone(),
                    settings: Vec::new(),
                });
                continue;
            }
            _ => {}
        }
        let value = match lower.as_str() {
            "hostname" => {
                let v = one_value(&keyword, &args).map_err(err)?;
                check_tokens(v, &['h', '%']).map_err(|r| err(format!("HostName: {r}")))?;
                Value::HostName(v.to_owned())
            }
            "user" => Value::User(one_value(&keyword, &args).map_err(err)?.to_owned()),
            "port" => {
                let v = one_value(&keyword, &args).map_err(err)?;
                match v.parse::<u16>() {
                    Ok(p) if p > 0 => Value::Port(p),
                    _ => return Err(err(format!("bad port `{v}`: expected 1-65535"))),
                }
            }
            "identityfile" => {
                let v = one_value(&keyword, &args).map_err(err)?;
                check_tokens(v, PATH_TOKENS).map_err(|r| err(format!("IdentityFile: {r}")))?;
                Value::IdentityFile(v.to_owned())
            }
            "proxyjump" => {
                let v = one_value(&keyword, &args).map_err(err)?;
                if v.eq_ignore_ascii_case("none") {
                    Value::ProxyJump(Vec::new())
                } else {
                    let hops: Vec<String> = v.split(',').map(|h| h.trim().to_owned()).collect();
                    for hop in &hops {
                        parse_jump(hop).map_err(err)?;
                    }
                    Value::ProxyJump(hops)
                }
            }
            "stricthostkeychecking" => {
                let v = one_value(&keyword, &args).map_err(err)?;
                Value::StrictHostKeyChecking(match v.to_ascii_lowercase().as_str() {
                    "yes" | "true" | "ask" => HostKeyPolicy::Strict,
                    "accept-new" => HostKeyPolicy::AcceptNew,
                    "no" | "off" | "false" => HostKeyPolicy::InsecureAcceptAny,
                    _ => {
                        return Err(err(format!(
                            "bad StrictHostKeyChecking `{v}`: expected yes, ask, accept-new, no or off"
                        )));
                    }
                })
            }
            "userknownhostsfile" => {
                let Some(first) = args.first() else {
                    return Err(err(format!("{keyword} needs a value")));
                };
                for a in &args {
                    check_tokens(a, PATH_TOKENS)
                        .map_err(|r| err(format!("UserKnownHostsFile: {r}")))?;
                }
                Value::UserKnownHostsFile(first.clone())
            }
            _ => {
                tracing::trace!(file = %file, line, keyword = %keyword, "keyword ignored");
                continue;
            }
        };
        if let Some(block) = blocks.last_mut() {
            block.settings.push(Setting {
                file: file.clone(),
                line,
                value,
            });
        }
    }
    Ok(())
}

/// Tokens allowed in IdentityFile and UserKnownHostsFile.
const PATH_TOKENS: &[char] = &['%', 'd', 'h', 'n', 'p', 'r', 'u'];

fn one_value<'a>(keyword: &str, args: &'a [String]) -> std::result::Result<&'a str, String> {
    match args {
        [] => Err(format!("{keyword} needs a value")),
        [one] => Ok(one),
        more => Err(format!("{keyword} takes one value, found {}", more.len())),
    }
}

/// Checks that every `%x` in `value` is an allowed token.
fn check_tokens(value: &str, allowed: &[char]) -> std::result::Result<(), String> {
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some(t) if allowed.contains(&t) => {}
                Some(t) => return Err(format!("unsupported token %{t}")),
                None => return Err("a lone % at the end (write %% for a percent sign)".into()),
            }
        }
    }
    Ok(())
}

/// Splits a line into its keyword and arguments; `None` for blank and
/// comment lines. Arguments honour double and single quotes, and `\`
/// before a quote, a backslash or a space; an unquoted `#` starting an
/// argument ends the line.
fn split_line(raw: &str) -> std::result::Result<Option<(String, Vec<String>)>, String> {
    let line = raw.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let (keyword, rest) = line.split_at(end);
    if keyword.is_empty() {
        return Err("a line starts with `=`: keyword missing".into());
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    Ok(Some((keyword.to_owned(), split_args(rest)?)))
}

fn split_args(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None => break,
            Some('#') => break,
            Some(_) => {}
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            match quote {
                Some(q) => {
                    chars.next();
                    if c == q {
                        quote = None;
                    } else if c == '\\' && chars.peek().is_some_and(|&n| n == q || n == '\\') {
                        arg.extend(chars.next());
                    } else {
                        arg.push(c);
                    }
                }
                None => {
                    if c.is_whitespace() {
                        break;
                    }
                    chars.next();
                    if c == '"' || c == '\'' {
                        quote = Some(c);
                    } else if c == '\\'
                        && chars
                            .peek()
                            .is_some_and(|&n| matches!(n, '"' | '\'' | '\\' | ' '))
                    {
                        arg.extend(chars.next());
                    } else {
                        arg.push(c);
                    }
                }
            }
        }
        if let Some(q) = quote {
            return Err(format!("unterminated {q} quote"));
        }
        args.push(arg);
    }
    Ok(args)
}

/// The files an Include argument names, sorted; relative paths are in
/// `~/.ssh`, wildcards are allowed in the file name.
fn include_paths(arg: &str) -> std::result::Result<Vec<PathBuf>, String> {
    let home = std::env::home_dir();
    let expanded = expand_tilde(arg, home.as_deref());
    let mut path = PathBuf::from(&expanded);
    if path.is_relative() {
        let Some(home) = &home else {
            return Err("relative path but the home directory is unknown".into());
        };
        path = home.join(".ssh").join(path);
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
        return Err("no file name".into());
    };
    if !name.contains(['*', '?']) {
        return Ok(if path.exists() {
            vec![path]
        } else {
            Vec::new()
        });
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.to_string_lossy().contains(['*', '?']) {
        return Err("wildcards are only supported in the file name".into());
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| pattern::matches_exact(&name, n))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    Ok(found)
}

// ----- expansion -----------------------------------------------------------

struct Tokens<'a> {
    alias: &'a str,
    host: &'a str,
    port: u16,
    remote_user: &'a str,
    local_user: &'a str,
    home: Option<PathBuf>,
}

impl<'a> Tokens<'a> {
    /// For HostName, where only `%h` (the alias) and `%%` exist.
    fn alias_only(alias: &'a str) -> Tokens<'a> {
        Tokens {
            alias,
            host: alias,
            port: DEFAULT_PORT,
            remote_user: "",
            local_user: "",
            home: None,
        }
    }
}

fn expand_tokens(value: &str, tokens: &Tokens<'_>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') => out.push_str(tokens.host),
            Some('n') => out.push_str(tokens.alias),
            Some('p') => out.push_str(&tokens.port.to_string()),
            Some('r') => out.push_str(tokens.remote_user),
            Some('u') => out.push_str(tokens.local_user),
            Some('d') => match &tokens.home {
                Some(home) => out.push_str(&home.to_string_lossy()),
                None => out.push_str("%d"),
            },
            // Rejected by the parser; kept as written if it ever gets here.
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// `~` and `~/...` become the home directory; `~user` is left as is.
fn expand_tilde(path: &str, home: Option<&Path>) -> String {
    match (home, path.strip_prefix('~')) {
        (Some(home), Some("")) => home.to_string_lossy().into_owned(),
        (Some(home), Some(rest)) if rest.starts_with('/') => {
            format!("{}{rest}", home.to_string_lossy())
        }
        _ => path.to_owned(),
    }
}

fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default()
}

/// Parses one ProxyJump hop: `[user@]host[:port]`, `[user@][v6addr][:port]`,
/// a bare IPv6 address, or the same as an `ssh://` URL. Port 22 stands for
/// "no port given". A hop never carries a password (it would sit in a
/// configuration file in clear). The error is the whole reason, naming the
/// hop with any password replaced by `***`.
fn parse_jump(hop: &str) -> std::result::Result<Url, String> {
    let url = Url::parse_with_default(hop, Protocol::Ssh).map_err(|e| match e {
        oxscript_core::Error::InvalidUrl { input, reason } => {
            format!("bad ProxyJump `{input}`: {reason}")
        }
        other => format!("bad ProxyJump: {other}"),
    })?;
    let problem = if url.password.is_some() || url.authorization_password.is_some() {
        Some("a hop cannot carry a password; give it an account or a key instead")
    } else if url.protocol != Protocol::Ssh {
        Some("a hop must be an SSH host")
    } else if url.username.as_deref() == Some("") {
        Some("empty user name")
    } else if url.path.as_deref().is_some_and(|p| !p.is_empty()) || !url.vars.is_empty() {
        Some("a hop has no path or query")
    } else {
        None
    };
    match problem {
        Some(reason) => Err(format!("bad ProxyJump `{}`: {reason}", Url::redact(hop))),
        None => Ok(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> OpenSshConfig {
        OpenSshConfig::parse(text, "test.conf").unwrap()
    }

    fn parse_err(text: &str) -> String {
        OpenSshConfig::parse(text, "test.conf")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn host_patterns_with_negation_and_several_per_line() {
        let c = parse("Host r* !r9 switch?\n  User ops\nHost *\n  User other\n");
        assert_eq!(c.lookup("r1").user.as_deref(), Some("ops"));
        assert_eq!(
            c.lookup("R2").user.as_deref(),
            Some("ops"),
            "case-insensitive"
        );
        assert_eq!(c.lookup("switch3").user.as_deref(), Some("ops"));
        assert_eq!(c.lookup("r9").user.as_deref(), Some("other"), "negated");
        assert_eq!(c.lookup("x").user.as_deref(), Some("other"));
        // A line with only negated patterns never matches.
        let c = parse("Host !a\n  User u\n");
        assert_eq!(c.lookup("b").user, None);
    }

    #[test]
    fn first_value_wins_and_identity_files_accumulate() {
        let c = parse(
            "User global\nHost r1\n  Port 2201\n  IdentityFile /k/one\nHost r*\n  Port 2999\n  User team\n  IdentityFile /k/two\n",
        );
        let r1 = c.lookup("r1");
        assert_eq!(
            r1.user.as_deref(),
            Some("global"),
            "the global section comes first"
        );
        assert_eq!(r1.port, Some(2201));
        assert_eq!(
            r1.identity_files,
            [PathBuf::from("/k/one"), PathBuf::from("/k/two")]
        );
        assert_eq!(c.lookup("r2").port, Some(2999));
        assert_eq!(c.lookup("other").port, None);
    }

    #[test]
    fn syntax_equals_quotes_comments_and_case() {
        let c = parse(
            "# comment\n\n   HOST=lab\n\tHostName = \"10.0.0.1\"\n  port=2222 # trailing comment\n  IdentityFile \"/keys/with space\"\n  user='quoted user'\n",
        );
        let lab = c.lookup("lab");
        assert_eq!(lab.host_name.as_deref(), Some("10.0.0.1"));
        assert_eq!(lab.port, Some(2222));
        assert_eq!(lab.identity_files, [PathBuf::from("/keys/with space")]);
        assert_eq!(lab.user.as_deref(), Some("quoted user"));
        assert_eq!(
            split_args(r#"a\ b "c\"d" e#f"#).unwrap(),
            ["a b", "c\"d", "e#f"]
        );
        assert_eq!(split_args("x #rest").unwrap(), ["x"]);
    }

    #[test]
    fn tokens_and_tilde() {
        let home = std::env::home_dir().unwrap();
        let c = parse(
            "Host *.lab\n  HostName %h.example.net\n  Port 2200\n  User admin\n  IdentityFile ~/.ssh/%n_%r_%p\n  IdentityFile %d/keys/%h\n  UserKnownHostsFile ~/kh/%%x /other\n",
        );
        let r = c.lookup("r1.lab");
        assert_eq!(r.host_name.as_deref(), Some("r1.lab.example.net"));
        assert_eq!(
            r.identity_files,
            [
                home.join(".ssh/r1.lab_admin_2200"),
                PathBuf::from(format!("{}/keys/r1.lab.example.net", home.display())),
            ]
        );
        assert_eq!(
            r.user_known_hosts_file,
            Some(home.join("kh/%x")),
            "first path only"
        );
        assert_eq!(expand_tilde("~other/x", Some(Path::new("/h"))), "~other/x");
        assert_eq!(expand_tilde("~", Some(Path::new("/h"))), "/h");
        assert_eq!(
            parse("UserKnownHostsFile none\n")
                .lookup("x")
                .user_known_hosts_file,
            Some(PathBuf::from("/dev/null"))
        );
    }

    #[test]
    fn strict_host_key_checking_values() {
        for (value, policy) in [
            ("yes", HostKeyPolicy::Strict),
            ("ask", HostKeyPolicy::Strict),
            ("accept-new", HostKeyPolicy::AcceptNew),
            ("no", HostKeyPolicy::InsecureAcceptAny),
            ("off", HostKeyPolicy::InsecureAcceptAny),
            ("Yes", HostKeyPolicy::Strict),
        ] {
            let c = parse(&format!("StrictHostKeyChecking {value}\n"));
            assert_eq!(
                c.lookup("h").strict_host_key_checking,
                Some(policy),
                "{value}"
            );
        }
        assert_eq!(
            parse_err("Host a\nStrictHostKeyChecking maybe\n"),
            "test.conf line 2: bad StrictHostKeyChecking `maybe`: expected yes, ask, accept-new, no or off"
        );
    }

    #[test]
    fn match_blocks_are_skipped_until_the_next_host() {
        let c =
            parse("Match host r1 exec \"true\"\n  User fromatch\n  Port 1\nHost r1\n  User real\n");
        let r1 = c.lookup("r1");
        assert_eq!(r1.user.as_deref(), Some("real"));
        assert_eq!(r1.port, None);
    }

    #[test]
    fn parse_errors_name_file_line_and_reason() {
        assert_eq!(
            parse_err("Host a\n  Port 0\n"),
            "test.conf line 2: bad port `0`: expected 1-65535"
        );
        assert_eq!(
            parse_err("Host\n"),
            "test.conf line 1: Host needs at least one pattern"
        );
        assert_eq!(
            parse_err("User a b\n"),
            "test.conf line 1: User takes one value, found 2"
        );
        assert_eq!(
            parse_err("\n\nHostName\n"),
            "test.conf line 3: HostName needs a value"
        );
        assert_eq!(
            parse_err("IdentityFile \"/x\n"),
            "test.conf line 1: unterminated \" quote"
        );
        assert_eq!(
            parse_err("IdentityFile /k/%z\n"),
            "test.conf line 1: IdentityFile: unsupported token %z"
        );
        assert_eq!(
            parse_err("HostName %p\n"),
            "test.conf line 1: HostName: unsupported token %p"
        );
        assert_eq!(
            parse_err("ProxyJump a,,b\n"),
            "test.conf line 1: bad ProxyJump ``: the URL is empty"
        );
        assert_eq!(
            parse_err("ProxyJump a:99999\n"),
            "test.conf line 1: bad ProxyJump `a:99999`: port 99999 is out of range (1-65535)"
        );
        assert_eq!(
            parse_err("=x\n"),
            "test.conf line 1: a line starts with `=`: keyword missing"
        );
        // Unknown keywords are ignored.
        assert!(OpenSshConfig::parse("ForwardAgent yes\nCiphers aes128-ctr\n", "t").is_ok());
    }

    #[test]
    fn jump_specs() {
        // `(user, host, port)` of a hop that parses.
        let spec = |t: &str| {
            let url = parse_jump(t).unwrap();
            (url.username, url.hostname, url.port)
        };
        let s = |v: &str| v.to_owned();
        assert_eq!(spec("bastion"), (None, s("bastion"), 22));
        assert_eq!(
            spec("ops@bastion:2222"),
            (Some(s("ops")), s("bastion"), 2222)
        );
        assert_eq!(spec("[::1]:2200"), (None, s("::1"), 2200));
        assert_eq!(spec("u@[fe80::1]"), (Some(s("u")), s("fe80::1"), 22));
        assert_eq!(spec("2001:db8::1"), (None, s("2001:db8::1"), 22));
        assert_eq!(spec("ssh://u@h:2200"), (Some(s("u")), s("h"), 2200));
        assert_eq!(spec("ssh://u@h/"), (Some(s("u")), s("h"), 22));
        assert_eq!(
            parse_jump("@h").unwrap_err(),
            "bad ProxyJump `@h`: empty user name"
        );
        assert!(parse_jump("[::1").unwrap_err().contains("missing `]`"));
        assert!(
            parse_jump("h:x")
                .unwrap_err()
                .contains("port `x` is not a number")
        );
        assert_eq!(
            parse_jump("telnet://h").unwrap_err(),
            "bad ProxyJump `telnet://h`: a hop must be an SSH host"
        );
        assert_eq!(
            parse_jump("h?x=1").unwrap_err(),
            "bad ProxyJump `h?x=1`: a hop has no path or query"
        );
    }

    #[test]
    fn a_hop_with_a_password_is_refused_without_showing_it() {
        let err = parse_err("ProxyJump ops:s3cret@bastion:2222\n");
        assert_eq!(
            err,
            "test.conf line 1: bad ProxyJump `ops:***@bastion:2222`: \
             a hop cannot carry a password; give it an account or a key instead"
        );
        // Also when the rest of the hop is malformed.
        let err = parse_err("ProxyJump ops:s3cret@bastion:x\n");
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.contains("port `x` is not a number"), "{err}");
    }

    #[test]
    fn a_hop_port_of_22_defers_to_the_hops_own_port() {
        let c = parse("Host t\n  ProxyJump b:22,c:2203\nHost b c\n  Port 2201\n");
        let mut host = Host::new("ssh://t").unwrap();
        c.apply(&mut host, &mut bare_options()).unwrap();
        let ports: Vec<u16> = chain(&host).into_iter().map(|(_, _, p, _)| p).collect();
        assert_eq!(ports, [22, 2203, 2201]);
    }

    #[test]
    fn proxy_jump_none_wins_when_first() {
        let c = parse("Host inside\n  ProxyJump none\nHost *\n  ProxyJump bastion\n");
        assert!(c.lookup("inside").proxy_jump.is_empty());
        assert_eq!(c.lookup("other").proxy_jump, ["bastion"]);
    }

    fn bare_options() -> SshOptions {
        SshOptions::default()
    }

    #[test]
    fn apply_sets_address_port_user_policy_and_known_hosts() {
        let c = parse(
            "Host r1\n  HostName 10.1.1.1\n  Port 2201\n  User admin\n  StrictHostKeyChecking no\n  UserKnownHostsFile /tmp/kh\n",
        );
        let mut host = Host::new("ssh://r1").unwrap();
        let mut options = bare_options();
        c.apply(&mut host, &mut options).unwrap();
        assert_eq!(host.name(), "r1");
        assert_eq!(host.address(), "10.1.1.1");
        assert_eq!(host.port(), 2201);
        let account = host.account().unwrap();
        assert_eq!(account.name(), "admin");
        assert_eq!(account.password().expose(), "");
        assert_eq!(options.host_key_policy, HostKeyPolicy::InsecureAcceptAny);
        assert_eq!(options.known_hosts, Some(PathBuf::from("/tmp/kh")));
        assert!(host.gateway().is_none());

        // An explicit port and an explicit account are kept.
        let mut host = Host::new("ssh://me:pw@r1:2999").unwrap();
        c.apply(&mut host, &mut bare_options()).unwrap();
        assert_eq!(host.port(), 2999);
        assert_eq!(host.account().unwrap().name(), "me");
        assert_eq!(host.account().unwrap().password().expose(), "pw");
    }

    #[test]
    fn apply_adds_existing_identity_files_once() {
        let dir = std::env::temp_dir().join(format!("oxscript-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("id_test");
        std::fs::write(&key, "not a real key").unwrap();
        let text = format!(
            "Host *\n  IdentityFile {}\n  IdentityFile {}/missing\n  IdentityFile {}\n",
            key.display(),
            dir.display(),
            key.display()
        );
        let c = parse(&text);
        let mut options = bare_options();
        c.apply(&mut Host::new("ssh://x").unwrap(), &mut options)
            .unwrap();
        c.apply(&mut Host::new("ssh://y").unwrap(), &mut options)
            .unwrap();
        let paths: Vec<&Path> = options
            .identity_files
            .iter()
            .map(|f| f.path.as_path())
            .collect();
        assert_eq!(paths, [key.as_path()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// `(name, address, port, user)` of each hop, target first.
    fn chain(host: &Host) -> Vec<(String, String, u16, Option<String>)> {
        let mut out = Vec::new();
        let mut next = Some(host);
        while let Some(h) = next {
            out.push((
                h.name().to_owned(),
                h.address().to_owned(),
                h.port(),
                h.account().map(|a| a.name().to_owned()),
            ));
            next = h.gateway();
        }
        out
    }

    #[test]
    fn apply_builds_proxy_jump_chains_nearest_first() {
        let c = parse(
            "Host target\n  HostName 10.0.0.9\n  User admin\n  ProxyJump a,ops@b:2202\n\
             Host a\n  HostName 192.0.2.1\n  Port 2201\n\
             Host b\n  HostName 192.0.2.2\n  ProxyJump ignored-for-b\n",
        );
        let mut host = Host::new("ssh://target").unwrap();
        c.apply(&mut host, &mut bare_options()).unwrap();
        let s = |v: &str| v.to_owned();
        assert_eq!(
            chain(&host),
            vec![
                (s("target"), s("10.0.0.9"), 22, Some(s("admin"))),
                (s("b"), s("192.0.2.2"), 2202, Some(s("ops"))),
                (s("a"), s("192.0.2.1"), 2201, Some(s("admin"))),
            ]
        );
    }

    #[test]
    fn apply_follows_the_first_hops_own_proxy_jump() {
        let c = parse(
            "Host target\n  ProxyJump inner\nHost inner\n  ProxyJump outer\nHost outer\n  User edge\n",
        );
        let mut host = Host::new("ssh://u:pw@target").unwrap();
        c.apply(&mut host, &mut bare_options()).unwrap();
        let names: Vec<(String, Option<String>)> = chain(&host)
            .into_iter()
            .map(|(n, _, _, u)| (n, u))
            .collect();
        assert_eq!(
            names,
            vec![
                ("target".to_owned(), Some("u".to_owned())),
                ("inner".to_owned(), Some("u".to_owned())),
                ("outer".to_owned(), Some("edge".to_owned())),
            ]
        );
        // The inherited account keeps its password; another user gets none.
        let inner = host.gateway().unwrap();
        assert_eq!(inner.account().unwrap().password().expose(), "pw");
        assert_eq!(
            inner
                .gateway()
                .unwrap()
                .account()
                .unwrap()
                .password()
                .expose(),
            ""
        );
    }

    #[test]
    fn proxy_jump_loops_are_errors_naming_the_loop() {
        let c = parse("Host a\n  ProxyJump b\nHost b\n  ProxyJump c\nHost c\n  ProxyJump a\n");
        let err = c
            .apply(&mut Host::new("ssh://a").unwrap(), &mut bare_options())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "test.conf line 6: ProxyJump loop: a -> b -> c -> a"
        );

        // `Host *` with ProxyJump reaches the bastion through itself.
        let c = parse("Host *\n  ProxyJump bastion\n");
        let err = c
            .apply(&mut Host::new("ssh://r1").unwrap(), &mut bare_options())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "test.conf line 2: ProxyJump loop: r1 -> bastion -> bastion"
        );
        // ... which `!bastion` fixes.
        let c = parse("Host * !bastion\n  ProxyJump bastion\n");
        let mut host = Host::new("ssh://r1").unwrap();
        c.apply(&mut host, &mut bare_options()).unwrap();
        assert_eq!(host.gateway().unwrap().name(), "bastion");
        assert!(host.gateway().unwrap().gateway().is_none());

        // The same hop twice in one list is not a loop.
        let c = parse("Host t\n  ProxyJump g,g\n");
        let mut host = Host::new("ssh://t").unwrap();
        c.apply(&mut host, &mut bare_options()).unwrap();
        assert_eq!(chain(&host).len(), 3);
    }

    #[test]
    fn an_explicit_gateway_is_kept() {
        let c = parse("Host t\n  ProxyJump b\n");
        let mut host = Host::new("ssh://t").unwrap();
        host.set_gateway(Some(Host::new("ssh://mine").unwrap()));
        c.apply(&mut host, &mut bare_options()).unwrap();
        assert_eq!(host.gateway().unwrap().name(), "mine");
    }

    #[test]
    fn include_reads_files_under_the_enclosing_host() {
        let dir =
            std::env::temp_dir().join(format!("oxscript-include-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        std::fs::write(
            dir.join("conf.d/10-lab.conf"),
            "Port 2210\nHost lab2\n  User two\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("conf.d/20-other.conf"),
            "Host lab3\n  User three\n",
        )
        .unwrap();
        std::fs::write(dir.join("conf.d/ignored.txt"), "User nope\n").unwrap();
        let text = format!(
            "Host lab*\n  Include {}/conf.d/*.conf\n  User fallback\nInclude {}/missing-*.conf\n",
            dir.display(),
            dir.display()
        );
        let c = parse(&text);
        assert_eq!(
            c.lookup("lab1").port,
            Some(2210),
            "settings before a Host line stay under `Host lab*`"
        );
        assert_eq!(c.lookup("lab1").user.as_deref(), Some("fallback"));
        assert_eq!(c.lookup("lab2").user.as_deref(), Some("two"));
        assert_eq!(c.lookup("lab3").user.as_deref(), Some("three"));
        assert_eq!(
            c.lookup("other").port,
            None,
            "the included file is under `Host lab*`"
        );
        assert_eq!(c.lookup("other").user, None);

        // Errors in included files name that file.
        std::fs::write(dir.join("bad.conf"), "\nPort x\n").unwrap();
        let err = parse_err(&format!("Include {}/bad.conf\n", dir.display()));
        assert_eq!(
            err,
            format!(
                "{}/bad.conf line 2: bad port `x`: expected 1-65535",
                dir.display()
            )
        );

        // Self-inclusion stops at the depth limit.
        std::fs::write(
            dir.join("self.conf"),
            format!("Include {}/self.conf\n", dir.display()),
        )
        .unwrap();
        let err = parse_err(&format!("Include {}/self.conf\n", dir.display()));
        assert!(
            err.contains("Include nested deeper than 16 levels"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn load_names_the_missing_file() {
        let err = OpenSshConfig::load("/nonexistent/oxscript/ssh_config").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/oxscript/ssh_config line 0: cannot read"),
            "{err}"
        );
    }
}
