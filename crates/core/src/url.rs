//! [`Url`]: the lenient, Exscript-compatible URL used to name hosts.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv6Addr;
use std::ops::Range;
use std::str::FromStr;

use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::protocol::Protocol;
use crate::secret::Secret;

/// Host and URL variables: every variable holds a list of values.
///
/// A `BTreeMap`, so variables are iterated (and written into URLs) in name
/// order; the values of one variable keep their order.
pub type Vars = BTreeMap<String, Vec<String>>;

/// A URL naming a host, such as `ssh://admin:secret@10.0.0.1:2222?site=lab`.
///
/// Parsing is lenient like Exscript's `Url.from_string`, so a plain host name
/// is a valid URL. Accepted forms:
///
/// | Input | Meaning |
/// | --- | --- |
/// | `router1`, `router1.example.com` | host, default protocol and port |
/// | `router1:2323` | host and port |
/// | `ssh://router1`, `ssh:router1` | explicit protocol (`telnet`, `ssh`, `ssh2`, `dummy`, `pseudo`; any case) |
/// | `ssh://user@router1` | user name |
/// | `ssh://user:pass@router1:2222/path?var=value&var=v2&other=x` | everything |
/// | `ssh://user:pass:enable@router1` | Exscript's login and authorization passwords |
/// | `ssh://[::1]:2222`, `::1`, `fe80::1` | IPv6, in brackets (with a port) or bare (default port) |
///
/// Details:
///
/// - The port defaults to the protocol's [`default_port`](Protocol::default_port).
///   An explicit port must be in `1..=65535`.
/// - User name, password, path and query names/values are percent-decoded
///   (`%40` becomes `@`); `+` stays `+`. Invalid escapes such as `%zz` are
///   kept literally.
/// - The user information ends at the *last* `@` of the URL, so a password
///   may contain raw `@`, `/`, `?` and `#`: `telnet://admin:12/3?#@host`
///   has the password `12/3?#`. Text before that `@` holding a `/` or `?`
///   but no `:` is a path or a query, not user information
///   (`host?owner=noc@corp` is the host `host`), and the `@` before it is
///   tried instead. So an `@` in the path or query of a URL with a password
///   must be written `%40`.
/// - The user information is `user[:password[:authorization-password]]`
///   (Exscript's `password1` and `password2`): the first `:` ends the user
///   name, the second the password, and the authorization password is the
///   rest (it may contain `:`). A `:` in the user name or the login
///   password must be written `%3A`.
/// - The query starts at the first `?`. Pairs are separated by `&`;
///   repeated names accumulate in order (`?a=1&a=2` gives `a = ["1", "2"]`),
///   `a=` adds an empty value and a bare `a` defines `a` with no values.
/// - The path (after the first `/` following the host) is kept without its
///   leading `/`.
///
/// [`Display`](fmt::Display) and [`Url::to_secret_string`] always write the
/// canonical form `proto://[user[:pass]@]host:port[/path][?k=v&k=v2]`, with
/// reserved characters percent-encoded and IPv6 hosts in brackets (the port
/// is left out only when it is 0, the "no port" of the dummy protocol).
/// `Display` and `Debug` show the passwords as one `***`;
/// `to_secret_string` shows them, and `Url::parse(&url.to_secret_string())`
/// gives back an equal `Url`. Errors show the input through
/// [`Url::redact`]. The authorization password becomes the one of the
/// [`Host`](crate::Host)'s [`Account`](crate::Account) (which defaults to
/// the login password).
///
/// ```
/// use oxscript_core::{Protocol, Url};
///
/// let url = Url::parse("ssh://admin:p%40ss@router1:2222?site=lab&site=dc2")?;
/// assert_eq!(url.protocol, Protocol::Ssh);
/// assert_eq!(url.username.as_deref(), Some("admin"));
/// assert_eq!(url.password.as_ref().map(|p| p.expose()), Some("p@ss"));
/// assert_eq!(url.hostname, "router1");
/// assert_eq!(url.port, 2222);
/// assert_eq!(url.vars["site"], ["lab", "dc2"]);
/// assert_eq!(url.to_string(), "ssh://admin:***@router1:2222?site=lab&site=dc2");
/// assert_eq!(Url::parse(&url.to_secret_string())?, url);
///
/// let plain = Url::parse("10.0.0.1")?;
/// assert_eq!((plain.protocol, plain.port), (Protocol::Telnet, 23));
/// # Ok::<(), oxscript_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Url {
    /// The protocol (the scheme, or the default protocol when absent).
    pub protocol: Protocol,
    /// The user name, if the URL has user information (may be empty, as in
    /// `@host`).
    pub username: Option<String>,
    /// The password, if the user information has a `:`.
    pub password: Option<Secret>,
    /// The authorization ("enable") password, Exscript's `password2`: the
    /// text after a second `:` of the user information, as in
    /// `ssh://admin:login-pw:enable-pw@router`.
    pub authorization_password: Option<Secret>,
    /// The host name or IP address (IPv6 without brackets).
    pub hostname: String,
    /// The port; the protocol's default port when the URL has none.
    pub port: u16,
    /// The path after the host, without the leading `/`.
    pub path: Option<String>,
    /// The query variables.
    pub vars: Vars,
}

impl Url {
    /// A URL for `hostname` with the protocol's default port and nothing
    /// else.
    pub fn new(protocol: Protocol, hostname: impl Into<String>) -> Url {
        Url {
            protocol,
            username: None,
            password: None,
            authorization_password: None,
            hostname: hostname.into(),
            port: protocol.default_port(),
            path: None,
            vars: Vars::new(),
        }
    }

    /// Parses `s`, using Telnet when it names no protocol.
    pub fn parse(s: &str) -> Result<Url> {
        Url::parse_with_default(s, Protocol::Telnet)
    }

    /// Parses `s`, using `default` when it names no protocol.
    ///
    /// Errors are [`Error::InvalidUrl`] with the input (passwords replaced by
    /// `***`, see [`Url::redact`]) and the reason: empty input or host, a port that is not a
    /// number or not in `1..=65535`, an unknown scheme, an unterminated `[`,
    /// a host with white space, percent-escapes that are not UTF-8.
    pub fn parse_with_default(s: &str, default: Protocol) -> Result<Url> {
        let input = s.trim();
        let parts = split(input);
        if input.is_empty() {
            return Err(Error::InvalidUrl {
                input: String::new(),
                reason: "the URL is empty".to_owned(),
            });
        }
        parse_parts(&parts, default).map_err(|reason| {
            let hidden = hidden_range(input, &parts);
            // The reason may quote a part holding the hidden text.
            let reason = match hidden.clone().and_then(|r| input.get(r)) {
                Some(secret) if !secret.is_empty() => reason.replace(secret, "***"),
                _ => reason,
            };
            Error::InvalidUrl {
                input: redact_range(input, hidden),
                reason,
            }
        })
    }

    /// `text`, a URL as a user wrote it (valid or not), with its passwords
    /// replaced by `***`: the form to show in a message or a log. The
    /// passwords are found as [`Url::parse`] finds them, so whatever
    /// parses as a password is hidden.
    ///
    /// ```
    /// use oxscript_core::Url;
    ///
    /// assert_eq!(Url::redact("telnet://admin:123/abc@router:99999"), "telnet://admin:***@router:99999");
    /// assert_eq!(Url::redact("ssh://a:b:c@h"), "ssh://a:***@h");
    /// assert_eq!(Url::redact("router1"), "router1");
    /// ```
    pub fn redact(text: &str) -> String {
        let trimmed = text.trim();
        redact_range(trimmed, hidden_range(trimmed, &split(trimmed)))
    }

    /// The full URL, password included, in canonical form. Parsing the
    /// result gives back an equal `Url`. Treat the string as a secret.
    pub fn to_secret_string(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, true);
        out
    }

    fn write(&self, out: &mut String, reveal: bool) {
        out.push_str(self.protocol.as_str());
        out.push_str("://");
        let secrets = self.password.is_some() || self.authorization_password.is_some();
        if self.username.is_some() || secrets {
            if let Some(user) = &self.username {
                encode_into(out, user, is_unreserved);
            }
            if secrets {
                out.push(':');
                if reveal {
                    if let Some(password) = &self.password {
                        encode_into(out, password.expose(), is_unreserved);
                    }
                    if let Some(authorization) = &self.authorization_password {
                        out.push(':');
                        encode_into(out, authorization.expose(), is_unreserved);
                    }
                } else {
                    out.push_str("***");
                }
            }
            out.push('@');
        }
        if self.hostname.contains(':') {
            out.push('[');
            out.push_str(&self.hostname);
            out.push(']');
        } else {
            out.push_str(&self.hostname);
        }
        if self.port != 0 {
            out.push(':');
            out.push_str(&self.port.to_string());
        }
        if let Some(path) = &self.path {
            out.push('/');
            encode_into(out, path, is_path_char);
        }
        let mut separator = '?';
        for (name, values) in &self.vars {
            if values.is_empty() {
                out.push(separator);
                encode_into(out, name, is_query_char);
                separator = '&';
            }
            for value in values {
                out.push(separator);
                encode_into(out, name, is_query_char);
                out.push('=');
                encode_into(out, value, is_query_char);
                separator = '&';
            }
        }
    }
}

impl FromStr for Url {
    type Err = Error;

    fn from_str(s: &str) -> Result<Url> {
        Url::parse(s)
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out, false);
        f.write_str(&out)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Url")
            .field("protocol", &self.protocol)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field(
                "authorization_password",
                &self.authorization_password.as_ref().map(|_| "***"),
            )
            .field("hostname", &self.hostname)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("vars", &self.vars)
            .finish()
    }
}

/// The raw pieces of a URL, before validation and decoding.
struct Parts<'a> {
    scheme: Option<&'a str>,
    username: Option<&'a str>,
    password: Option<&'a str>,
    authorization_password: Option<&'a str>,
    /// Byte range of the secrets (password and authorization password)
    /// in the (trimmed) input, for redaction.
    secret_range: Option<Range<usize>>,
    hostport: &'a str,
    path: Option<&'a str>,
    query: Option<&'a str>,
}

/// Splits a URL into its parts. Never fails: all checks happen later, so an
/// error message can always redact the password.
fn split(input: &str) -> Parts<'_> {
    let (scheme, rest_start) = detect_scheme(input);
    let rest = input.get(rest_start..).unwrap_or("");
    let (userinfo, after) = match userinfo_end(rest) {
        Some(at) => (rest.get(..at), rest.get(at + 1..).unwrap_or("")),
        None => (None, rest),
    };
    let (before_query, query) = match after.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (after, None),
    };
    let (hostport, path) = match before_query.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (before_query, None),
    };
    let mut parts = Parts {
        scheme,
        username: userinfo,
        password: None,
        authorization_password: None,
        secret_range: None,
        hostport,
        path,
        query,
    };
    if let Some((user, secrets)) = userinfo.and_then(|info| info.split_once(':')) {
        let start = rest_start + user.len() + 1;
        parts.username = Some(user);
        parts.secret_range = Some(start..start + secrets.len());
        match secrets.split_once(':') {
            Some((password, authorization)) => {
                parts.password = Some(password);
                parts.authorization_password = Some(authorization);
            }
            None => parts.password = Some(secrets),
        }
    }
    parts
}

/// Where the user information ends: at the last `@` of `rest` (what
/// follows the scheme), so a password may hold `@`, `/`, `?`, `#` and `:`;
/// but text holding a `/` or `?` and no `:` before that `@` (a path or a
/// query, as in `host?owner=noc@corp`) is no user information, and the
/// `@` before it is tried instead.
fn userinfo_end(rest: &str) -> Option<usize> {
    rest.match_indices('@').map(|(at, _)| at).rev().find(|&at| {
        let info = &rest[..at];
        !info.contains(['/', '?']) || (info.contains(':') && !info.starts_with('['))
    })
}

/// Finds the scheme: `name://` (any name, checked later) or the Exscript
/// form `name:` where `name` is a known protocol and what follows is not a
/// port number. Returns the scheme and where the rest of the URL starts.
fn detect_scheme(input: &str) -> (Option<&str>, usize) {
    let name_len = input
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphabetic()
                || (i > 0 && (c.is_ascii_digit() || matches!(c, '+' | '.' | '-'))))
        })
        .map_or(input.len(), |(i, _)| i);
    let name = &input[..name_len];
    let after = &input[name_len..];
    if after.starts_with("://") {
        return (Some(name), name_len + 3);
    }
    if !name.is_empty() && after.starts_with(':') && name.parse::<Protocol>().is_ok() {
        let rest = &after[1..];
        let candidate = rest.split(['/', '?']).next().unwrap_or("");
        let is_port = !candidate.is_empty() && candidate.bytes().all(|b| b.is_ascii_digit());
        if !is_port {
            return (Some(name), name_len + 1);
        }
    }
    (None, 0)
}

fn parse_parts(parts: &Parts<'_>, default: Protocol) -> std::result::Result<Url, String> {
    let protocol = match parts.scheme {
        Some("") => return Err("missing protocol name before `://`".to_owned()),
        Some(name) => name.parse::<Protocol>().map_err(|e| e.to_string())?,
        None => default,
    };

    if protocol == Protocol::Serial {
        return parse_serial(parts);
    }
    let (hostname, port) = split_host_port(parts.hostport)?;
    if hostname.is_empty() {
        return Err("missing host name".to_owned());
    }
    if hostname
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "host `{hostname}` contains white space or control characters"
        ));
    }
    let port = match port {
        None => protocol.default_port(),
        Some(text) => parse_port(text)?,
    };

    let (username, password, authorization_password) = userinfo(parts)?;
    let path = parts
        .path
        .map(|p| percent_decode(p).ok_or("the path is not valid UTF-8 after percent-decoding"))
        .transpose()?;
    let vars = match parts.query {
        Some(query) => parse_query(query)?,
        None => Vars::new(),
    };

    Ok(Url {
        protocol,
        username,
        password,
        authorization_password,
        hostname: hostname.to_owned(),
        port,
        path,
        vars,
    })
}

/// The decoded user name, password and authorization password.
type UserInfo = (Option<String>, Option<Secret>, Option<Secret>);

/// The decoded user name, password and authorization password.
fn userinfo(parts: &Parts<'_>) -> std::result::Result<UserInfo, String> {
    let username = parts
        .username
        .map(|u| percent_decode(u).ok_or("the user name is not valid UTF-8 after percent-decoding"))
        .transpose()?;
    let secret = |text: Option<&str>, what: &'static str| {
        text.map(|p| percent_decode(p).map(Secret::from).ok_or(what))
            .transpose()
    };
    let password = secret(
        parts.password,
        "the password is not valid UTF-8 after percent-decoding",
    )?;
    let authorization = secret(
        parts.authorization_password,
        "the authorization password is not valid UTF-8 after percent-decoding",
    )?;
    Ok((username, password, authorization))
}

/// A `serial:///dev/ttyUSB0?baud=115200` URL: the device path is the
/// host name; there is no port; user information is allowed (for the
/// console's login).
fn parse_serial(parts: &Parts<'_>) -> std::result::Result<Url, String> {
    if !parts.hostport.is_empty() {
        return Err(format!(
            "a serial URL names a device path, as in `serial:///dev/{0}`, not `{0}`",
            parts.hostport
        ));
    }
    let device = parts
        .path
        .map(|p| {
            percent_decode(p).ok_or("the device path is not valid UTF-8 after percent-decoding")
        })
        .transpose()?
        .filter(|p| !p.is_empty())
        .ok_or("missing device path, as in `serial:///dev/ttyUSB0`")?;
    if device.chars().any(|c| c.is_control()) {
        return Err(format!(
            "device path `{device}` contains control characters"
        ));
    }
    let mut url = Url::new(Protocol::Serial, format!("/{device}"));
    (url.username, url.password, url.authorization_password) = userinfo(parts)?;
    if let Some(query) = parts.query {
        url.vars = parse_query(query)?;
    }
    Ok(url)
}

/// Splits `host[:port]`, `[v6][:port]` or a bare IPv6 literal.
fn split_host_port(hostport: &str) -> std::result::Result<(&str, Option<&str>), String> {
    if let Some(inner) = hostport.strip_prefix('[') {
        let Some((host, after)) = inner.split_once(']') else {
            return Err("unterminated `[` in the host (missing `]`)".to_owned());
        };
        if after.is_empty() {
            return Ok((host, None));
        }
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None => Err(format!("unexpected `{after}` after `]` (expected `:port`)")),
        };
    }
    if hostport.matches(':').count() >= 2 {
        if is_ipv6_literal(hostport) {
            return Ok((hostport, None));
        }
        return Err(format!(
            "host `{hostport}` has more than one `:`; write IPv6 addresses with a port in brackets, e.g. `[fe80::1]:22`"
        ));
    }
    Ok(match hostport.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (hostport, None),
    })
}

/// Whether `s` is an IPv6 address, optionally with a `%zone` suffix.
pub(crate) fn is_ipv6_literal(s: &str) -> bool {
    let address = s.split_once('%').map_or(s, |(address, _)| address);
    address.parse::<Ipv6Addr>().is_ok()
}

fn parse_port(text: &str) -> std::result::Result<u16, String> {
    if text.is_empty() {
        return Err("missing port number after `:`".to_owned());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port `{text}` is not a number"));
    }
    match text.parse::<u32>() {
        Ok(port @ 1..=65535) => u16::try_from(port).map_err(|_| out_of_range(text)),
        _ => Err(out_of_range(text)),
    }
}

fn out_of_range(text: &str) -> String {
    format!("port {text} is out of range (1-65535)")
}

fn parse_query(query: &str) -> std::result::Result<Vars, String> {
    let mut vars = Vars::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (pair, None),
        };
        let name = percent_decode(name)
            .ok_or("a query variable name is not valid UTF-8 after percent-decoding")?;
        if name.is_empty() {
            return Err("a query variable has an empty name".to_owned());
        }
        let values = vars.entry(name).or_default();
        if let Some(value) = value {
            let value = percent_decode(value).ok_or_else(|| {
                "a query variable value is not valid UTF-8 after percent-decoding".to_owned()
            })?;
            values.push(value);
        }
    }
    Ok(vars)
}

/// Replaces the secrets' range of `input` with `***`.
/// What to hide when showing `input`: its passwords as [`split`] finds
/// them; in text that has no user information by the URL rules but still
/// holds a `:` before its last `@` (a malformed URL such as
/// `telnet:[//admin:pw@host`), everything from that `:` to the `@`, as
/// a password is what it most likely is.
fn hidden_range(input: &str, parts: &Parts<'_>) -> Option<Range<usize>> {
    parts.secret_range.clone().or_else(|| {
        let (_, start) = detect_scheme(input);
        let rest = input.get(start..)?;
        let at = rest.rfind('@')?;
        let colon = rest.get(..at)?.find(':')?;
        Some(start + colon + 1..start + at)
    })
}

fn redact_range(input: &str, password: Option<Range<usize>>) -> String {
    match password.and_then(|r| Some((input.get(..r.start)?, input.get(r.end..)?))) {
        Some((before, after)) => format!("{before}***{after}"),
        None => input.to_owned(),
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes; invalid escapes stay as they are. `None` when the
/// result is not UTF-8 (the buffer is wiped, it may hold a password).
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(decoded) => Some(decoded),
        Err(err) => {
            err.into_bytes().zeroize();
            None
        }
    }
}

/// RFC 3986 unreserved characters: never encoded.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Path characters written as they are. `@` is always encoded, so no `@`
/// of a canonical URL can be taken for the end of user information.
fn is_path_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'/' | b':' | b',' | b';' | b'=' | b'+')
}

/// Query characters written as they are (`@` encoded, as in paths).
fn is_query_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'/' | b':' | b',' | b';' | b'+')
}

/// Appends `s` to `out`, percent-encoding every byte that `keep` rejects.
fn encode_into(out: &mut String, s: &str, keep: fn(u8) -> bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &[&str])]) -> Vars {
        pairs
            .iter()
            .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    fn reason(input: &str) -> String {
        match Url::parse(input) {
            Err(Error::InvalidUrl { reason, .. }) => reason,
            other => panic!("expected InvalidUrl for {input:?}, got {other:?}"),
        }
    }

    /// Every accepted form, with the expected parts.
    #[allow(clippy::type_complexity)]
    fn forms() -> Vec<(
        &'static str,
        Protocol,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
        u16,
        Option<&'static str>,
        Vars,
    )> {
        use Protocol::*;
        vec![
            ("host", Telnet, None, None, "host", 23, None, Vars::new()),
            (
                "host:2323",
                Telnet,
                None,
                None,
                "host",
                2323,
                None,
                Vars::new(),
            ),
            (
                "host.example.com",
                Telnet,
                None,
                None,
                "host.example.com",
                23,
                None,
                Vars::new(),
            ),
            (
                "10.0.0.1",
                Telnet,
                None,
                None,
                "10.0.0.1",
                23,
                None,
                Vars::new(),
            ),
            ("ssh://host", Ssh, None, None, "host", 22, None, Vars::new()),
            (
                "SSH2://host",
                Ssh,
                None,
                None,
                "host",
                22,
                None,
                Vars::new(),
            ),
            ("ssh:host", Ssh, None, None, "host", 22, None, Vars::new()),
            (
                "ssh:host.domain",
                Ssh,
                None,
                None,
                "host.domain",
                22,
                None,
                Vars::new(),
            ),
            (
                "ssh:host:2222",
                Ssh,
                None,
                None,
                "host",
                2222,
                None,
                Vars::new(),
            ),
            (
                "ssh:user@host",
                Ssh,
                Some("user"),
                None,
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "dummy://dev",
                Dummy,
                None,
                None,
                "dev",
                0,
                None,
                Vars::new(),
            ),
            (
                "pseudo://dev:7",
                Dummy,
                None,
                None,
                "dev",
                7,
                None,
                Vars::new(),
            ),
            (
                "telnet://host",
                Telnet,
                None,
                None,
                "host",
                23,
                None,
                Vars::new(),
            ),
            (
                "ssh://user@host",
                Ssh,
                Some("user"),
                None,
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "ssh://@host",
                Ssh,
                Some(""),
                None,
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "ssh://user:@host",
                Ssh,
                Some("user"),
                Some(""),
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "ssh://:pw@host",
                Ssh,
                Some(""),
                Some("pw"),
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "user:pw@host",
                Telnet,
                Some("user"),
                Some("pw"),
                "host",
                23,
                None,
                Vars::new(),
            ),
            (
                "ssh://user:password@host:2222/some/path?var=value&var=v2&other=x",
                Ssh,
                Some("user"),
                Some("password"),
                "host",
                2222,
                Some("some/path"),
                vars(&[("var", &["value", "v2"]), ("other", &["x"])]),
            ),
            (
                "ssh://[::1]:2222",
                Ssh,
                None,
                None,
                "::1",
                2222,
                None,
                Vars::new(),
            ),
            ("ssh://[::1]", Ssh, None, None, "::1", 22, None, Vars::new()),
            (
                "ssh://u:p@[fe80::1]:22",
                Ssh,
                Some("u"),
                Some("p"),
                "fe80::1",
                22,
                None,
                Vars::new(),
            ),
            ("::1", Telnet, None, None, "::1", 23, None, Vars::new()),
            (
                "fe80::1",
                Telnet,
                None,
                None,
                "fe80::1",
                23,
                None,
                Vars::new(),
            ),
            (
                "fe80::1%eth0",
                Telnet,
                None,
                None,
                "fe80::1%eth0",
                23,
                None,
                Vars::new(),
            ),
            (
                "ssh://2001:db8::7",
                Ssh,
                None,
                None,
                "2001:db8::7",
                22,
                None,
                Vars::new(),
            ),
            (
                "telnet://u%40corp:p%40ss%3Aw0rd@host",
                Telnet,
                Some("u@corp"),
                Some("p@ss:w0rd"),
                "host",
                23,
                None,
                Vars::new(),
            ),
            (
                "ssh://u:p@ss@host",
                Ssh,
                Some("u"),
                Some("p@ss"),
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "ssh://u:a%3Ab@host",
                Ssh,
                Some("u"),
                Some("a:b"),
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "telnet://admin:123/abc@host",
                Telnet,
                Some("admin"),
                Some("123/abc"),
                "host",
                23,
                None,
                Vars::new(),
            ),
            (
                "ssh://u:p/a?s#s@w@rd@h:2222/x?k=v",
                Ssh,
                Some("u"),
                Some("p/a?s#s@w@rd"),
                "h",
                2222,
                Some("x"),
                vars(&[("k", &["v"])]),
            ),
            (
                "ssh://admin@router?owner=noc@corp",
                Ssh,
                Some("admin"),
                None,
                "router",
                22,
                None,
                vars(&[("owner", &["noc@corp"])]),
            ),
            (
                "ssh://router/a@b",
                Ssh,
                None,
                None,
                "router",
                22,
                Some("a@b"),
                Vars::new(),
            ),
            (
                "ssh://u:a+b%20c@host",
                Ssh,
                Some("u"),
                Some("a+b c"),
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "ssh://u:100%zz@host",
                Ssh,
                Some("u"),
                Some("100%zz"),
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "host?a=1&b=x%26y&a=2&c=&flag&&d=1+1",
                Telnet,
                None,
                None,
                "host",
                23,
                None,
                vars(&[
                    ("a", &["1", "2"]),
                    ("b", &["x&y"]),
                    ("c", &[""]),
                    ("flag", &[]),
                    ("d", &["1+1"]),
                ]),
            ),
            (
                "ssh://host/",
                Ssh,
                None,
                None,
                "host",
                22,
                Some(""),
                Vars::new(),
            ),
            (
                "ssh://host/a%20b/c",
                Ssh,
                None,
                None,
                "host",
                22,
                Some("a b/c"),
                Vars::new(),
            ),
            (
                "ssh://host?",
                Ssh,
                None,
                None,
                "host",
                22,
                None,
                Vars::new(),
            ),
            (
                "  host  ",
                Telnet,
                None,
                None,
                "host",
                23,
                None,
                Vars::new(),
            ),
            (
                "ssh://us%C3%A9r@h%C3%B4te",
                Ssh,
                Some("usér"),
                None,
                "h%C3%B4te",
                22,
                None,
                Vars::new(),
            ),
            (
                "ssh://host?name=%C3%A9t%C3%A9",
                Ssh,
                None,
                None,
                "host",
                22,
                None,
                vars(&[("name", &["été"])]),
            ),
            (
                "telnet:23",
                Telnet,
                None,
                None,
                "telnet",
                23,
                None,
                Vars::new(),
            ),
        ]
    }

    #[test]
    fn serial_urls_name_a_device_path() {
        let url = Url::parse("serial:///dev/ttyUSB0?baud=115200").unwrap();
        assert_eq!(url.protocol, Protocol::Serial);
        assert_eq!(
            (url.hostname.as_str(), url.port, url.path.as_deref()),
            ("/dev/ttyUSB0", 0, None)
        );
        assert_eq!(
            url.vars
                .get("baud")
                .and_then(|v| v.first())
                .map(String::as_str),
            Some("115200")
        );
        assert_eq!(url.to_string(), "serial:///dev/ttyUSB0?baud=115200");
        assert_eq!(Url::parse(&url.to_secret_string()).unwrap(), url);
        let with_login = Url::parse("serial://admin:pw@/dev/pts/3").unwrap();
        assert_eq!(with_login.username.as_deref(), Some("admin"));
        assert_eq!(with_login.hostname, "/dev/pts/3");
        assert_eq!(with_login.to_string(), "serial://admin:***@/dev/pts/3");
        assert_eq!(
            Url::parse("serial:/dev/ttyS0").unwrap().hostname,
            "/dev/ttyS0"
        );
        for (bad, reason) in [
            ("serial://ttyUSB0", "serial:///dev/ttyUSB0"),
            ("serial://", "missing device path"),
        ] {
            let err = Url::parse(bad).unwrap_err().to_string();
            assert!(err.contains(reason), "{bad}: {err}");
        }
    }

    #[test]
    fn parses_every_form() {
        for (input, protocol, user, password, host, port, path, vars) in forms() {
            let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.protocol, protocol, "{input}");
            assert_eq!(url.username.as_deref(), user, "{input}");
            assert_eq!(
                url.password.as_ref().map(Secret::expose),
                password,
                "{input}"
            );
            assert_eq!(url.hostname, host, "{input}");
            assert_eq!(url.port, port, "{input}");
            assert_eq!(url.path.as_deref(), path, "{input}");
            assert_eq!(url.vars, vars, "{input}");
        }
    }

    #[test]
    fn every_form_round_trips() {
        for (input, ..) in forms() {
            let url = Url::parse(input).unwrap();
            let secret = url.to_secret_string();
            assert_eq!(Url::parse(&secret).unwrap(), url, "{input} -> {secret}");
            assert_eq!(secret.parse::<Url>().unwrap(), url, "{input} -> {secret}");
            // Display hides the password but keeps everything else.
            let shown = url.to_string();
            let reparsed = Url::parse(&shown).unwrap();
            let mut expected = url.clone();
            if expected.password.is_some() {
                expected.password = Some(Secret::new("***"));
            }
            assert_eq!(reparsed, expected, "{input} -> {shown}");
            // Canonical output is a fixed point.
            assert_eq!(Url::parse(&secret).unwrap().to_secret_string(), secret);
        }
    }

    #[test]
    fn round_trips_constructed_urls_with_awkward_characters() {
        let url = Url {
            protocol: Protocol::Ssh,
            username: Some("dom\\us er@x:y/z?#%".to_owned()),
            password: Some(Secret::new("p@:/?#&=% +é")),
            authorization_password: Some(Secret::new(":@/?#% é:")),
            hostname: "fe80::1".to_owned(),
            port: 2222,
            path: Some("a b/?#%/é".to_owned()),
            vars: vars(&[("k &=?#%", &["v &=?#%+", ""]), ("empty", &[])]),
        };
        let secret = url.to_secret_string();
        assert!(
            secret.starts_with("ssh://dom%5Cus%20er%40x%3Ay%2Fz%3F%23%25:"),
            "{secret}"
        );
        assert!(secret.contains("@[fe80::1]:2222/"), "{secret}");
        assert_eq!(Url::parse(&secret).unwrap(), url, "{secret}");
    }

    #[test]
    fn canonical_output() {
        let url = Url::parse("SSH:Admin:pw@router:2222?b=2&a=1&a=0").unwrap();
        assert_eq!(
            url.to_secret_string(),
            "ssh://Admin:pw@router:2222?a=1&a=0&b=2"
        );
        assert_eq!(url.to_string(), "ssh://Admin:***@router:2222?a=1&a=0&b=2");
        assert_eq!(Url::parse("::1").unwrap().to_string(), "telnet://[::1]:23");
        assert_eq!(Url::parse("dummy://x").unwrap().to_string(), "dummy://x");
        assert_eq!(Url::parse("host").unwrap().to_string(), "telnet://host:23");
        assert_eq!(
            Url::parse("ssh://@h").unwrap().to_string(),
            "ssh://@h:22",
            "an empty user name is kept"
        );
        assert_eq!(Url::new(Protocol::Ssh, "h").to_string(), "ssh://h:22");
    }

    #[test]
    fn default_protocol() {
        let url = Url::parse_with_default("host", Protocol::Ssh).unwrap();
        assert_eq!((url.protocol, url.port), (Protocol::Ssh, 22));
        let url = Url::parse_with_default("telnet://host", Protocol::Ssh).unwrap();
        assert_eq!((url.protocol, url.port), (Protocol::Telnet, 23));
        let url = Url::parse_with_default("host:99", Protocol::Dummy).unwrap();
        assert_eq!((url.protocol, url.port), (Protocol::Dummy, 99));
    }

    #[test]
    fn errors_have_clear_reasons() {
        assert_eq!(reason(""), "the URL is empty");
        assert_eq!(reason("   "), "the URL is empty");
        assert_eq!(reason("telnet://"), "missing host name");
        assert_eq!(reason("ssh://user@"), "missing host name");
        assert_eq!(reason(":23"), "missing host name");
        assert_eq!(reason("ssh://[]:22"), "missing host name");
        assert_eq!(reason("host:"), "missing port number after `:`");
        assert_eq!(reason("host:abc"), "port `abc` is not a number");
        assert_eq!(reason("host:+22"), "port `+22` is not a number");
        assert_eq!(reason("host:0"), "port 0 is out of range (1-65535)");
        assert_eq!(reason("host:65536"), "port 65536 is out of range (1-65535)");
        assert_eq!(
            reason("host:99999999999999999999"),
            "port 99999999999999999999 is out of range (1-65535)"
        );
        assert!(Url::parse("host:65535").is_ok());
        assert!(Url::parse("host:1").is_ok());
        assert_eq!(
            reason("ftp://x"),
            "unknown protocol `ftp` (supported: telnet, ssh, ssh2, dummy, pseudo)"
        );
        assert_eq!(reason("://x"), "missing protocol name before `://`");
        assert_eq!(
            reason("ssh://[::1:22"),
            "unterminated `[` in the host (missing `]`)"
        );
        assert!(reason("ssh://[::1]x").contains("after `]`"));
        assert!(reason("a:b:c").contains("more than one `:`"));
        assert!(reason("two words").contains("white space"));
        assert!(reason("ssh://u:%FF@h").contains("password is not valid UTF-8"));
        assert!(reason("ssh://%FF@h").contains("user name is not valid UTF-8"));
        assert!(reason("h?=x").contains("empty name"));
    }

    #[test]
    fn error_redacts_password() {
        let err = Url::parse("telnet://u:hunter2@h:99999").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid URL `telnet://u:***@h:99999`: port 99999 is out of range (1-65535)"
        );
        match &err {
            Error::InvalidUrl { input, .. } => assert_eq!(input, "telnet://u:***@h:99999"),
            other => panic!("{other:?}"),
        }
        for input in [
            "ftp://u:hunter2@h",
            "ssh://u:hunt@er2@[::1",
            "u:hunter2@",
            "ssh://u:hunter2%FF@h",
            "ssh:u:hunter2@h:0",
        ] {
            let err = Url::parse(input).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(!text.contains("hunt@er2"), "{text}");
            assert!(text.contains("***"), "{text}");
        }
    }

    #[test]
    fn passwords_with_delimiters_stay_secret() {
        // Each of these once parsed the password as a host, port or path,
        // or showed it in an error.
        for (input, password) in [
            ("telnet://admin:123/abc@host", "123/abc"),
            ("telnet://admin:S3cr/t?x#y@host:23", "S3cr/t?x#y"),
            ("admin:a?b@host", "a?b"),
            ("ssh://admin:p@ss/w?rd@host/path", "p@ss/w?rd"),
        ] {
            let url = Url::parse(input).unwrap();
            assert_eq!(url.hostname, "host", "{input}");
            assert_eq!(url.password.as_ref().map(Secret::expose), Some(password));
            let shown = format!("{url} {url:?} {}", Url::redact(input));
            assert!(!shown.contains(password), "{shown}");
            assert_eq!(Url::parse(&url.to_secret_string()).unwrap(), url);
        }
        for input in [
            "telnet://admin:123/abc@host:99999",
            "telnet://admin:1?23/abc@host:x",
            "ftp://admin:123/abc@host",
            "telnet://admin:12/3?@",
        ] {
            let err = Url::parse(input).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(
                !text.contains("123/abc") && !text.contains("1?23/abc"),
                "{text}"
            );
            assert!(!text.contains("12/3?"), "{text}");
            assert!(text.contains("***"), "{text}");
        }
    }

    #[test]
    fn malformed_urls_hide_what_stands_before_the_last_at() {
        // Found by the fuzzer: `[` after the Exscript scheme form makes the
        // text no URL user information, and the error showed it whole.
        for (input, shown) in [
            ("telnet:[//admin:Pw/9Q@r2:23", "telnet:[//admin:***@r2:23"),
            ("ssh://[::1:Pw/9Q@x", "ssh://[:***@x"),
        ] {
            let err = Url::parse(input).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("Pw/9Q"), "{text}");
            assert_eq!(Url::redact(input), shown);
        }
        assert_eq!(Url::redact("host?owner=noc@corp"), "host?owner=noc@corp");
    }

    #[test]
    fn authorization_password_is_exscripts_password2() {
        let url = Url::parse("ssh://admin:log%3Ain:en:able@router").unwrap();
        assert_eq!(url.username.as_deref(), Some("admin"));
        assert_eq!(url.password.as_ref().map(Secret::expose), Some("log:in"));
        assert_eq!(
            url.authorization_password.as_ref().map(Secret::expose),
            Some("en:able")
        );
        assert_eq!(url.to_string(), "ssh://admin:***@router:22");
        let debug = format!("{url:?}");
        assert!(!debug.contains("able") && !debug.contains("log"), "{debug}");
        assert_eq!(
            url.to_secret_string(),
            "ssh://admin:log%3Ain:en%3Aable@router:22"
        );
        assert_eq!(Url::parse(&url.to_secret_string()).unwrap(), url);
        assert_eq!(
            Url::redact("ssh://admin:login:enable@router"),
            "ssh://admin:***@router"
        );
        let err = Url::parse("ssh://admin:login:enable@router:0").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("enable"));
        // An empty authorization password is kept as given.
        let url = Url::parse("ssh://u:p:@h").unwrap();
        assert_eq!(
            url.authorization_password.as_ref().map(Secret::expose),
            Some("")
        );
    }

    #[test]
    fn debug_and_display_hide_password() {
        let url = Url::parse("ssh://admin:hunter2@h?x=1").unwrap();
        let debug = format!("{url:?}");
        let display = url.to_string();
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!display.contains("hunter2"), "{display}");
        assert!(debug.contains("password: Some(\"***\")"), "{debug}");
        assert!(url.to_secret_string().contains("hunter2"));
    }

    #[test]
    fn scheme_detection() {
        assert_eq!(detect_scheme("ssh://h"), (Some("ssh"), 6));
        assert_eq!(detect_scheme("ssh:h"), (Some("ssh"), 4));
        assert_eq!(detect_scheme("ssh:22"), (None, 0), "host `ssh`, port 22");
        assert_eq!(detect_scheme("router:22"), (None, 0));
        assert_eq!(detect_scheme("fe80::1"), (None, 0));
        assert_eq!(detect_scheme("x+y.z-1://h"), (Some("x+y.z-1"), 10));
        let url = Url::parse("ssh:22").unwrap();
        assert_eq!((url.hostname.as_str(), url.port), ("ssh", 22));
    }

    #[test]
    fn percent_coding() {
        assert_eq!(percent_decode("a%40b%3a").as_deref(), Some("a@b:"));
        assert_eq!(percent_decode("%").as_deref(), Some("%"));
        assert_eq!(percent_decode("%4").as_deref(), Some("%4"));
        assert_eq!(percent_decode("%%41").as_deref(), Some("%A"));
        assert_eq!(percent_decode("+").as_deref(), Some("+"));
        assert_eq!(percent_decode("%C3"), None);
        let mut out = String::new();
        encode_into(&mut out, "a b@é~", is_unreserved);
        assert_eq!(out, "a%20b%40%C3%A9~");
    }
}
