//! [`Host`]: a device to connect to, with its variables.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::account::Account;
use crate::error::Result;
use crate::protocol::Protocol;
use crate::secret::Secret;
use crate::url::{Url, Vars, is_ipv6_literal};

/// A device to open a connection to.
///
/// A host has a *name* (used in logs and reports) and an *address* (what is
/// actually connected to); both come from the URL's host part and can be
/// changed separately. It also has a protocol and port, optionally an
/// [`Account`] of its own, a driver name, an SSH gateway to reach it
/// through, free-form options, and variables for templates and jobs.
///
/// Variables are lists of strings, like Exscript's: [`set`](Host::set)
/// replaces a variable by a one-element list, [`append`](Host::append) adds
/// to it, [`get`](Host::get) returns the whole list and
/// [`get_first`](Host::get_first) its first element.
///
/// ```
/// use oxscript_core::{Host, Protocol};
///
/// let mut host = Host::new("ssh://admin:secret@router1:2222?site=lab")?;
/// assert_eq!(host.name(), "router1");
/// assert_eq!((host.protocol(), host.port()), (Protocol::Ssh, 2222));
/// assert_eq!(host.account().map(|a| a.name()), Some("admin"));
/// assert_eq!(host.get_first("site"), Some("lab"));
///
/// host.append("site", "dc2");
/// assert_eq!(host.get("site").unwrap(), ["lab", "dc2"]);
/// host.apply_default_domain("example.net");
/// assert_eq!(host.address(), "router1.example.net");
/// // The URL never contains the password.
/// assert_eq!(host.url().to_string(), "ssh://admin@router1.example.net:2222?site=lab&site=dc2");
/// # Ok::<(), oxscript_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Host {
    name: String,
    address: String,
    protocol: Protocol,
    port: u16,
    account: Option<Account>,
    driver: Option<String>,
    gateway: Option<Arc<Host>>,
    options: BTreeMap<String, String>,
    vars: Vars,
}

impl Host {
    /// Parses a URL or host name ([`Url::parse`]); the protocol defaults to
    /// Telnet.
    pub fn new(uri: &str) -> Result<Host> {
        Url::parse(uri).map(Host::from_url)
    }

    /// Parses a URL or host name, using `default` when it names no protocol.
    pub fn with_default_protocol(uri: &str, default: Protocol) -> Result<Host> {
        Url::parse_with_default(uri, default).map(Host::from_url)
    }

    /// A host from a parsed URL: name and address are the URL's host name;
    /// a user name in the URL becomes the host's account (with the URL's
    /// password, or an empty one, and its authorization password, which
    /// otherwise defaults to the password); query variables become host
    /// variables. The URL's path is not used.
    ///
    /// ```
    /// use oxscript_core::Host;
    ///
    /// let host = Host::new("telnet://admin:login:enable@router1")?;
    /// let account = host.account().unwrap();
    /// assert_eq!(account.password().expose(), "login");
    /// assert_eq!(account.authorization_password().expose(), "enable");
    /// # Ok::<(), oxscript_core::Error>(())
    /// ```
    pub fn from_url(url: Url) -> Host {
        let Url {
            protocol,
            username,
            password,
            authorization_password,
            hostname,
            port,
            path: _,
            vars,
        } = url;
        let account = username.map(|user| {
            let builder = Account::builder(user).password(password.unwrap_or_default());
            match authorization_password {
                Some(authorization) => builder.authorization_password(authorization),
                None => builder,
            }
            .build()
        });
        Host {
            name: hostname.clone(),
            address: hostname,
            protocol,
            port,
            account,
            driver: None,
            gateway: None,
            options: BTreeMap::new(),
            vars,
        }
    }

    /// The name used in logs and reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Changes the name, not the address.
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The address (host name or IP) that is connected to.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Changes the address, not the name.
    pub fn set_address(&mut self, a: impl Into<String>) {
        self.address = a.into();
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Changes the protocol. A port that was the old protocol's default
    /// port follows to the new default (`telnet` 23 becomes `ssh` 22); any
    /// other port is kept.
    pub fn set_protocol(&mut self, p: Protocol) {
        if self.port == self.protocol.default_port() {
            self.port = p.default_port();
        }
        self.protocol = p;
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Changes the TCP port.
    pub fn set_port(&mut self, port: u16) {
        self.port = port;
    }

    /// The account attached to this host, used instead of any account pool.
    pub fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    /// Attaches (or with `None` removes) the host's own account.
    pub fn set_account(&mut self, a: Option<Account>) {
        self.account = a;
    }

    /// The name of the driver to use, if chosen explicitly (otherwise the
    /// driver is guessed).
    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }

    /// Chooses the driver by name (`None`: guess it).
    pub fn set_driver(&mut self, d: Option<String>) {
        self.driver = d;
    }

    /// The SSH gateway (jump host) this host is reached through, if any. A
    /// gateway may itself have a gateway.
    pub fn gateway(&self) -> Option<&Host> {
        self.gateway.as_deref()
    }

    /// Sets (or with `None` removes) the SSH gateway.
    pub fn set_gateway(&mut self, g: Option<Host>) {
        self.gateway = g.map(Arc::new);
    }

    /// Appends `.domain` to the name and the address when the name has no
    /// `.`, is not an IP address and `domain` is not empty (Exscript's
    /// `default_domain`). The address is only changed if it, too, has no
    /// `.` and is not an IP address. A leading `.` of `domain` is ignored.
    pub fn apply_default_domain(&mut self, domain: &str) {
        let domain = domain.trim().trim_start_matches('.');
        if domain.is_empty() || !is_bare_name(&self.name) {
            return;
        }
        self.name = format!("{}.{domain}", self.name);
        if is_bare_name(&self.address) {
            self.address = format!("{}.{domain}", self.address);
        }
    }

    /// The value of an option, if set.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    /// Sets an option (protocol or driver specific settings, such as
    /// `verify_fingerprint`).
    pub fn set_option(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.options.insert(name.into(), value.into());
    }

    /// All options.
    pub fn options(&self) -> &BTreeMap<String, String> {
        &self.options
    }

    /// Sets a variable to a one-element list, replacing any previous value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), vec![value.into()]);
    }

    /// Sets a variable to a list, replacing any previous value.
    pub fn set_list(&mut self, name: impl Into<String>, values: Vec<String>) {
        self.vars.insert(name.into(), values);
    }

    /// Appends a value to a variable, creating it if needed.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.entry(name.into()).or_default().push(value.into());
    }

    /// Sets a variable to a one-element list unless it is already defined.
    pub fn set_default(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars
            .entry(name.into())
            .or_insert_with(|| vec![value.into()]);
    }

    /// The values of a variable, if defined.
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.vars.get(name).map(Vec::as_slice)
    }

    /// The first value of a variable, if defined and not empty.
    pub fn get_first(&self, name: &str) -> Option<&str> {
        self.get(name)?.first().map(String::as_str)
    }

    /// The values of a variable, or `default` if it is not defined.
    pub fn get_or<'a>(&'a self, name: &str, default: &'a [String]) -> &'a [String] {
        self.get(name).unwrap_or(default)
    }

    /// Whether a variable is defined (possibly as an empty list).
    pub fn has(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// All variables.
    pub fn vars(&self) -> &Vars {
        &self.vars
    }

    /// Replaces all variables (an empty map removes them all).
    pub fn set_vars(&mut self, vars: Vars) {
        self.vars = vars;
    }

    /// A URL for this host: protocol, address, port, the account's name
    /// (never its password) and the variables. The name is not part of it.
    pub fn url(&self) -> Url {
        Url {
            protocol: self.protocol,
            username: self.account.as_ref().map(|a| a.name().to_owned()),
            password: None::<Secret>,
            authorization_password: None,
            hostname: self.address.clone(),
            port: self.port,
            path: None,
            vars: self.vars.clone(),
        }
    }
}

/// Shows the host's name.
impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A name that gets the default domain: no `.`, not an IP address.
fn is_bare_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('.')
        && name.parse::<IpAddr>().is_err()
        && !is_ipv6_literal(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn from_url_fields() {
        let host = Host::new("ssh://admin:pw@10.0.0.1:2222/ignored?a=1&a=2").unwrap();
        assert_eq!(host.name(), "10.0.0.1");
        assert_eq!(host.address(), "10.0.0.1");
        assert_eq!(host.protocol(), Protocol::Ssh);
        assert_eq!(host.port(), 2222);
        let account = host.account().unwrap();
        assert_eq!(account.name(), "admin");
        assert_eq!(account.password().expose(), "pw");
        assert_eq!(host.get("a").unwrap(), strings(&["1", "2"]));
        assert!(host.driver().is_none());
        assert!(host.gateway().is_none());
        assert!(host.options().is_empty());
    }

    #[test]
    fn account_extraction() {
        let host = Host::new("telnet://user@h").unwrap();
        let account = host.account().unwrap();
        assert_eq!(account.name(), "user");
        assert!(account.password().is_empty());

        let host = Host::new("ssh://u%40corp:p%3Aw@h").unwrap();
        let account = host.account().unwrap();
        assert_eq!(account.name(), "u@corp");
        assert_eq!(account.password().expose(), "p:w");

        assert!(Host::new("h").unwrap().account().is_none());
        assert!(Host::new("ssh://h").unwrap().account().is_none());
        assert_eq!(Host::new("@h").unwrap().account().unwrap().name(), "");
    }

    #[test]
    fn default_protocol() {
        let host = Host::with_default_protocol("h", Protocol::Ssh).unwrap();
        assert_eq!((host.protocol(), host.port()), (Protocol::Ssh, 22));
        let host = Host::with_default_protocol("telnet://h", Protocol::Ssh).unwrap();
        assert_eq!((host.protocol(), host.port()), (Protocol::Telnet, 23));
        assert!(Host::new("ftp://h").is_err());
    }

    #[test]
    fn set_protocol_port_behaviour() {
        let mut host = Host::new("h").unwrap();
        assert_eq!(host.port(), 23);
        host.set_protocol(Protocol::Ssh);
        assert_eq!(host.port(), 22, "default port follows");
        host.set_protocol(Protocol::Dummy);
        assert_eq!(host.port(), 0);
        host.set_protocol(Protocol::Telnet);
        assert_eq!(host.port(), 23);

        let mut host = Host::new("h:2323").unwrap();
        host.set_protocol(Protocol::Ssh);
        assert_eq!(host.port(), 2323, "explicit port is kept");
        host.set_port(22);
        host.set_protocol(Protocol::Telnet);
        assert_eq!(host.port(), 23);
        assert_eq!(host.protocol(), Protocol::Telnet);
    }

    #[test]
    fn name_and_address_are_independent() {
        let mut host = Host::new("h").unwrap();
        host.set_address("10.1.1.1");
        assert_eq!((host.name(), host.address()), ("h", "10.1.1.1"));
        host.set_name("core");
        assert_eq!((host.name(), host.address()), ("core", "10.1.1.1"));
        assert_eq!(host.to_string(), "core");
    }

    #[test]
    fn variables() {
        let mut host = Host::new("h").unwrap();
        assert!(!host.has("x"));
        assert_eq!(host.get("x"), None);
        assert_eq!(host.get_first("x"), None);
        let fallback = strings(&["d"]);
        assert_eq!(host.get_or("x", &fallback), fallback.as_slice());

        host.set("x", "1");
        assert_eq!(host.get("x").unwrap(), strings(&["1"]));
        host.append("x", "2");
        assert_eq!(host.get("x").unwrap(), strings(&["1", "2"]));
        assert_eq!(host.get_first("x"), Some("1"));
        assert_eq!(host.get_or("x", &fallback), strings(&["1", "2"]).as_slice());
        host.set("x", "3");
        assert_eq!(host.get("x").unwrap(), strings(&["3"]));

        host.append("new", "a");
        assert_eq!(host.get("new").unwrap(), strings(&["a"]));

        host.set_default("x", "ignored");
        assert_eq!(host.get("x").unwrap(), strings(&["3"]));
        host.set_default("y", "dflt");
        assert_eq!(host.get("y").unwrap(), strings(&["dflt"]));

        host.set_list("empty", Vec::new());
        assert!(host.has("empty"));
        assert_eq!(host.get_first("empty"), None);
        host.set_default("empty", "z");
        assert_eq!(host.get("empty").unwrap(), Vec::<String>::new());

        assert_eq!(host.vars().len(), 4);
        host.set_vars(Vars::new());
        assert!(host.vars().is_empty());
        assert!(!host.has("x"));
    }

    #[test]
    fn options_and_driver() {
        let mut host = Host::new("h").unwrap();
        assert_eq!(host.option("verify_fingerprint"), None);
        host.set_option("verify_fingerprint", "false");
        assert_eq!(host.option("verify_fingerprint"), Some("false"));
        assert_eq!(host.options().len(), 1);
        host.set_driver(Some("ios".to_owned()));
        assert_eq!(host.driver(), Some("ios"));
        host.set_driver(None);
        assert_eq!(host.driver(), None);
    }

    #[test]
    fn gateways_nest() {
        let mut jump1 = Host::new("ssh://jump1").unwrap();
        let jump2 = Host::new("ssh://jump2").unwrap();
        jump1.set_gateway(Some(jump2));
        let mut target = Host::new("ssh://target").unwrap();
        target.set_gateway(Some(jump1));
        let hop1 = target.gateway().unwrap();
        assert_eq!(hop1.name(), "jump1");
        let hop2 = hop1.gateway().unwrap();
        assert_eq!(hop2.name(), "jump2");
        assert!(hop2.gateway().is_none());
        let clone = target.clone();
        assert_eq!(clone.gateway().unwrap().name(), "jump1");
        target.set_gateway(None);
        assert!(target.gateway().is_none());
    }

    #[test]
    fn default_domain() {
        let mut host = Host::new("router").unwrap();
        host.apply_default_domain("example.com");
        assert_eq!(
            (host.name(), host.address()),
            ("router.example.com", "router.example.com")
        );

        // Names with a dot are left alone.
        let mut host = Host::new("router.lab").unwrap();
        host.apply_default_domain("example.com");
        assert_eq!(host.name(), "router.lab");

        // IP addresses are left alone.
        for ip in ["10.0.0.1", "::1", "fe80::1", "fe80::1%eth0"] {
            let mut host = Host::new(ip).unwrap();
            host.apply_default_domain("example.com");
            assert_eq!((host.name(), host.address()), (ip, ip));
        }

        // Empty domain: nothing.
        let mut host = Host::new("router").unwrap();
        host.apply_default_domain("");
        assert_eq!(host.name(), "router");
        host.apply_default_domain(".corp");
        assert_eq!(host.name(), "router.corp");

        // A name without a domain but an IP address: only the name changes.
        let mut host = Host::new("10.0.0.9").unwrap();
        host.set_name("core9");
        host.apply_default_domain("corp");
        assert_eq!((host.name(), host.address()), ("core9.corp", "10.0.0.9"));
    }

    #[test]
    fn url_has_no_password() {
        let mut host = Host::new("ssh://admin:hunter2@[::1]:2222?x=1").unwrap();
        host.set_name("ignored-name");
        let url = host.url();
        assert_eq!(url.password, None);
        assert_eq!(url.to_secret_string(), "ssh://admin@[::1]:2222?x=1");
        let back = Host::from_url(url);
        assert_eq!(back.address(), "::1");
        assert_eq!(back.get_first("x"), Some("1"));
    }

    #[test]
    fn debug_hides_secrets() {
        let mut host = Host::new("ssh://admin:hunter2@h").unwrap();
        let mut gw = Host::new("ssh://gw:gwsecret99@g").unwrap();
        gw.set_option("o", "v");
        host.set_gateway(Some(gw));
        let text = format!("{host:?} {host:#?} {host}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("gwsecret99"), "{text}");
        assert!(text.contains("admin"));
    }
}
