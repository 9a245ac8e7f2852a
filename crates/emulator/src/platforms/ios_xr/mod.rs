//! A Cisco IOS XR emulator.
//!
//! [`device`] returns a [`VirtualDevice`] that behaves like an ASR 9000
//! running IOS XR 7.9 over Telnet:
//!
//! - login: `User Access Verification`, `Username: `, `Password: `,
//!   `% Authentication failed` (three tries), then
//!   `RP/0/RSP0/CPU0:host#`;
//! - exec commands print a timestamp line first (`Mon Mar  4
//!   10:42:17.312 UTC`) until `terminal exec prompt no-timestamp`;
//!   `show version`, `show ipv4 interface brief` (also `show ip interface
//!   brief`), `show running-config`, `show clock`, `terminal length`,
//!   `terminal width`, `exit`/`logout` (end the session);
//! - `configure` / `configure terminal` to `RP/0/RSP0/CPU0:host(config)#`,
//!   `interface GigabitEthernet0/0/0/0` (or `gi0/0/0/0`; loopbacks and
//!   bundles are created) to `(config-if)#`, `description`, `shutdown`,
//!   `no shutdown`, `ipv4 address A M` (or `A/len`), `no ipv4 address`,
//!   `hostname`: all of it goes to a candidate configuration that
//!   `commit` applies (the prompt follows a committed host name),
//!   `show configuration` lists and `abort` drops; `end`/`exit` with
//!   uncommitted changes ask `Uncommitted changes found, commit them
//!   before exiting(yes/no/cancel)? [cancel]:` (see
//!   [`IosXrEmulator::confirm_uncommitted_exit`]);
//! - errors: `% Invalid input detected at '^' marker.` under a `^`,
//!   `% Incomplete command.`, `% Ambiguous command:  "…"`;
//! - filters `| include`, `| exclude`, `| begin`, `| count`;
//! - paging at ` --More-- ` (24 lines by default), erased with
//!   backspaces, blanks and backspaces.
//!
//! ```
//! use oxscript_emulator::ios_xr;
//!
//! let device = ios_xr::device("pe1").with_credentials("admin", "Xr-secret1");
//! let mut session = device.session();
//! assert!(session.start().text.ends_with("User Access Verification\r\n\r\nUsername: "));
//! session.feed(b"admin\r");
//! assert!(session.feed(b"Xr-secret1\r").text.ends_with("RP/0/RSP0/CPU0:pe1#"));
//! session.feed(b"configure\r");
//! assert!(session.feed(b"hostname pe9\r").text.ends_with("RP/0/RSP0/CPU0:pe1(config)#"));
//! assert!(session.feed(b"commit\r").text.ends_with("RP/0/RSP0/CPU0:pe9(config)#"));
//! assert!(session.feed(b"end\r").text.ends_with("RP/0/RSP0/CPU0:pe9#"));
//! ```

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::context::DeviceContext;
use crate::device::VirtualDevice;
use crate::platforms::common::{
    ANY_CONF, Args, CONF_IF, Cli, Clock, Common, EXEC, FilterKind, IfEdit, IfError, Interface,
    LineError, Mode, Syntax, Tok, caret, cmd, emulate, find_interface, interface_setters, len_mask,
    logout, pad, paging_setters, parse_address_mask, parse_prefix, valid_hostname,
};

/// An IOS XR emulator named `hostname` with the default interfaces
/// (`MgmtEth0/RSP0/CPU0/0`, `GigabitEthernet0/0/0/0` to `0/0/0/3`,
/// `Loopback0`).
pub fn device(hostname: &str) -> VirtualDevice {
    IosXrEmulator::new(hostname).build()
}

/// Builds an IOS XR [`VirtualDevice`].
///
/// ```
/// use oxscript_emulator::ios_xr::IosXrEmulator;
///
/// let device = IosXrEmulator::new("xrv9k")
///     .node("RP/0/RP0/CPU0")
///     .confirm_uncommitted_exit(false)
///     .build();
/// assert_eq!(device.prompt(), "RP/0/RP0/CPU0:xrv9k#");
/// ```
#[derive(Clone, Debug)]
pub struct IosXrEmulator {
    common: Common,
    node: String,
    version: String,
    confirm_uncommitted_exit: bool,
}

impl IosXrEmulator {
    /// An ASR 9000 named `hostname` running IOS XR 7.9.2 on node
    /// `RP/0/RSP0/CPU0`, with the default interfaces, paging at 24
    /// lines.
    pub fn new(hostname: impl Into<String>) -> Self {
        let interfaces = vec![
            Interface::new("Loopback0").with_address(Ipv4Addr::new(10, 255, 255, 14), 32),
            Interface::new("MgmtEth0/RSP0/CPU0/0")
                .with_address(Ipv4Addr::new(192, 168, 122, 14), 24),
            Interface::new("GigabitEthernet0/0/0/0")
                .with_description("uplink to core")
                .with_address(Ipv4Addr::new(10, 0, 12, 1), 30),
            Interface::new("GigabitEthernet0/0/0/1").with_description("customer-17"),
            Interface::new("GigabitEthernet0/0/0/2"),
            Interface::new("GigabitEthernet0/0/0/3").with_shutdown(true),
        ];
        IosXrEmulator {
            common: Common::new(hostname.into(), interfaces),
            node: "RP/0/RSP0/CPU0".to_owned(),
            version: "7.9.2".to_owned(),
            confirm_uncommitted_exit: true,
        }
    }

    /// Sets the node of the prompt (default `RP/0/RSP0/CPU0`).
    pub fn node(mut self, node: impl Into<String>) -> Self {
        self.node = node.into();
        self
    }

    /// Sets the IOS XR release (default `7.9.2`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    interface_setters!();
    paging_setters!("terminal length 0");

    /// Whether `end`/`exit` with uncommitted changes ask what to do with
    /// them (default `true`, as IOS XR does); with `false` the changes
    /// are dropped silently.
    pub fn confirm_uncommitted_exit(mut self, confirm: bool) -> Self {
        self.confirm_uncommitted_exit = confirm;
        self
    }

    /// The device.
    pub fn build(self) -> VirtualDevice {
        let device = self
            .common
            .device()
            .with_banner("\n\nUser Access Verification\n\n")
            .with_username_prompt("Username: ")
            .with_password_prompt("Password: ")
            .with_login_failure_message("\n% Authentication failed\n\n")
            .with_prompt(format!("{}:{}#", self.node, self.common.hostname))
            .with_more_prompt(" --More-- ");
        let cfg = Config {
            node: self.node,
            version: self.version,
            interfaces: self.common.interfaces,
            confirm_uncommitted_exit: self.confirm_uncommitted_exit,
        };
        emulate(device, cfg, login, interpret)
    }
}

#[derive(Debug)]
struct Config {
    node: String,
    version: String,
    interfaces: Vec<Interface>,
    confirm_uncommitted_exit: bool,
}

fn login(cfg: &Arc<Config>, ctx: &mut DeviceContext) -> String {
    let mut st = XrState::new(cfg, ctx.hostname());
    set_mode(cfg, &mut st, ctx, Mode::Exec);
    ctx.insert_state(st);
    "\n\n".to_owned()
}

/// The configuration that `commit` applies.
#[derive(Clone, Debug, PartialEq, Eq)]
struct XrConfig {
    hostname: String,
    interfaces: Vec<Interface>,
}

#[derive(Debug)]
struct XrState {
    mode: Mode,
    running: XrConfig,
    candidate: XrConfig,
    current: usize,
    timestamps: bool,
    last_change: String,
}

impl XrState {
    fn new(cfg: &Config, hostname: &str) -> Self {
        let running = XrConfig {
            hostname: hostname.to_owned(),
            interfaces: cfg.interfaces.clone(),
        };
        XrState {
            mode: Mode::Exec,
            candidate: running.clone(),
            running,
            current: 0,
            timestamps: true,
            last_change: stamp(&Clock::from_unix_millis(1_709_200_000_000)),
        }
    }
}

fn stamp(c: &Clock) -> String {
    format!(
        "{} {} {:2} {}.{:03} UTC",
        c.weekday_name(),
        c.month_name(),
        c.day,
        c.hms(),
        c.millis
    )
}

fn set_mode(cfg: &Config, st: &mut XrState, ctx: &mut DeviceContext, mode: Mode) {
    st.mode = mode;
    if st.running.hostname != ctx.hostname() {
        let host = st.running.hostname.clone();
        ctx.set_hostname(&host);
    }
    // No privileged mode: users log in with every privilege.
    let suffix = match mode {
        Mode::Exec | Mode::Privileged => "",
        Mode::Config => "(config)",
        Mode::ConfigIf => "(config-if)",
    };
    let prompt = format!("{}:{}{suffix}#", cfg.node, st.running.hostname);
    ctx.set_prompt(prompt);
    ctx.set_privileged(true);
    ctx.set_mode(mode.name());
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    ShowVersion,
    ShowIpv4Brief,
    ShowRunning,
    ShowClock,
    ShowConfiguration,
    TermLength,
    TermWidth,
    NoTimestamp,
    Timestamp,
    Configure,
    Logout,
    Hostname,
    Interface,
    Commit,
    CommitConfirmed,
    Abort,
    Exit,
    End,
    Do,
    Description,
    NoDescription,
    Shutdown,
    NoShutdown,
    Ipv4Address,
    Ipv4Prefix,
    NoIpv4Address,
}

use Tok::{Kw, Num, Rest, Word};

static SYNTAX: &[Syntax<Act>] = &[
    cmd(EXEC, &[Kw("show"), Kw("version")], Act::ShowVersion),
    cmd(
        EXEC,
        &[Kw("show"), Kw("ipv4"), Kw("interface"), Kw("brief")],
        Act::ShowIpv4Brief,
    ),
    cmd(
        EXEC,
        &[Kw("show"), Kw("ip"), Kw("interface"), Kw("brief")],
        Act::ShowIpv4Brief,
    ),
    cmd(
        EXEC | ANY_CONF,
        &[Kw("show"), Kw("running-config")],
        Act::ShowRunning,
    ),
    cmd(EXEC, &[Kw("show"), Kw("clock")], Act::ShowClock),
    cmd(
        ANY_CONF,
        &[Kw("show"), Kw("configuration")],
        Act::ShowConfiguration,
    ),
    cmd(
        EXEC,
        &[Kw("terminal"), Kw("length"), Num(0, 512)],
        Act::TermLength,
    ),
    cmd(
        EXEC,
        &[Kw("terminal"), Kw("width"), Num(0, 512)],
        Act::TermWidth,
    ),
    cmd(
        EXEC,
        &[Kw("terminal"), Kw("exec"), Kw("prompt"), Kw("no-timestamp")],
        Act::NoTimestamp,
    ),
    cmd(
        EXEC,
        &[Kw("terminal"), Kw("exec"), Kw("prompt"), Kw("timestamp")],
        Act::Timestamp,
    ),
    cmd(EXEC, &[Kw("configure")], Act::Configure),
    cmd(EXEC, &[Kw("configure"), Kw("terminal")], Act::Configure),
    cmd(EXEC, &[Kw("exit")], Act::Logout),
    cmd(EXEC, &[Kw("logout")], Act::Logout),
    cmd(ANY_CONF, &[Kw("hostname"), Word], Act::Hostname),
    cmd(ANY_CONF, &[Kw("interface"), Rest], Act::Interface),
    cmd(ANY_CONF, &[Kw("commit")], Act::Commit),
    // Seconds until the rollback (not emulated) unless confirmed.
    cmd(
        ANY_CONF,
        &[Kw("commit"), Kw("confirmed"), Num(30, 65535)],
        Act::CommitConfirmed,
    ),
    cmd(ANY_CONF, &[Kw("abort")], Act::Abort),
    cmd(ANY_CONF, &[Kw("exit")], Act::Exit),
    cmd(ANY_CONF, &[Kw("end")], Act::End),
    cmd(ANY_CONF, &[Kw("do"), Rest], Act::Do),
    cmd(CONF_IF, &[Kw("description"), Rest], Act::Description),
    cmd(CONF_IF, &[Kw("no"), Kw("description")], Act::NoDescription),
    cmd(CONF_IF, &[Kw("shutdown")], Act::Shutdown),
    cmd(CONF_IF, &[Kw("no"), Kw("shutdown")], Act::NoShutdown),
    cmd(
        CONF_IF,
        &[Kw("ipv4"), Kw("address"), Word, Word],
        Act::Ipv4Address,
    ),
    cmd(CONF_IF, &[Kw("ipv4"), Kw("address"), Word], Act::Ipv4Prefix),
    cmd(
        CONF_IF,
        &[Kw("no"), Kw("ipv4"), Kw("address")],
        Act::NoIpv4Address,
    ),
];

const FILTERS: &[(&str, FilterKind)] = &[
    ("include", FilterKind::Include),
    ("exclude", FilterKind::Exclude),
    ("begin", FilterKind::Begin),
    ("count", FilterKind::Count),
];

static CLI: Cli<Act> = Cli {
    tables: &[SYNTAX],
    filters: FILTERS,
};

const INTERFACE_TYPES: &[(&str, &str)] = &[
    ("GigabitEthernet", "GigabitEthernet"),
    ("TenGigE", "TenGigE"),
    ("HundredGigE", "HundredGigE"),
    ("Bundle-Ether", "Bundle-Ether"),
    ("BE", "Bundle-Ether"),
    ("Loopback", "Loopback"),
    ("MgmtEth", "MgmtEth"),
    ("BVI", "BVI"),
];

/// The interface types `interface` creates.
const CREATABLE: &[&str] = &["Loopback", "Bundle-Ether", "BVI"];

fn interpret(cfg: &Arc<Config>, ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(
        |ctx| XrState::new(cfg, ctx.hostname()),
        |st, ctx| {
            let mask = st.mode.mask();
            run_line(cfg, st, ctx, line, mask, 0)
        },
    )
}

fn invalid(ctx: &DeviceContext, column: usize) -> String {
    format!(
        "{}% Invalid input detected at '^' marker.\n",
        caret(ctx, column)
    )
}

/// Runs `line` in the modes of `mask`; `base` is the column where it
/// starts on the typed line (after `do `).
fn run_line(
    cfg: &Arc<Config>,
    st: &mut XrState,
    ctx: &mut DeviceContext,
    line: &str,
    mask: u32,
    base: usize,
) -> String {
    // Exec commands (and their errors) start with a timestamp.
    let mut stamped = mask == EXEC && st.timestamps && !line.trim().is_empty();
    let stamp_text = if stamped {
        format!("{}\n", stamp(&Clock::now()))
    } else {
        String::new()
    };
    let error = |ctx: &DeviceContext, command: &str, err| match err {
        LineError::BadFilter(column) => invalid(ctx, base + column),
        LineError::Invalid(spot) => invalid(ctx, base + spot.column),
        LineError::Incomplete(_) => "% Incomplete command.\n".to_owned(),
        LineError::Ambiguous(_) => format!("% Ambiguous command:  \"{}\"\n", command.trim()),
    };
    let text = CLI.run(ctx, line, mask, error, |ctx, act, args, _| {
        if matches!(
            act,
            Act::NoTimestamp | Act::Timestamp | Act::TermLength | Act::TermWidth
        ) {
            // Terminal settings print nothing, not even the stamp.
            stamped = false;
        }
        execute(cfg, st, ctx, act, args, base)
    });
    match text {
        Some(text) if stamped => stamp_text + &text,
        Some(text) => text,
        None => String::new(),
    }
}

fn execute(
    cfg: &Arc<Config>,
    st: &mut XrState,
    ctx: &mut DeviceContext,
    act: Act,
    args: &Args<'_>,
    base: usize,
) -> String {
    let col = |i: usize| base + args.column(i);
    match act {
        Act::ShowVersion => show_version(cfg, &st.running.hostname),
        Act::ShowIpv4Brief => ipv4_brief(&st.running.interfaces),
        Act::ShowRunning => running_config(cfg, &st.running, &st.last_change, ctx),
        Act::ShowClock => format!("{}\n", stamp(&Clock::now())),
        Act::ShowConfiguration => candidate_diff(cfg, st),
        Act::TermLength => {
            ctx.set_page_lines(Some(args.text(0).parse().unwrap_or(0)));
            String::new()
        }
        Act::TermWidth => String::new(),
        Act::NoTimestamp => {
            st.timestamps = false;
            String::new()
        }
        Act::Timestamp => {
            st.timestamps = true;
            String::new()
        }
        Act::Configure => {
            st.candidate = st.running.clone();
            set_mode(cfg, st, ctx, Mode::Config);
            String::new()
        }
        Act::Logout => logout(ctx),
        Act::Hostname => {
            if !valid_hostname(args.text(0)) {
                return invalid(ctx, col(0));
            }
            st.candidate.hostname = args.text(0).to_owned();
            String::new()
        }
        Act::Interface => {
            let found = find_interface(
                &mut st.candidate.interfaces,
                args.text(0),
                INTERFACE_TYPES,
                |i| &i.name,
                CREATABLE,
                Interface::new,
            );
            match found {
                Ok(i) => {
                    st.current = i;
                    set_mode(cfg, st, ctx, Mode::ConfigIf);
                    String::new()
                }
                Err(IfError::Missing) => {
                    invalid(ctx, col(0) + args.text(0).chars().count().saturating_sub(1))
                }
                Err(IfError::Ambiguous) => {
                    format!("% Ambiguous command:  \"{}\"\n", ctx.line().trim())
                }
                Err(IfError::NoNumber | IfError::BadNumber { .. }) => {
                    "% Incomplete command.\n".to_owned()
                }
                Err(IfError::UnknownType { .. }) => invalid(ctx, col(0)),
            }
        }
        Act::Commit | Act::CommitConfirmed => {
            if st.candidate != st.running {
                st.running = st.candidate.clone();
                st.last_change = stamp(&Clock::now());
            }
            let mode = st.mode;
            set_mode(cfg, st, ctx, mode);
            String::new()
        }
        Act::Abort => {
            st.candidate = st.running.clone();
            set_mode(cfg, st, ctx, Mode::Exec);
            String::new()
        }
        Act::Exit if st.mode == Mode::ConfigIf => {
            set_mode(cfg, st, ctx, Mode::Config);
            String::new()
        }
        Act::Exit | Act::End => leave(cfg, st, ctx),
        Act::Do => {
            let mode = st.mode;
            let text = run_line(cfg, st, ctx, args.text(0), EXEC, col(0));
            if st.mode != mode && !ctx.is_closing() {
                set_mode(cfg, st, ctx, mode);
            }
            text
        }
        _ => interface_command(st, ctx, act, args, base),
    }
}

fn leave(cfg: &Arc<Config>, st: &mut XrState, ctx: &mut DeviceContext) -> String {
    if st.candidate == st.running || !cfg.confirm_uncommitted_exit {
        st.candidate = st.running.clone();
        set_mode(cfg, st, ctx, Mode::Exec);
        return String::new();
    }
    let shared = Arc::clone(cfg);
    ctx.read_line(false, move |ctx, answer| {
        let answer = answer.trim().to_ascii_lowercase();
        ctx.with_state(
            |ctx| XrState::new(&shared, ctx.hostname()),
            |st, ctx| {
                if !answer.is_empty() && "yes".starts_with(&answer) {
                    st.running = st.candidate.clone();
                    st.last_change = stamp(&Clock::now());
                    set_mode(&shared, st, ctx, Mode::Exec);
                } else if !answer.is_empty() && "no".starts_with(&answer) {
                    st.candidate = st.running.clone();
                    set_mode(&shared, st, ctx, Mode::Exec);
                }
                String::new()
            },
        )
    });
    "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:".to_owned()
}

fn interface_command(
    st: &mut XrState,
    ctx: &DeviceContext,
    act: Act,
    args: &Args<'_>,
    base: usize,
) -> String {
    let col = |i: usize| base + args.column(i);
    let edit = match act {
        Act::Description => IfEdit::Description(Some(args.text(0).to_owned())),
        Act::NoDescription => IfEdit::Description(None),
        Act::Shutdown => IfEdit::Shutdown(true),
        Act::NoShutdown => IfEdit::Shutdown(false),
        Act::Ipv4Address => match parse_address_mask(args.text(0), args.text(1)) {
            Ok(address) => IfEdit::Address(Some(address)),
            Err(bad) => return invalid(ctx, col(bad)),
        },
        Act::Ipv4Prefix => match parse_prefix(args.text(0)) {
            Some(address) => IfEdit::Address(Some(address)),
            None => return invalid(ctx, col(0)),
        },
        _ => IfEdit::Address(None),
    };
    if let Some(iface) = st.candidate.interfaces.get_mut(st.current) {
        iface.apply(edit);
    }
    String::new()
}

fn show_version(cfg: &Config, hostname: &str) -> String {
    format!(
        "Cisco IOS XR Software, Version {version}
Copyright (c) 2013-2023 by Cisco Systems, Inc.

Build Information:
 Built By     : swtools
 Built On     : Thu Aug 10 14:12:33 PDT 2023
 Built Host   : iox-ucs-031
 Workspace    : /auto/srcarchive13/prod/{version}/asr9k-x64/ws
 Version      : {version}
 Location     : /opt/cisco/XR/packages/
 Label        : {version}

cisco ASR9K () processor
System uptime is 41 weeks 2 days 3 hours 12 minutes

{hostname} uptime is 41 weeks, 2 days, 3 hours, 12 minutes
Configuration register on node {node} is 0x1922
",
        version = cfg.version,
        node = cfg.node,
    )
}

fn ipv4_brief(interfaces: &[Interface]) -> String {
    let mut out = String::from(
        "\nInterface                      IP-Address      Status          Protocol Vrf-Name\n",
    );
    for i in interfaces {
        let ip = i
            .address
            .map_or("unassigned".to_owned(), |(a, _)| a.to_string());
        let (status, protocol) = if i.shutdown {
            ("Shutdown", "Down")
        } else {
            ("Up", "Up")
        };
        let _ = writeln!(
            out,
            "{}{}{}{}default",
            pad(&i.name, 31),
            pad(&ip, 16),
            pad(status, 16),
            pad(protocol, 9)
        );
    }
    out
}

fn interface_lines(i: &Interface, out: &mut String) {
    let _ = writeln!(out, "interface {}", i.name);
    if let Some(d) = &i.description {
        let _ = writeln!(out, " description {d}");
    }
    if let Some((a, l)) = i.address {
        let _ = writeln!(out, " ipv4 address {a} {}", len_mask(l));
    }
    if i.shutdown {
        out.push_str(" shutdown\n");
    }
    out.push_str("!\n");
}

fn running_config(cfg: &Config, running: &XrConfig, changed: &str, ctx: &DeviceContext) -> String {
    let mut out = format!(
        "Building configuration...\n!! IOS XR Configuration {}\n!! Last configuration change at {changed} by {}\n!\nhostname {}\nusername admin\n group root-lr\n group cisco-support\n secret 10 $6$Vg4nZ0$VYhr8Ub1bNwGZk\n!\n",
        cfg.version,
        ctx.username().unwrap_or("admin"),
        running.hostname
    );
    for i in &running.interfaces {
        interface_lines(i, &mut out);
    }
    out.push_str("router static\n address-family ipv4 unicast\n  0.0.0.0/0 192.168.122.1\n !\n!\nssh server v2\ntelnet vrf default ipv4 server max-servers 10\nend\n");
    out
}

fn candidate_diff(cfg: &Config, st: &XrState) -> String {
    let mut out = format!(
        "Building configuration...\n!! IOS XR Configuration {}\n",
        cfg.version
    );
    if st.candidate.hostname != st.running.hostname {
        let _ = writeln!(out, "hostname {}", st.candidate.hostname);
    }
    for i in &st.candidate.interfaces {
        if !st.running.interfaces.contains(i) {
            interface_lines(i, &mut out);
        }
    }
    out.push_str("end\n");
    out
}

#[cfg(test)]
mod tests;
