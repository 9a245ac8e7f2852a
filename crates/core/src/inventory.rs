//! Reading hosts and accounts from inventory files.
//!
//! Three formats, all compatible with Exscript's `Exscript.util.file`:
//!
//! - **Host lists** ([`hosts_from_file`]): one URL or host name per line.
//! - **Tab-separated host tables** ([`hosts_from_csv_file`]): an address
//!   column, an optional name column and one column per variable.
//! - **Account files** ([`accounts_from_file`]): an INI-style
//!   `[account-pool]` section of `name = base64(password)` lines.
//!
//! The `*_from_file` functions read the whole file synchronously with
//! [`std::fs::read_to_string`] (call them before starting work, or from
//! `tokio::task::spawn_blocking` if the file may be slow to read); the
//! `*_from_str` functions parse text you already have, naming it `source`
//! in errors. Malformed lines give [`Error::Parse`] with the file name,
//! the 1-based line number and the reason; passwords never appear in
//! errors.
//!
//! ```
//! use oxscript_core::inventory::{hosts_from_str, InventoryOptions};
//! use oxscript_core::Protocol;
//!
//! let text = "# core routers\nrouter1\nssh://router2:2222  # new one\n\nrouter1\n";
//! let opts = InventoryOptions {
//!     default_protocol: Protocol::Ssh,
//!     default_domain: Some("example.net".into()),
//!     remove_duplicates: true,
//! };
//! let hosts = hosts_from_str(text, "hosts.txt", &opts)?;
//! let names: Vec<&str> = hosts.iter().map(|h| h.name()).collect();
//! assert_eq!(names, ["router1.example.net", "router2.example.net"]);
//! assert_eq!(hosts[1].port(), 2222);
//! # Ok::<(), oxscript_core::Error>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::path::Path;

use base64::Engine as _;
use zeroize::Zeroize;

use crate::account::Account;
use crate::error::{Error, Result};
use crate::host::Host;
use crate::protocol::Protocol;

/// How inventory lines become hosts.
#[derive(Clone, Debug)]
pub struct InventoryOptions {
    /// The protocol of entries that name none (default: Telnet).
    pub default_protocol: Protocol,
    /// Appended to host names without a domain; see
    /// [`Host::apply_default_domain`] (default: none).
    pub default_domain: Option<String>,
    /// Whether repeated lines of a host list are dropped, keeping the first
    /// (default: `false`). Lines are compared after removing comments and
    /// surrounding white space.
    pub remove_duplicates: bool,
}

impl InventoryOptions {
    /// Parses one URL or host name as an inventory entry: with
    /// [`default_protocol`](InventoryOptions::default_protocol) when it
    /// names no protocol, then with
    /// [`default_domain`](InventoryOptions::default_domain) applied (see
    /// [`Host::apply_default_domain`]). Host lists use this for every line.
    ///
    /// Errors: [`Error::InvalidUrl`] (or [`Error::UnknownProtocol`]) when
    /// `uri` cannot be parsed.
    ///
    /// ```
    /// use oxscript_core::{InventoryOptions, Protocol};
    ///
    /// let opts = InventoryOptions {
    ///     default_protocol: Protocol::Ssh,
    ///     default_domain: Some("example.net".into()),
    ///     ..InventoryOptions::default()
    /// };
    /// let host = opts.host("router1")?;
    /// assert_eq!((host.name(), host.protocol()), ("router1.example.net", Protocol::Ssh));
    /// // An explicit protocol and a name with a domain are kept.
    /// let host = opts.host("telnet://r2.lab.org:2323")?;
    /// assert_eq!((host.name(), host.protocol()), ("r2.lab.org", Protocol::Telnet));
    /// assert!(opts.host("telnet://r3:99999").is_err());
    /// # Ok::<(), oxscript_core::Error>(())
    /// ```
    pub fn host(&self, uri: &str) -> Result<Host> {
        let mut host = Host::with_default_protocol(uri, self.default_protocol)?;
        if let Some(domain) = &self.default_domain {
            host.apply_default_domain(domain);
        }
        Ok(host)
    }
}

impl Default for InventoryOptions {
    fn default() -> Self {
        InventoryOptions {
            default_protocol: Protocol::Telnet,
            default_domain: None,
            remove_duplicates: false,
        }
    }
}

/// Reads a host list file; see [`hosts_from_str`].
pub fn hosts_from_file(path: impl AsRef<Path>, opts: &InventoryOptions) -> Result<Vec<Host>> {
    let path = path.as_ref();
    hosts_from_str(&read(path)?, &path.display().to_string(), opts)
}

/// Parses a host list: one URL or host name per line (see
/// [`Url`](crate::Url) for the accepted forms).
///
/// Blank lines, lines starting with `#` and trailing comments (a `#` after
/// white space: `router1  # core`) are ignored, as is the white space
/// around each entry; CRLF line ends are fine. Each entry is parsed with
/// `opts.default_protocol`, then the default domain is applied. With
/// `opts.remove_duplicates`, repeated entries are dropped (first one kept).
///
/// Errors: [`Error::Parse`] naming `source`, the line and the URL problem.
pub fn hosts_from_str(text: &str, source: &str, opts: &InventoryOptions) -> Result<Vec<Host>> {
    let mut seen = HashSet::new();
    let mut hosts = Vec::new();
    for (number, line) in numbered_lines(text) {
        let entry = strip_comment(line).trim();
        if entry.is_empty() {
            continue;
        }
        if opts.remove_duplicates && !seen.insert(entry) {
            continue;
        }
        let host = opts
            .host(entry)
            .map_err(|e| parse_error(source, number, e.to_string()))?;
        hosts.push(host);
    }
    Ok(hosts)
}

/// Reads a tab-separated host table file; see [`hosts_from_csv_str`].
pub fn hosts_from_csv_file(path: impl AsRef<Path>, opts: &InventoryOptions) -> Result<Vec<Host>> {
    let path = path.as_ref();
    hosts_from_csv_str(&read(path)?, &path.display().to_string(), opts)
}

/// Parses a tab-separated host table.
///
/// The first line that is not blank and does not start with `#` is the
/// header; such lines are skipped everywhere. Columns are separated by
/// tabs (shown as `→` here):
///
/// ```text
/// address→hostname→site→vlan
/// 10.0.0.1→core1→lab→10
/// 10.0.0.1→core1→lab→20
/// ssh://10.0.0.2→edge1→dc2→30
/// ```
///
/// - The first column must be `address` (a URL or host name, parsed with
///   the default protocol) or, as Exscript's command line accepts,
///   `hostname` (then it is both the name and the address).
/// - An optional second column `hostname` sets the name (an empty field
///   keeps the address as the name).
/// - Every other column is a variable; each row *appends* its value, so
///   rows repeating an address merge into one host (in first-seen order)
///   whose variables collect all values: above, `core1` has
///   `vlan = ["10", "20"]`.
/// - A row with fewer fields than the header simply does not set the
///   missing variables (for that row); values are taken as they are,
///   including spaces.
/// - The default domain is applied after the name is set.
///
/// Errors ([`Error::Parse`] with `source` and the line): no header, a first
/// column other than `address`/`hostname`, an empty or duplicate column
/// name, a row with more fields than the header, an empty address, a bad
/// URL.
pub fn hosts_from_csv_str(text: &str, source: &str, opts: &InventoryOptions) -> Result<Vec<Host>> {
    let mut lines = numbered_lines(text)
        .map(|(number, line)| (number, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, line)| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#')
        });
    let Some((header_line, header)) = lines.next() else {
        return Err(parse_error(
            source,
            last_line_number(text),
            "missing header line (expected columns like `address<TAB>hostname<TAB>variable...`)"
                .to_owned(),
        ));
    };
    let columns =
        parse_header(header).map_err(|reason| parse_error(source, header_line, reason))?;
    let has_name_column = columns.get(1).is_some_and(|c| c == "hostname")
        && columns.first().is_some_and(|c| c == "address");
    let first_var = if has_name_column { 2 } else { 1 };

    let mut hosts: Vec<Host> = Vec::new();
    let mut by_address: HashMap<String, usize> = HashMap::new();
    for (number, line) in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() > columns.len() {
            return Err(parse_error(
                source,
                number,
                format!(
                    "the row has {} fields but the header has {} columns",
                    fields.len(),
                    columns.len()
                ),
            ));
        }
        let address = fields.first().map_or("", |f| f.trim());
        if address.is_empty() {
            return Err(parse_error(source, number, "empty address".to_owned()));
        }
        let index = match by_address.get(address) {
            Some(&index) => index,
            None => {
                let host = Host::with_default_protocol(address, opts.default_protocol)
                    .map_err(|e| parse_error(source, number, e.to_string()))?;
                hosts.push(host);
                by_address.insert(address.to_owned(), hosts.len() - 1);
                hosts.len() - 1
            }
        };
        let Some(host) = hosts.get_mut(index) else {
            continue;
        };
        if has_name_column
            && let Some(name) = fields.get(1).map(|f| f.trim()).filter(|n| !n.is_empty())
        {
            host.set_name(name);
        }
        for (column, value) in columns.iter().zip(fields.iter()).skip(first_var) {
            host.append(column.as_str(), *value);
        }
    }
    // Once per host, to the name its rows left it with.
    if let Some(domain) = &opts.default_domain {
        for host in &mut hosts {
            host.apply_default_domain(domain);
        }
    }
    Ok(hosts)
}

fn parse_header(header: &str) -> std::result::Result<Vec<String>, String> {
    let columns: Vec<String> = header.split('\t').map(|c| c.trim().to_owned()).collect();
    let first = columns.first().map_or("", String::as_str);
    if first != "address" && first != "hostname" {
        let hint = if first.starts_with("address ") || first.starts_with("hostname ") {
            " (columns must be separated by tabs)"
        } else {
            ""
        };
        return Err(format!(
            "the first column must be `address` or `hostname`, found `{first}`{hint}"
        ));
    }
    let mut seen = HashSet::new();
    for (index, column) in columns.iter().enumerate() {
        if column.is_empty() {
            return Err(format!("column {} has an empty name", index + 1));
        }
        if !seen.insert(column.as_str()) {
            return Err(format!("duplicate column `{column}`"));
        }
    }
    Ok(columns)
}

/// Reads an account file; see [`accounts_from_str`].
pub fn accounts_from_file(path: impl AsRef<Path>) -> Result<Vec<Account>> {
    let path = path.as_ref();
    let mut text = read(path)?;
    let accounts = accounts_from_str(&text, &path.display().to_string());
    text.zeroize();
    accounts
}

/// Parses an account file (Exscript's format):
///
/// ```text
/// [account-pool]
/// admin = c2VjcmV0
/// backup=b3RoZXI=
/// ```
///
/// Only the `[account-pool]` section is read; other sections are ignored.
/// Each line in it is `name = password`, the password base64-encoded (of
/// UTF-8 text; spaces around `=` are optional). Blank lines and lines
/// starting with `#` or `;` are comments. The accounts have the default
/// settings of [`Account::new`].
///
/// Errors ([`Error::Parse`] with `source` and the line; never showing a
/// password or the line's text): no `[account-pool]` section, an
/// unterminated `[section`, a line without `=`, an empty or repeated name,
/// a password that is not valid base64 or not UTF-8.
pub fn accounts_from_str(text: &str, source: &str) -> Result<Vec<Account>> {
    let mut accounts = Vec::new();
    let mut names = HashSet::new();
    let mut in_pool = false;
    let mut found_pool = false;
    for (number, line) in numbered_lines(text) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let Some((name, _)) = section.split_once(']') else {
                return Err(parse_error(
                    source,
                    number,
                    "unterminated section header (missing `]`)".to_owned(),
                ));
            };
            in_pool = name.trim() == "account-pool";
            found_pool |= in_pool;
            continue;
        }
        if !in_pool {
            continue;
        }
        let Some((name, encoded)) = line.split_once('=') else {
            return Err(parse_error(
                source,
                number,
                "expected `name = base64-password`".to_owned(),
            ));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(parse_error(source, number, "empty account name".to_owned()));
        }
        if !names.insert(name) {
            return Err(parse_error(
                source,
                number,
                format!("duplicate account `{name}`"),
            ));
        }
        let password = decode_password(encoded.trim()).map_err(|what| {
            parse_error(
                source,
                number,
                format!("the password of account `{name}` {what}"),
            )
        })?;
        accounts.push(Account::new(name, password));
    }
    if !found_pool {
        return Err(parse_error(
            source,
            last_line_number(text),
            "no [account-pool] section".to_owned(),
        ));
    }
    Ok(accounts)
}

/// Decodes a base64 password; the error says what was wrong without
/// showing it.
fn decode_password(encoded: &str) -> std::result::Result<String, &'static str> {
    let bytes = base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(encoded)
        .map_err(|_| "is not valid base64")?;
    String::from_utf8(bytes).map_err(|e| {
        e.into_bytes().zeroize();
        "is not valid UTF-8 once decoded"
    })
}

/// Cuts a comment: from a `#` at the start or after white space.
fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (index, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return &line[..index];
        }
        previous_is_space = c.is_whitespace();
    }
    line
}

/// Lines with their 1-based numbers (a leading byte order mark removed).
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
}

fn last_line_number(text: &str) -> usize {
    text.lines().count().max(1)
}

fn parse_error(file: &str, line: usize, reason: String) -> Error {
    Error::Parse {
        file: file.to_owned(),
        line,
        reason,
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|error| Error::Io {
        path: path.to_path_buf(),
        error: error.into(),
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn opts() -> InventoryOptions {
        InventoryOptions::default()
    }

    fn parse_err(result: Result<impl std::fmt::Debug>) -> (String, usize, String) {
        match result {
            Err(Error::Parse { file, line, reason }) => (file, line, reason),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    fn names(hosts: &[Host]) -> Vec<&str> {
        hosts.iter().map(|h| h.name()).collect()
    }

    /// A file in the temp directory, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(tag: &str, content: &str) -> TempFile {
            let path = std::env::temp_dir().join(format!(
                "oxscript-core-{}-{tag}-{:?}.txt",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::write(&path, content).unwrap();
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn exscript_host_list() {
        let text = "localhost\n1.2.3.4\nssh://test\nssh://another:23";
        let hosts = hosts_from_str(text, "hosts", &opts()).unwrap();
        assert_eq!(names(&hosts), ["localhost", "1.2.3.4", "test", "another"]);
        assert_eq!(hosts[2].protocol(), Protocol::Ssh);
        assert_eq!(hosts[3].port(), 23);
    }

    #[test]
    fn comments_blank_lines_crlf_and_whitespace() {
        let text = "\u{feff}# header comment\r\n\r\n  router1  \r\n   # indented comment\r\nrouter2 # trailing\r\nssh://u:pa#ss@router3\r\n\trouter4\t#x\r\nrouter5\r";
        let hosts = hosts_from_str(text, "hosts", &opts()).unwrap();
        assert_eq!(
            names(&hosts),
            ["router1", "router2", "router3", "router4", "router5"]
        );
        assert_eq!(hosts[2].account().unwrap().password().expose(), "pa#ss");
    }

    #[test]
    fn default_protocol_and_domain() {
        let opts = InventoryOptions {
            default_protocol: Protocol::Ssh,
            default_domain: Some("corp".to_owned()),
            remove_duplicates: false,
        };
        let hosts = hosts_from_str("r1\nr2.lab\n10.0.0.1\ntelnet://r3:2323", "h", &opts).unwrap();
        assert_eq!(names(&hosts), ["r1.corp", "r2.lab", "10.0.0.1", "r3.corp"]);
        assert_eq!(hosts[0].address(), "r1.corp");
        assert_eq!(hosts[0].protocol(), Protocol::Ssh);
        assert_eq!(
            (hosts[3].protocol(), hosts[3].port()),
            (Protocol::Telnet, 2323)
        );
    }

    #[test]
    fn duplicates() {
        let text = "b\na\nb  # again\nc\na\n";
        let all = hosts_from_str(text, "h", &opts()).unwrap();
        assert_eq!(names(&all), ["b", "a", "b", "c", "a"]);
        let opts = InventoryOptions {
            remove_duplicates: true,
            ..opts()
        };
        let unique = hosts_from_str(text, "h", &opts).unwrap();
        assert_eq!(names(&unique), ["b", "a", "c"]);
    }

    #[test]
    fn bad_host_line() {
        let text = "good\n# comment\ntelnet://u:hunter2@h:99999\n";
        let err = hosts_from_str(text, "hosts.txt", &opts()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "hosts.txt:3: invalid URL `telnet://u:***@h:99999`: port 99999 is out of range (1-65535)"
        );
        assert!(!format!("{err:?}").contains("hunter2"));
        let (file, line, reason) = parse_err(hosts_from_str("a\nftp://x", "f", &opts()));
        assert_eq!((file.as_str(), line), ("f", 2));
        assert!(reason.contains("unknown protocol `ftp`"), "{reason}");
        let (_, line, reason) = parse_err(hosts_from_str("\n\nssh://[::1", "f", &opts()));
        assert_eq!(line, 3);
        assert!(reason.contains("unterminated `[`"), "{reason}");
    }

    #[test]
    fn empty_host_list() {
        assert!(hosts_from_str("", "h", &opts()).unwrap().is_empty());
        assert!(
            hosts_from_str("# nothing\n\n", "h", &opts())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn host_files() {
        let file = TempFile::new("hosts", "a\nb\n");
        let hosts = hosts_from_file(&file.0, &opts()).unwrap();
        assert_eq!(names(&hosts), ["a", "b"]);

        let bad = TempFile::new("badhosts", "a\nb:0\n");
        let (path, line, _) = parse_err(hosts_from_file(&bad.0, &opts()));
        assert_eq!(path, bad.0.display().to_string());
        assert_eq!(line, 2);

        let missing = std::env::temp_dir().join("oxscript-core-does-not-exist.txt");
        match hosts_from_file(&missing, &opts()) {
            Err(Error::Io { path, error }) => {
                assert_eq!(path, missing);
                assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            hosts_from_csv_file(&missing, &opts()),
            Err(Error::Io { .. })
        ));
        let err = accounts_from_file(&missing).unwrap_err();
        assert!(err.to_string().starts_with("cannot read `"), "{err}");
    }

    #[test]
    fn exscript_csv() {
        let text = "hostname\ttest\nlocalhost\tblah\n1.2.3.4\tblah\nssh://test\tblah\nssh://another:23\tblah";
        let hosts = hosts_from_csv_str(text, "csv", &opts()).unwrap();
        assert_eq!(names(&hosts), ["localhost", "1.2.3.4", "test", "another"]);
        for host in &hosts {
            assert_eq!(host.get("test").unwrap(), ["blah"]);
        }
    }

    #[test]
    fn csv_merges_rows_with_the_same_address() {
        let text = "address\ttestvar1\ttestvar2\n10.0.0.1\tvalue1\tothervalue\n10.0.0.2\tfoo\tbar\n10.0.0.1\tvalue2\tothervalue2\n";
        let hosts = hosts_from_csv_str(text, "csv", &opts()).unwrap();
        assert_eq!(names(&hosts), ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(hosts[0].get("testvar1").unwrap(), ["value1", "value2"]);
        assert_eq!(
            hosts[0].get("testvar2").unwrap(),
            ["othervalue", "othervalue2"]
        );
        assert_eq!(hosts[1].get("testvar1").unwrap(), ["foo"]);
        assert_eq!(hosts[0].address(), "10.0.0.1");
    }

    #[test]
    fn csv_name_column_urls_domain_comments_crlf() {
        let text = "# inventory\r\naddress\thostname\tsite\r\n\r\n10.0.0.1\tcore1\tlab\r\n# skipped\r\nssh://admin@10.0.0.2:2222\tedge1\tdc 2 \r\n10.0.0.3\t\tx\r\nplain\r\n";
        let opts = InventoryOptions {
            default_domain: Some("corp".to_owned()),
            ..opts()
        };
        let hosts = hosts_from_csv_str(text, "csv", &opts).unwrap();
        assert_eq!(
            names(&hosts),
            ["core1.corp", "edge1.corp", "10.0.0.3", "plain.corp"]
        );
        assert_eq!(hosts[0].address(), "10.0.0.1");
        assert_eq!(hosts[1].protocol(), Protocol::Ssh);
        assert_eq!(hosts[1].port(), 2222);
        assert_eq!(hosts[1].account().unwrap().name(), "admin");
        assert_eq!(hosts[1].get("site").unwrap(), ["dc 2 "]);
        assert_eq!(hosts[2].get("site").unwrap(), ["x"]);
        // Fewer fields: the missing variables are not set.
        assert!(!hosts[3].has("site"));
        assert_eq!(hosts[3].address(), "plain.corp");
    }

    #[test]
    fn csv_default_domain_applies_to_the_last_name_of_merged_rows() {
        let text = "address\thostname\tvlan\nr1\tcore1\t10\nr1\t\t20\n10.0.0.2\tedge1\t30\n10.0.0.2\tedge2.lab\t40\n";
        let opts = InventoryOptions {
            default_domain: Some("corp".to_owned()),
            ..opts()
        };
        let hosts = hosts_from_csv_str(text, "csv", &opts).unwrap();
        // An empty name field keeps the name; the domain is added once.
        assert_eq!(names(&hosts), ["core1.corp", "edge2.lab"]);
        assert_eq!(hosts[0].address(), "r1.corp");
        assert_eq!(hosts[0].get("vlan").unwrap(), ["10", "20"]);
        // A later row's name with a domain of its own wins.
        assert_eq!(hosts[1].address(), "10.0.0.2");
        assert_eq!(hosts[1].get("vlan").unwrap(), ["30", "40"]);
    }

    #[test]
    fn options_host_is_what_host_lists_use() {
        let opts = InventoryOptions {
            default_protocol: Protocol::Ssh,
            default_domain: Some("corp".to_owned()),
            remove_duplicates: false,
        };
        let text = "r1\nssh://u:pw@r2:2222\ntelnet://10.0.0.1";
        let listed = hosts_from_str(text, "h", &opts).unwrap();
        for (entry, listed) in text.lines().zip(&listed) {
            let host = opts.host(entry).unwrap();
            assert_eq!(
                (host.name(), host.address(), host.protocol(), host.port()),
                (
                    listed.name(),
                    listed.address(),
                    listed.protocol(),
                    listed.port()
                )
            );
        }
        assert_eq!(names(&listed), ["r1.corp", "r2.corp", "10.0.0.1"]);
        assert!(matches!(
            opts.host("ftp://x"),
            Err(Error::InvalidUrl { reason, .. }) if reason.contains("unknown protocol `ftp`")
        ));
    }

    #[test]
    fn csv_default_protocol() {
        let opts = InventoryOptions {
            default_protocol: Protocol::Ssh,
            ..opts()
        };
        let hosts = hosts_from_csv_str("address\nh\ntelnet://t", "csv", &opts).unwrap();
        assert_eq!(hosts[0].protocol(), Protocol::Ssh);
        assert_eq!(hosts[1].protocol(), Protocol::Telnet);
    }

    #[test]
    fn csv_errors() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 1, "missing header"),
            ("# only\n\n", 2, "missing header"),
            (
                "name\tx\nh\t1",
                1,
                "first column must be `address` or `hostname`, found `name`",
            ),
            ("address x\n", 1, "separated by tabs"),
            ("address\tx\tx\nh\t1\t2", 1, "duplicate column `x`"),
            ("address\t\tx\n", 1, "column 2 has an empty name"),
            (
                "address\thostname\thostname\n",
                1,
                "duplicate column `hostname`",
            ),
            (
                "address\tx\nh\t1\n\nh\t1\t2\n",
                4,
                "the row has 3 fields but the header has 2 columns",
            ),
            ("address\tx\n\t1\n", 2, "empty address"),
            ("address\tx\nh:0\t1\n", 2, "port 0 is out of range"),
        ];
        for &(text, line, reason) in cases {
            let (file, got_line, got_reason) =
                parse_err(hosts_from_csv_str(text, "inv.csv", &opts()));
            assert_eq!(file, "inv.csv", "{text:?}");
            assert_eq!(got_line, line, "{text:?}: {got_reason}");
            assert!(got_reason.contains(reason), "{text:?}: {got_reason}");
        }
    }

    #[test]
    fn csv_file() {
        let file = TempFile::new("csv", "address\tv\nh\t1\nh\t2\n");
        let hosts = hosts_from_csv_file(&file.0, &opts()).unwrap();
        assert_eq!(hosts.len(), 1);
        assert_eq!(hosts[0].get("v").unwrap(), ["1", "2"]);
    }

    #[test]
    fn accounts() {
        let text = format!(
            "; comment\n[other]\nignored = !!!\nno equals here\n\n[account-pool]\n# comment\nuser1={}\nuser2 = {}\n  user3   =   {}  \r\nnopad = {}\nempty =\n[more]\nx = y\n",
            b64("password1"),
            b64("pass=word:2"),
            b64("pässwörd3"),
            b64("ab").trim_end_matches('='),
        );
        let accounts = accounts_from_str(&text, "accounts.cfg").unwrap();
        let got: Vec<(&str, &str)> = accounts
            .iter()
            .map(|a| (a.name(), a.password().expose()))
            .collect();
        assert_eq!(
            got,
            [
                ("user1", "password1"),
                ("user2", "pass=word:2"),
                ("user3", "pässwörd3"),
                ("nopad", "ab"),
                ("empty", ""),
            ]
        );
        assert!(!accounts[0].needs_lock());
    }

    #[test]
    fn accounts_python_encodebytes_output() {
        // Python's base64.encodebytes adds a trailing newline.
        let text = "[account-pool]\nuser1=cGFzc3dvcmQx\n\n";
        let accounts = accounts_from_str(text, "a").unwrap();
        assert_eq!(accounts[0].password().expose(), "password1");
    }

    #[test]
    fn account_errors_never_show_passwords() {
        let secret = "hunter2-secret";
        let encoded = b64(secret);
        let not_utf8 = base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, 0x41]);
        let cases: Vec<(String, usize, String)> = vec![
            (
                format!("[account-pool]\n{secret}\n"),
                2,
                "expected `name = base64-password`".into(),
            ),
            (
                format!("[account-pool]\n = {encoded}\n"),
                2,
                "empty account name".into(),
            ),
            (
                format!("[account-pool]\nadmin = {secret}!\n"),
                2,
                "the password of account `admin` is not valid base64".into(),
            ),
            (
                format!("[account-pool]\nadmin = {not_utf8}\n"),
                2,
                "the password of account `admin` is not valid UTF-8 once decoded".into(),
            ),
            (
                format!("[account-pool]\na = {encoded}\na = {encoded}\n"),
                3,
                "duplicate account `a`".into(),
            ),
            (
                "[account-pool\n".into(),
                1,
                "unterminated section header".into(),
            ),
            (
                format!("[other]\na = {encoded}\n"),
                2,
                "no [account-pool] section".into(),
            ),
            (String::new(), 1, "no [account-pool] section".into()),
        ];
        for (text, line, reason) in cases {
            let err = accounts_from_str(&text, "accounts.cfg").unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(secret), "{shown}");
            assert!(!shown.contains(&encoded), "{shown}");
            let (file, got_line, got_reason) = parse_err(Err::<(), _>(err));
            assert_eq!(file, "accounts.cfg");
            assert_eq!(got_line, line, "{text:?}: {got_reason}");
            assert!(got_reason.contains(&reason), "{text:?}: {got_reason}");
        }
    }

    #[test]
    fn accounts_debug_has_no_passwords() {
        let text = format!("[account-pool]\nadmin = {}\n", b64("hunter2"));
        let accounts = accounts_from_str(&text, "a").unwrap();
        let shown = format!("{accounts:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("admin"));
    }

    #[test]
    fn accounts_file() {
        let file = TempFile::new("accounts", &format!("[account-pool]\nu = {}\n", b64("pw")));
        let accounts = accounts_from_file(&file.0).unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].password().expose(), "pw");
    }

    #[test]
    fn comment_stripping() {
        assert_eq!(strip_comment("a # b"), "a ");
        assert_eq!(strip_comment("# b"), "");
        assert_eq!(strip_comment("a#b"), "a#b");
        assert_eq!(strip_comment("a\t#b"), "a\t");
        assert_eq!(strip_comment("abc"), "abc");
    }
}
