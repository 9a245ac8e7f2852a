//! A Juniper JunOS emulator.
//!
//! [`device`] returns a [`VirtualDevice`] that behaves like an MX router
//! running JunOS 22.4 over Telnet:
//!
//! - login: `<host> (ttyp0)`, `login: `, `Password:`, `Login incorrect`
//!   (three tries), then `Last login: …` and `--- JUNOS 22.4R3.25 built …`;
//! - operational mode `user@host> ` (a blank line before every prompt, as
//!   JunOS prints it), `show version`, `show interfaces terse`,
//!   `show configuration` (the committed configuration, in braces),
//!   `set cli screen-length`, `set cli screen-width`,
//!   `set cli complete-on-space`, `configure` (also `private` and
//!   `exclusive`), `exit`/`quit` (end the session);
//! - configuration mode with the `[edit …]` line above `user@host# `:
//!   `set`, `delete`, `edit`, `up`, `top`, `show` (the candidate, also
//!   `show | compare` and `| display set`), `commit` (`commit complete`;
//!   the prompt follows a committed `system host-name`), `commit check`,
//!   `commit and-quit`, `rollback`, `run <operational command>`, `exit`
//!   (one level up, or out of configuration mode), `exit
//!   configuration-mode`; leaving with uncommitted changes asks `Exit with
//!   uncommitted changes? [yes,no] (yes)` (see
//!   [`JunosEmulator::confirm_uncommitted_exit`]);
//! - errors as JunOS words them, under a `^` marker: `unknown command.`,
//!   `syntax error, expecting <command>.`, `syntax error.`, `'s' is
//!   ambiguous.`;
//! - filters `| match`, `| except`, `| count`, `| no-more`,
//!   `| display set`;
//! - paging at `---(more)---` (24 lines by default), erased with a
//!   carriage return, blanks and another carriage return.
//!
//! Credentials and the login type are the usual [`VirtualDevice`]
//! settings.
//!
//! ```
//! use oxscript_emulator::junos;
//!
//! let device = junos::device("mx1").with_credentials("admin", "Juniper-1");
//! let mut session = device.session();
//! assert!(session.start().text.ends_with("mx1 (ttyp0)\r\n\r\nlogin: "));
//! session.feed(b"admin\r");
//! assert!(session.feed(b"Juniper-1\r").text.ends_with("\r\n\r\nadmin@mx1> "));
//! let text = session.feed(b"configure\r").text;
//! assert!(text.ends_with("Entering configuration mode\r\n\r\n[edit]\r\nadmin@mx1# "));
//! session.feed(b"set system host-name core1\r");
//! let text = session.feed(b"commit\r").text;
//! assert!(text.ends_with("commit complete\r\n\r\n[edit]\r\nadmin@core1# "));
//! ```

use std::fmt::Write as _;
use std::sync::Arc;

use crate::context::DeviceContext;
use crate::device::VirtualDevice;
use crate::platforms::common::{
    Cli, Clock, Common, Filter, FilterKind, Interface, LineError, Syntax, Tok, caret,
    carriage_erase, cmd, emulate, interface_setters, logout, pad, paging_setters, valid_hostname,
    words,
};

/// A JunOS emulator named `hostname` with the default interfaces
/// (`fxp0`, `ge-0/0/0` to `ge-0/0/2`, `lo0`).
pub fn device(hostname: &str) -> VirtualDevice {
    JunosEmulator::new(hostname).build()
}

/// Builds a JunOS [`VirtualDevice`].
///
/// ```
/// use oxscript_emulator::junos::JunosEmulator;
/// use oxscript_emulator::Interface;
/// use std::net::Ipv4Addr;
///
/// let device = JunosEmulator::new("ex1")
///     .model("ex4300-48t")
///     .without_interfaces()
///     .interface(Interface::new("ge-0/0/0").with_address(Ipv4Addr::new(10, 1, 0, 1), 24))
///     .routing_engine("master:0")
///     .page_lines(0)
///     .build()
///     .with_credentials("admin", "pw");
/// assert_eq!(device.hostname(), "ex1");
/// ```
#[derive(Clone, Debug)]
pub struct JunosEmulator {
    common: Common,
    model: String,
    version: String,
    confirm_uncommitted_exit: bool,
    routing_engine: Option<String>,
}

impl JunosEmulator {
    /// An MX480 named `hostname` running JunOS 22.4R3.25, with the
    /// default interfaces, paging at 24 lines.
    pub fn new(hostname: impl Into<String>) -> Self {
        use std::net::Ipv4Addr;
        let interfaces = vec![
            Interface::new("fxp0")
                .with_description("management")
                .with_address(Ipv4Addr::new(192, 168, 122, 11), 24),
            Interface::new("ge-0/0/0")
                .with_description("uplink to core")
                .with_address(Ipv4Addr::new(10, 0, 12, 1), 30),
            Interface::new("ge-0/0/1"),
            Interface::new("ge-0/0/2").with_shutdown(true),
            Interface::new("lo0").with_address(Ipv4Addr::new(10, 255, 255, 11), 32),
        ];
        JunosEmulator {
            common: Common::new(hostname.into(), interfaces),
            model: "mx480".to_owned(),
            version: "22.4R3.25".to_owned(),
            confirm_uncommitted_exit: true,
            routing_engine: None,
        }
    }

    /// Sets the model shown by `show version` (default `mx480`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the JunOS release (default `22.4R3.25`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    interface_setters!(
        /// Units are implied: an address goes to unit 0, family inet.
    );
    paging_setters!("set cli screen-length 0");

    /// Whether leaving configuration mode with uncommitted changes asks
    /// `Exit with uncommitted changes? [yes,no] (yes)` (default `true`,
    /// as JunOS does); with `false` it only warns.
    pub fn confirm_uncommitted_exit(mut self, confirm: bool) -> Self {
        self.confirm_uncommitted_exit = confirm;
        self
    }

    /// Shows a routing-engine line such as `{master:0}` above every
    /// prompt, as dual-RE routers and virtual chassis do.
    pub fn routing_engine(mut self, role: impl Into<String>) -> Self {
        self.routing_engine = Some(role.into());
        self
    }

    /// The device.
    pub fn build(self) -> VirtualDevice {
        let host = &self.common.hostname;
        let prompt = render_prompt(self.routing_engine.as_deref(), "root", host, None);
        let device = self
            .common
            .device()
            .with_banner(format!("\n\n{host} (ttyp0)\n\n"))
            .with_username_prompt("login: ")
            .with_password_prompt("Password:")
            .with_login_failure_message("\nLogin incorrect")
            .with_prompt(prompt)
            .with_more_prompt(MORE)
            .with_more_erase(carriage_erase(MORE));
        let cfg = Config {
            initial: initial_config(host, &self.version, &self.common.interfaces),
            model: self.model,
            version: self.version,
            confirm_uncommitted_exit: self.confirm_uncommitted_exit,
            routing_engine: self.routing_engine,
        };
        emulate(device, cfg, login, interpret)
    }
}

const MORE: &str = "---(more)---";

/// What every session of one emulator shares.
#[derive(Debug)]
struct Config {
    model: String,
    version: String,
    confirm_uncommitted_exit: bool,
    routing_engine: Option<String>,
    initial: Node,
}

// ----- the configuration tree ----------------------------------------------------------

/// Keywords that take a value in the same statement (`host-name mx1`,
/// `mtu 9192`) of which a level holds one value: setting them again
/// replaces it.
const SINGLE_VALUED: &[&str] = &[
    "host-name",
    "description",
    "domain-name",
    "time-zone",
    "mtu",
    "vlan-id",
    "encapsulation",
    "speed",
    "router-id",
    "autonomous-system",
    "peer-as",
    "local-address",
    "metric",
    "preference",
    "type",
    "class",
    "location",
    "contact",
    "encrypted-password",
    "instance-type",
];

/// Keywords that take a value in the same statement (`unit 0`,
/// `address 10.0.0.1/24`) and may appear several times with different
/// values.
const MULTI_VALUED: &[&str] = &[
    "unit",
    "family",
    "address",
    "interface",
    "area",
    "group",
    "neighbor",
    "user",
    "policy-statement",
    "term",
    "filter",
    "route",
    "next-hop",
    "community",
    "name-server",
    "export",
    "import",
];

/// Whether `word` takes a value in the same statement (`version` does
/// only at the top, see [`statements`]).
fn is_keyed(word: &str) -> bool {
    SINGLE_VALUED.contains(&word) || MULTI_VALUED.contains(&word)
}

/// Whether a level holds one statement of `word`: setting it again
/// replaces it (the top level's `version` too).
fn is_single(word: &str) -> bool {
    word == "version" || SINGLE_VALUED.contains(&word)
}

/// The top of the hierarchy: what `set` accepts first at `[edit]`.
const TOP: &[&str] = &[
    "access",
    "apply-groups",
    "bridge-domains",
    "chassis",
    "class-of-service",
    "event-options",
    "firewall",
    "forwarding-options",
    "groups",
    "interfaces",
    "policy-options",
    "protocols",
    "routing-instances",
    "routing-options",
    "security",
    "services",
    "snmp",
    "switch-options",
    "system",
    "version",
    "vlans",
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Node {
    children: Vec<(String, Node)>,
}

fn first_word(statement: &str) -> &str {
    statement.split(' ').next().unwrap_or(statement)
}

impl Node {
    fn child(&self, key: &str) -> Option<&Node> {
        self.children.iter().find(|(k, _)| k == key).map(|(_, n)| n)
    }

    fn at(&self, path: &[String]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.child(key))
    }

    /// Creates `path` (statements) below this node.
    fn set(&mut self, path: &[String]) {
        let Some((key, rest)) = path.split_first() else {
            return;
        };
        let word = first_word(key);
        let pos = self
            .children
            .iter()
            .position(|(k, _)| k == key)
            .or_else(|| {
                if !is_single(word) {
                    return None;
                }
                let i = self
                    .children
                    .iter()
                    .position(|(k, _)| first_word(k) == word)?;
                if let Some(entry) = self.children.get_mut(i) {
                    *entry = (key.clone(), Node::default());
                }
                Some(i)
            });
        let i = match pos {
            Some(i) => i,
            None => {
                self.children.push((key.clone(), Node::default()));
                self.children.len() - 1
            }
        };
        if let Some((_, node)) = self.children.get_mut(i) {
            node.set(rest);
        }
    }

    /// Removes `path`; whether it existed.
    fn delete(&mut self, path: &[String]) -> bool {
        match path {
            [] => false,
            [key] => {
                let before = self.children.len();
                let single = !key.contains(' ') && is_single(key);
                self.children
                    .retain(|(k, _)| k != key && !(single && first_word(k) == key));
                self.children.len() != before
            }
            [key, rest @ ..] => self
                .children
                .iter_mut()
                .find(|(k, _)| k == key)
                .is_some_and(|(_, n)| n.delete(rest)),
        }
    }

    fn render(&self, depth: usize, out: &mut String) {
        let indent = "    ".repeat(depth);
        for (key, node) in &self.children {
            if node.children.is_empty() {
                let _ = writeln!(out, "{indent}{key};");
            } else {
                let _ = writeln!(out, "{indent}{key} {{");
                node.render(depth + 1, out);
                let _ = writeln!(out, "{indent}}}");
            }
        }
    }

    fn render_set(&self, prefix: &mut Vec<String>, out: &mut String) {
        for (key, node) in &self.children {
            prefix.push(key.clone());
            if node.children.is_empty() {
                let _ = writeln!(out, "set {}", prefix.join(" "));
            } else {
                node.render_set(prefix, out);
            }
            prefix.pop();
        }
    }

    /// Every leaf statement with the path of its parent.
    fn leaves(&self, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
        for (key, node) in &self.children {
            if node.children.is_empty() {
                out.push((prefix.clone(), key.clone()));
            } else {
                prefix.push(key.clone());
                node.leaves(prefix, out);
                prefix.pop();
            }
        }
    }

    fn hostname(&self) -> Option<&str> {
        self.child("system")?
            .children
            .iter()
            .find_map(|(k, _)| k.strip_prefix("host-name "))
    }
}

/// Quotes a value the way JunOS shows it: in double quotes when it holds
/// blanks or characters with a meaning in the syntax.
fn quote(value: &str) -> String {
    if value.is_empty() || value.contains(|c: char| c.is_whitespace() || "{};#\"".contains(c)) {
        format!("\"{}\"", value.replace('"', "\\\""))
    } else {
        value.to_owned()
    }
}

/// Splits configuration input into words; double quotes group. `None`
/// for an unterminated quote.
fn config_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&c) = chars.peek() else {
            return Some(words);
        };
        let mut word = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => word.push(chars.next()?),
                    ch => word.push(ch),
                }
            }
        } else {
            while let Some(ch) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(ch);
            }
        }
        words.push(word);
    }
}

/// Groups words into statements (`unit`, `0` → `unit 0`).
fn statements(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(word) = words.get(i) {
        match words.get(i + 1) {
            Some(value) if is_keyed(word) || (i == 0 && word == "version") => {
                out.push(format!("{word} {}", quote(value)));
                i += 2;
            }
            _ => {
                out.push(quote(word));
                i += 1;
            }
        }
    }
    out
}

fn initial_config(hostname: &str, version: &str, interfaces: &[Interface]) -> Node {
    let mut root = Node::default();
    let s = |list: &[&str]| list.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    root.set(&s(&[&format!("version {version}")]));
    root.set(&s(&["system", &format!("host-name {hostname}")]));
    root.set(&s(&["system", "services", "telnet"]));
    root.set(&s(&["system", "services", "ssh"]));
    for iface in interfaces {
        let base = ["interfaces", iface.name.as_str()];
        if let Some(d) = &iface.description {
            root.set(&s(&[
                base[0],
                base[1],
                &format!("description {}", quote(d)),
            ]));
        }
        if iface.shutdown {
            root.set(&s(&[base[0], base[1], "disable"]));
        }
        let unit = [base[0], base[1], "unit 0", "family inet"];
        match iface.address {
            Some((addr, len)) => root.set(&s(&[
                unit[0],
                unit[1],
                unit[2],
                unit[3],
                &format!("address {addr}/{len}"),
            ])),
            None if !iface.shutdown && iface.description.is_none() => {
                root.set(&s(&unit));
            }
            None => {}
        }
    }
    root.set(&s(&["routing-options", "router-id 10.255.255.11"]));
    root
}

// ----- per-session state -------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Operational,
    Configuration,
}

const OP: u32 = 1;
const CONF: u32 = 2;

#[derive(Debug)]
struct JunosState {
    user: String,
    mode: Mode,
    edit: Vec<String>,
    active: Node,
    candidate: Node,
    last_commit: (String, String),
}

impl JunosState {
    fn new(cfg: &Config, user: &str) -> Self {
        JunosState {
            user: user.to_owned(),
            mode: Mode::Operational,
            edit: Vec::new(),
            active: cfg.initial.clone(),
            candidate: cfg.initial.clone(),
            last_commit: (
                format!("{} UTC", Clock::from_unix_millis(1_709_200_000_000).iso()),
                "root".to_owned(),
            ),
        }
    }

    fn dirty(&self) -> bool {
        self.active != self.candidate
    }
}

fn render_prompt(re: Option<&str>, user: &str, host: &str, edit: Option<&[String]>) -> String {
    let re = re.map(|r| format!("{{{r}}}")).unwrap_or_default();
    match edit {
        None if re.is_empty() => format!("\r\n{user}@{host}> "),
        None => format!("\r\n{re}\r\n{user}@{host}> "),
        Some([]) => format!("\r\n{re}[edit]\r\n{user}@{host}# "),
        Some(path) => format!("\r\n{re}[edit {}]\r\n{user}@{host}# ", path.join(" ")),
    }
}

fn update_prompt(cfg: &Config, st: &JunosState, ctx: &mut DeviceContext) {
    let host = st
        .active
        .hostname()
        .unwrap_or(ctx.hostname())
        .trim_matches('"')
        .to_owned();
    if valid_hostname(&host) && host != ctx.hostname() {
        ctx.set_hostname(&host);
    }
    let edit = (st.mode == Mode::Configuration).then_some(st.edit.as_slice());
    let prompt = render_prompt(
        cfg.routing_engine.as_deref(),
        &st.user,
        ctx.hostname(),
        edit,
    );
    ctx.set_prompt(prompt);
    ctx.set_mode(match st.mode {
        Mode::Operational => "operational",
        Mode::Configuration => "configuration",
    });
}

fn login(cfg: &Arc<Config>, ctx: &mut DeviceContext) -> String {
    let user = ctx.username().unwrap_or("root").to_owned();
    let st = JunosState::new(cfg, &user);
    update_prompt(cfg, &st, ctx);
    ctx.insert_state(st);
    format!(
        "Last login: {} from 192.0.2.10\n\n--- JUNOS {} built 2023-11-10 06:39:09 UTC",
        Clock::now().ctime(),
        cfg.version
    )
}

// ----- commands ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    ShowVersion,
    ShowInterfacesTerse,
    ShowInterfacesTerseOne,
    ShowConfiguration,
    ShowConfigurationPath,
    ScreenLength,
    ScreenWidth,
    CompleteOnSpaceOn,
    CompleteOnSpaceOff,
    Configure,
    Quit,
    Set,
    Delete,
    Edit,
    Up,
    Top,
    Show,
    ShowPath,
    Commit,
    CommitConfirmed,
    CommitCheck,
    CommitAndQuit,
    Rollback,
    RollbackN,
    Run,
    Exit,
    ExitConfigurationMode,
}

use Tok::{Kw, Num, Rest, Word};

static SYNTAX: &[Syntax<Act>] = &[
    cmd(OP, &[Kw("show"), Kw("version")], Act::ShowVersion),
    cmd(
        OP,
        &[Kw("show"), Kw("interfaces"), Kw("terse")],
        Act::ShowInterfacesTerse,
    ),
    cmd(
        OP,
        &[Kw("show"), Kw("interfaces"), Word, Kw("terse")],
        Act::ShowInterfacesTerseOne,
    ),
    cmd(
        OP,
        &[Kw("show"), Kw("configuration")],
        Act::ShowConfiguration,
    ),
    cmd(
        OP,
        &[Kw("show"), Kw("configuration"), Rest],
        Act::ShowConfigurationPath,
    ),
    cmd(
        OP,
        &[Kw("set"), Kw("cli"), Kw("screen-length"), Num(0, 100_000)],
        Act::ScreenLength,
    ),
    cmd(
        OP,
        &[Kw("set"), Kw("cli"), Kw("screen-width"), Num(0, 1024)],
        Act::ScreenWidth,
    ),
    cmd(
        OP,
        &[Kw("set"), Kw("cli"), Kw("complete-on-space"), Kw("on")],
        Act::CompleteOnSpaceOn,
    ),
    cmd(
        OP,
        &[Kw("set"), Kw("cli"), Kw("complete-on-space"), Kw("off")],
        Act::CompleteOnSpaceOff,
    ),
    cmd(OP, &[Kw("configure")], Act::Configure),
    cmd(OP, &[Kw("configure"), Kw("private")], Act::Configure),
    cmd(OP, &[Kw("configure"), Kw("exclusive")], Act::Configure),
    cmd(OP, &[Kw("exit")], Act::Quit),
    cmd(OP, &[Kw("quit")], Act::Quit),
    cmd(CONF, &[Kw("set"), Rest], Act::Set),
    cmd(CONF, &[Kw("delete"), Rest], Act::Delete),
    cmd(CONF, &[Kw("edit"), Rest], Act::Edit),
    cmd(CONF, &[Kw("up")], Act::Up),
    cmd(CONF, &[Kw("top")], Act::Top),
    cmd(CONF, &[Kw("show")], Act::Show),
    cmd(CONF, &[Kw("show"), Rest], Act::ShowPath),
    cmd(CONF, &[Kw("commit")], Act::Commit),
    cmd(CONF, &[Kw("commit"), Kw("check")], Act::CommitCheck),
    cmd(CONF, &[Kw("commit"), Kw("confirmed")], Act::CommitConfirmed),
    cmd(
        CONF,
        &[Kw("commit"), Kw("confirmed"), Num(1, 65535)],
        Act::CommitConfirmed,
    ),
    cmd(CONF, &[Kw("commit"), Kw("and-quit")], Act::CommitAndQuit),
    cmd(CONF, &[Kw("rollback")], Act::Rollback),
    cmd(CONF, &[Kw("rollback"), Num(0, 49)], Act::RollbackN),
    cmd(CONF, &[Kw("run"), Rest], Act::Run),
    cmd(CONF, &[Kw("exit")], Act::Exit),
    cmd(CONF, &[Kw("quit")], Act::Exit),
    cmd(
        CONF,
        &[Kw("exit"), Kw("configuration-mode")],
        Act::ExitConfigurationMode,
    ),
];

const FILTERS: &[(&str, FilterKind)] = &[
    ("match", FilterKind::Include),
    ("except", FilterKind::Exclude),
    ("find", FilterKind::Begin),
    ("count", FilterKind::Count),
    ("no-more", FilterKind::NoMore),
    ("display", FilterKind::Display),
    ("compare", FilterKind::Compare),
];

static CLI: Cli<Act> = Cli {
    tables: &[SYNTAX],
    filters: FILTERS,
};

fn interpret(cfg: &Arc<Config>, ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(
        |ctx| JunosState::new(cfg, ctx.username().unwrap_or("root")),
        |st, ctx| {
            let mask = match st.mode {
                Mode::Operational => OP,
                Mode::Configuration => CONF,
            };
            run_line(cfg, st, ctx, line, mask)
        },
    )
}

fn run_line(
    cfg: &Arc<Config>,
    st: &mut JunosState,
    ctx: &mut DeviceContext,
    line: &str,
    mask: u32,
) -> String {
    let error = |ctx: &DeviceContext, command: &str, err| match err {
        LineError::BadFilter(column) => {
            format!("{}syntax error, expecting <command>.\n", caret(ctx, column))
        }
        LineError::Invalid(spot) if spot.word == 0 => {
            format!("{}unknown command.\n", caret(ctx, spot.word_column))
        }
        LineError::Invalid(spot) => {
            let what = if mask == CONF {
                "syntax error."
            } else {
                "syntax error, expecting <command>."
            };
            format!("{}{what}\n", caret(ctx, spot.word_column))
        }
        LineError::Incomplete(column) => format!(
            "{}syntax error, expecting <command>.\n",
            caret(ctx, column + 1)
        ),
        LineError::Ambiguous(spot) => {
            let word = words(command).get(spot.word).map_or("", |w| w.1);
            format!("{}'{word}' is ambiguous.\n", caret(ctx, spot.word_column))
        }
    };
    CLI.run(ctx, line, mask, error, |ctx, act, args, filters| {
        execute(cfg, st, ctx, act, filters, args.text(0), args.column(0))
    })
    .unwrap_or_default()
}

fn display_set(filters: &[Filter]) -> bool {
    filters
        .iter()
        .any(|f| f.kind == FilterKind::Display && f.text == "set")
}

fn compare(filters: &[Filter]) -> bool {
    filters.iter().any(|f| f.kind == FilterKind::Compare)
}

fn execute(
    cfg: &Arc<Config>,
    st: &mut JunosState,
    ctx: &mut DeviceContext,
    act: Act,
    filters: &[Filter],
    arg: &str,
    arg_column: usize,
) -> String {
    match act {
        Act::ShowVersion => show_version(cfg, ctx.hostname()),
        Act::ShowInterfacesTerse => interfaces_terse(&st.active, None),
        Act::ShowInterfacesTerseOne => {
            if st
                .active
                .at(&["interfaces".to_owned(), arg.to_owned()])
                .is_none()
            {
                return format!("error: device {arg} not found\n");
            }
            interfaces_terse(&st.active, Some(arg))
        }
        Act::ShowConfiguration => show_config(&st.active, &[], filters, Some(&st.last_commit)),
        Act::ShowConfigurationPath => {
            let Some(words) = config_words(arg) else {
                return format!("{}syntax error.\n", caret(ctx, arg_column));
            };
            show_config(&st.active, &statements(&words), filters, None)
        }
        Act::ScreenLength => {
            let n: usize = arg.parse().unwrap_or(0);
            ctx.set_page_lines(Some(n));
            format!("Screen length set to {n}\n")
        }
        Act::ScreenWidth => format!("Screen width set to {arg}\n"),
        Act::CompleteOnSpaceOn => "Enabling complete-on-space\n".to_owned(),
        Act::CompleteOnSpaceOff => "Disabling complete-on-space\n".to_owned(),
        Act::Configure => {
            st.mode = Mode::Configuration;
            st.edit.clear();
            update_prompt(cfg, st, ctx);
            let mut text = String::from("Entering configuration mode\n");
            if st.dirty() {
                text.push_str("The configuration has been changed but not committed\n");
            }
            text
        }
        Act::Quit => logout(ctx),
        Act::Set | Act::Delete | Act::Edit => edit_command(cfg, st, ctx, act, arg, arg_column),
        Act::Up => {
            if st.edit.pop().is_none() {
                return "warning: already at top of configuration\n".to_owned();
            }
            update_prompt(cfg, st, ctx);
            String::new()
        }
        Act::Top => {
            st.edit.clear();
            update_prompt(cfg, st, ctx);
            String::new()
        }
        Act::Show | Act::ShowPath => {
            let mut path = st.edit.clone();
            if act == Act::ShowPath {
                let Some(words) = config_words(arg) else {
                    return format!("{}syntax error.\n", caret(ctx, arg_column));
                };
                path.extend(statements(&words));
            }
            if compare(filters) {
                return compare_configs(&st.active, &st.candidate, &path);
            }
            show_config(&st.candidate, &path, filters, None)
        }
        Act::Commit => commit(cfg, st, ctx),
        Act::CommitCheck => "configuration check succeeds\n".to_owned(),
        Act::CommitConfirmed => {
            // The rollback timer itself is not emulated.
            let minutes = if arg.is_empty() { "10" } else { arg };
            let done = commit(cfg, st, ctx);
            format!(
                "configuration check succeeds\ncommit confirmed will be automatically rolled back in {minutes} minutes unless confirmed\n{done}\n# commit confirmed will be rolled back in {minutes} minutes\n"
            )
        }
        Act::CommitAndQuit => {
            let mut text = commit(cfg, st, ctx);
            st.mode = Mode::Operational;
            st.edit.clear();
            update_prompt(cfg, st, ctx);
            text.push_str("Exiting configuration mode\n");
            text
        }
        Act::Rollback | Act::RollbackN => {
            st.candidate = st.active.clone();
            "load complete\n".to_owned()
        }
        Act::Run => {
            let text = run_line(cfg, st, ctx, arg, OP);
            if ctx.is_closing() {
                // `run exit` does not end the session.
                return String::new();
            }
            text
        }
        Act::Exit if !st.edit.is_empty() => {
            st.edit.pop();
            update_prompt(cfg, st, ctx);
            String::new()
        }
        Act::Exit | Act::ExitConfigurationMode => leave_configuration(cfg, st, ctx),
    }
}

fn edit_command(
    cfg: &Config,
    st: &mut JunosState,
    ctx: &mut DeviceContext,
    act: Act,
    arg: &str,
    arg_column: usize,
) -> String {
    let Some(mut words) = config_words(arg) else {
        return format!("{}syntax error.\n", caret(ctx, arg_column));
    };
    if st.edit.is_empty() {
        let Some(first) = words.first_mut() else {
            return format!(
                "{}syntax error, expecting <statement> or <identifier>.\n",
                caret(ctx, arg_column)
            );
        };
        if !TOP.contains(&first.as_str()) {
            let found: Vec<&str> = TOP
                .iter()
                .copied()
                .filter(|t| t.starts_with(first.as_str()))
                .collect();
            match found.as_slice() {
                [one] => *first = (*one).to_owned(),
                [] => return format!("{}syntax error.\n", caret(ctx, arg_column)),
                _ => {
                    return format!("{}'{first}' is ambiguous.\n", caret(ctx, arg_column));
                }
            }
        }
    }
    let mut path = st.edit.clone();
    path.extend(statements(&words));
    match act {
        Act::Set => {
            st.candidate.set(&path);
            if st.candidate.hostname().is_some_and(|h| !valid_hostname(h)) {
                st.candidate
                    .set(&["system".to_owned(), format!("host-name {}", ctx.hostname())]);
                return format!(
                    "{}error: invalid value: host-name must be a valid hostname\n",
                    caret(ctx, arg_column)
                );
            }
            String::new()
        }
        Act::Delete => {
            if st.candidate.delete(&path) {
                String::new()
            } else {
                "warning: statement not found\n".to_owned()
            }
        }
        _ => {
            st.candidate.set(&path);
            st.edit = path;
            update_prompt(cfg, st, ctx);
            String::new()
        }
    }
}

fn commit(cfg: &Config, st: &mut JunosState, ctx: &mut DeviceContext) -> String {
    if st.dirty() {
        st.active = st.candidate.clone();
        st.last_commit = (format!("{} UTC", Clock::now().iso()), st.user.clone());
    }
    update_prompt(cfg, st, ctx);
    "commit complete\n".to_owned()
}

fn leave_configuration(cfg: &Arc<Config>, st: &mut JunosState, ctx: &mut DeviceContext) -> String {
    fn leave(cfg: &Config, st: &mut JunosState, ctx: &mut DeviceContext) -> String {
        st.mode = Mode::Operational;
        st.edit.clear();
        update_prompt(cfg, st, ctx);
        "Exiting configuration mode\n".to_owned()
    }
    if !st.dirty() {
        return leave(cfg, st, ctx);
    }
    const CHANGED: &str = "The configuration has been changed but not committed\n";
    if !cfg.confirm_uncommitted_exit {
        return format!("{CHANGED}{}", leave(cfg, st, ctx));
    }
    let shared = Arc::clone(cfg);
    ctx.read_line(false, move |ctx, answer| {
        let answer = answer.trim().to_ascii_lowercase();
        ctx.with_state(
            |ctx| JunosState::new(&shared, ctx.username().unwrap_or("root")),
            |st, ctx| {
                if answer.is_empty() || "yes".starts_with(&answer) {
                    format!("\n{}", leave(&shared, st, ctx))
                } else if "no".starts_with(&answer) {
                    String::new()
                } else {
                    "error: invalid response: please answer yes or no\n".to_owned()
                }
            },
        )
    });
    format!("{CHANGED}Exit with uncommitted changes? [yes,no] (yes) ")
}

// ----- output -------------------------------------------------------------------------------

fn show_config(
    root: &Node,
    path: &[String],
    filters: &[Filter],
    header: Option<&(String, String)>,
) -> String {
    let Some(node) = root.at(path) else {
        return String::new();
    };
    let mut out = String::new();
    if display_set(filters) {
        let mut prefix = path.to_vec();
        node.render_set(&mut prefix, &mut out);
        return out;
    }
    if let Some((when, who)) = header {
        let _ = writeln!(out, "## Last commit: {when} by {who}");
    }
    node.render(0, &mut out);
    out
}

fn compare_configs(active: &Node, candidate: &Node, path: &[String]) -> String {
    let empty = Node::default();
    let old = active.at(path).unwrap_or(&empty);
    let new = candidate.at(path).unwrap_or(&empty);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    old.leaves(&mut path.to_vec(), &mut a);
    new.leaves(&mut path.to_vec(), &mut b);
    let mut groups: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut add =
        |parent: &Vec<String>, line: String| match groups.iter_mut().find(|(p, _)| p == parent) {
            Some((_, lines)) => lines.push(line),
            None => groups.push((parent.clone(), vec![line])),
        };
    for item in &a {
        if !b.contains(item) {
            add(&item.0, format!("-   {};", item.1));
        }
    }
    for item in &b {
        if !a.contains(item) {
            add(&item.0, format!("+   {};", item.1));
        }
    }
    let mut out = String::new();
    for (parent, lines) in groups {
        if parent.is_empty() {
            out.push_str("[edit]\n");
        } else {
            let _ = writeln!(out, "[edit {}]", parent.join(" "));
        }
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

fn show_version(cfg: &Config, hostname: &str) -> String {
    const OS: &str = "20231012.7e52f1f_builder_stable_12_224";
    const JUNOS: &str = "20231110.063909_builder_junos_224_r3";
    let mut out = format!(
        "Hostname: {hostname}\nModel: {}\nJunos: {}\n",
        cfg.model, cfg.version
    );
    for (package, build) in [
        ("JUNOS OS Kernel 64-bit ", OS),
        ("JUNOS OS libs", OS),
        ("JUNOS OS runtime", OS),
        ("JUNOS OS time zone information", OS),
        ("JUNOS network stack and utilities", JUNOS),
        ("JUNOS libs", JUNOS),
        ("JUNOS OS libs compat32", OS),
        ("JUNOS OS 32-bit compatibility", OS),
        ("JUNOS libs compat32", JUNOS),
        ("JUNOS runtime", JUNOS),
        ("JUNOS Packet Forwarding Engine Simulation Package", JUNOS),
        ("JUNOS sflow mx", JUNOS),
        ("JUNOS py extensions", JUNOS),
        ("JUNOS py base", JUNOS),
        ("JUNOS OS vmguest", OS),
        ("JUNOS OS crypto", OS),
        ("JUNOS mx libs compat32", JUNOS),
        ("JUNOS mx runtime", JUNOS),
        ("JUNOS common platform support", JUNOS),
        ("JUNOS mx libs", JUNOS),
        ("JUNOS mtx Data Plane Crypto Support", JUNOS),
        ("JUNOS daemons", JUNOS),
        ("JUNOS mx daemons", JUNOS),
        ("JUNOS Services URL Filter package", JUNOS),
        ("JUNOS Packet Forwarding Engine Support (MX Common)", JUNOS),
        ("JUNOS Routing Engine Software Suite", JUNOS),
    ] {
        let _ = writeln!(out, "{package} [{build}]");
    }
    out
}

fn interfaces_terse(active: &Node, only: Option<&str>) -> String {
    let mut out =
        String::from("Interface               Admin Link Proto    Local                 Remote\n");
    let Some(interfaces) = active.child("interfaces") else {
        return out;
    };
    for (name, node) in &interfaces.children {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let disabled = node.child("disable").is_some();
        let state = if disabled { "down" } else { "up" };
        let _ = writeln!(out, "{}{}{}", pad(name, 24), pad(state, 6), state);
        for (unit, unit_node) in &node.children {
            let Some(number) = unit.strip_prefix("unit ") else {
                continue;
            };
            let logical = format!("{name}.{number}");
            let link = if disabled { "down" } else { "up" };
            let families: Vec<(&str, Vec<&str>)> = unit_node
                .children
                .iter()
                .filter_map(|(k, n)| {
                    let family = k.strip_prefix("family ")?;
                    let addrs = n
                        .children
                        .iter()
                        .filter_map(|(a, _)| a.strip_prefix("address "))
                        .collect();
                    Some((family, addrs))
                })
                .collect();
            let head = format!("{}{}{}", pad(&logical, 24), pad("up", 6), pad(link, 5));
            if families.is_empty() {
                let _ = writeln!(out, "{}", head.trim_end());
                continue;
            }
            let mut first = true;
            for (family, addrs) in families {
                let lead = if first { head.clone() } else { " ".repeat(35) };
                first = false;
                let remote = |addr: &str| {
                    if name.starts_with("lo") && addr.ends_with("/32") {
                        format!("{}--> 0/0", pad(addr.trim_end_matches("/32"), 22))
                    } else {
                        addr.to_owned()
                    }
                };
                match addrs.split_first() {
                    None => {
                        let _ = writeln!(out, "{lead}{family}");
                    }
                    Some((a, more)) => {
                        let _ = writeln!(out, "{lead}{}{}", pad(family, 9), remote(a));
                        for a in more {
                            let _ = writeln!(out, "{}{}", " ".repeat(44), remote(a));
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
