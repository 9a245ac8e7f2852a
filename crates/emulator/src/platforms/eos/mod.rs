//! An Arista EOS emulator.
//!
//! [`device`] returns a [`VirtualDevice`] that behaves like a vEOS-lab
//! switch running EOS 4.31 over Telnet:
//!
//! - login: `<host> login: `, `Password: `, `Login incorrect` (three
//!   tries), `Last login: …`, then `host>`; EOS prints no vendor banner
//!   before login unless one is configured ([`EosEmulator::login_banner`]),
//!   so a client recognises EOS from `show version` (`Arista vEOS-lab`);
//! - `enable` (asks `Password: ` when an enable secret is configured,
//!   `% Access denied` when it is wrong) to `host#`, `disable`;
//! - `show version`, `show ip interface brief`, `show interfaces status`,
//!   `show running-config` and `show startup-config` (privileged),
//!   `show clock`, `show hostname` — in every mode —, `terminal dont-ask`,
//!   `terminal length` (`Pagination disabled.`), `terminal width`,
//!   `copy running-config startup-config`, `write memory`,
//!   `exit`/`logout`/`quit` (end the session);
//! - `configure` / `configure terminal` to `host(config)#`, `interface
//!   Ethernet1` (or `et1`) to `host(config-if-Et1)#` (loopbacks,
//!   port-channels and VLAN interfaces are created), `description`,
//!   `shutdown`, `no shutdown`, `switchport`, `no switchport`,
//!   `ip address A/len`, `no ip address`, `hostname` (the prompt follows
//!   at once), `exit`, `end`;
//! - errors as EOS words them: `% Invalid input (at token 1: 'foo')`,
//!   `% Invalid input (privileged mode required)`, `% Incomplete
//!   command`, `% Ambiguous command`;
//! - filters `| include`, `| exclude`, `| begin`, `| count`, `| no-more`;
//! - paging at ` --More-- ` (24 lines by default), erased with
//!   backspaces, blanks and backspaces.
//!
//! ```
//! use oxscript_emulator::eos;
//!
//! let device = eos::device("leaf1")
//!     .with_credentials("admin", "Arista-1")
//!     .with_enable_password("Arista-en1");
//! let mut session = device.session();
//! assert_eq!(session.start().text, "\r\nleaf1 login: ");
//! session.feed(b"admin\r");
//! assert!(session.feed(b"Arista-1\r").text.ends_with("\r\nleaf1>"));
//! assert!(session.feed(b"enable\r").text.ends_with("Password: "));
//! assert!(session.feed(b"Arista-en1\r").text.ends_with("leaf1#"));
//! assert!(session.feed(b"conf\r").text.ends_with("leaf1(config)#"));
//! assert!(session.feed(b"int et1\r").text.ends_with("leaf1(config-if-Et1)#"));
//! ```

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::context::DeviceContext;
use crate::device::VirtualDevice;
use crate::platforms::common::{
    ANY_CONF, Args, CONF, CONF_IF, Cli, Clock, Common, EXEC, GREP_STYLE_FILTERS, IfError,
    Interface, LineError, Mode, PRIV, Parsed, PortCmd, SwitchPort, Syntax, Tok, abbreviate,
    ask_enable_password, cmd, emulate, interface_setters, logout, pad, paging_setters,
    parse_prefix, port_syntax, valid_hostname, words,
};

/// An EOS emulator named `hostname` with the default interfaces
/// (`Ethernet1` to `Ethernet4`, `Loopback0`, `Management1`).
pub fn device(hostname: &str) -> VirtualDevice {
    EosEmulator::new(hostname).build()
}

/// Builds an EOS [`VirtualDevice`].
///
/// ```
/// use oxscript_emulator::eos::EosEmulator;
///
/// let device = EosEmulator::new("spine1")
///     .model("DCS-7280SR-48C6")
///     .privileged(true)
///     .login_banner("Authorized access only")
///     .build();
/// assert_eq!(device.prompt(), "spine1#");
/// ```
#[derive(Clone, Debug)]
pub struct EosEmulator {
    common: Common,
    model: String,
    version: String,
    serial: String,
    privileged: bool,
    login_banner: Option<String>,
}

impl EosEmulator {
    /// A vEOS-lab switch named `hostname` running EOS 4.31.2F, with the
    /// default interfaces, paging at 24 lines, sessions starting in
    /// unprivileged mode (`host>`).
    pub fn new(hostname: impl Into<String>) -> Self {
        let interfaces = vec![
            Interface::new("Ethernet1")
                .with_description("uplink to spine1")
                .with_address(Ipv4Addr::new(10, 0, 12, 1), 30),
            Interface::new("Ethernet2").with_description("server-41"),
            Interface::new("Ethernet3"),
            Interface::new("Ethernet4").with_shutdown(true),
            Interface::new("Loopback0").with_address(Ipv4Addr::new(10, 255, 255, 13), 32),
            Interface::new("Management1").with_address(Ipv4Addr::new(192, 168, 122, 13), 24),
        ];
        EosEmulator {
            common: Common::new(hostname.into(), interfaces),
            model: "vEOS-lab".to_owned(),
            version: "4.31.2F".to_owned(),
            serial: "5A8D0C2B1F3E".to_owned(),
            privileged: false,
            login_banner: None,
        }
    }

    /// Sets the model (`vEOS-lab`, `DCS-7050SX3-48YC8`, `cEOSLab`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the EOS release (default `4.31.2F`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    interface_setters!();
    paging_setters!("terminal length 0");

    /// Whether sessions start in privileged mode (`host#`), as for a user
    /// with privilege 15.
    pub fn privileged(mut self, privileged: bool) -> Self {
        self.privileged = privileged;
        self
    }

    /// Shows `text` before the login prompt (EOS `banner login`).
    pub fn login_banner(mut self, text: impl Into<String>) -> Self {
        self.login_banner = Some(text.into());
        self
    }

    /// The device.
    pub fn build(self) -> VirtualDevice {
        let start = Mode::after_login(self.privileged);
        let banner = match &self.login_banner {
            Some(text) => format!("{text}\n"),
            None => "\n".to_owned(),
        };
        let host = &self.common.hostname;
        let device = self
            .common
            .device()
            .with_banner(banner)
            .with_username_prompt(format!("{host} login: "))
            .with_password_prompt("Password: ")
            .with_login_failure_message("\nLogin incorrect")
            .with_prompt(prompt(start, host, ""))
            .with_more_prompt(" --More-- ");
        let cfg = Config {
            model: self.model,
            version: self.version,
            serial: self.serial,
            interfaces: SwitchPort::from_definitions(self.common.interfaces),
            start,
        };
        emulate(device, cfg, login, interpret)
    }
}

#[derive(Debug)]
struct Config {
    model: String,
    version: String,
    serial: String,
    interfaces: Vec<SwitchPort>,
    start: Mode,
}

fn login(cfg: &Arc<Config>, ctx: &mut DeviceContext) -> String {
    let mut st = EosState::new(cfg, ctx.hostname());
    set_mode(&mut st, ctx, cfg.start);
    ctx.insert_state(st);
    format!("Last login: {} from 192.0.2.10", Clock::now().ctime())
}

const ENABLED: u32 = PRIV | CONF | CONF_IF;
const ALL: u32 = EXEC | ENABLED;

/// The prompt of `mode`; the interface prompt names the interface.
fn prompt(mode: Mode, host: &str, interface: &str) -> String {
    match mode {
        Mode::Exec => format!("{host}>"),
        Mode::Privileged => format!("{host}#"),
        Mode::Config => format!("{host}(config)#"),
        Mode::ConfigIf => format!("{host}(config-if-{interface})#"),
    }
}

#[derive(Debug)]
struct EosState {
    mode: Mode,
    ports: Vec<SwitchPort>,
    current: usize,
    /// The saved configuration (`show startup-config`), as it was at
    /// login until `copy running-config startup-config`.
    startup: String,
}

impl EosState {
    /// A session's state as the device boots, named `hostname`.
    fn new(cfg: &Config, hostname: &str) -> Self {
        let mut st = EosState {
            mode: cfg.start,
            ports: cfg.interfaces.clone(),
            current: 0,
            startup: String::new(),
        };
        st.startup = running_config(cfg, &st, hostname);
        st
    }
}

/// The short interface names of prompts and `show interfaces status`.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("Ethernet", "Et"),
    ("Management", "Ma"),
    ("Loopback", "Lo"),
    ("Port-Channel", "Po"),
    ("Vlan", "Vl"),
];

fn short_name(name: &str) -> String {
    abbreviate(name, SHORT_NAMES)
}

fn set_mode(st: &mut EosState, ctx: &mut DeviceContext, mode: Mode) {
    st.mode = mode;
    let interface = st
        .ports
        .get(st.current)
        .map(|p| short_name(&p.iface.name))
        .unwrap_or_default();
    let prompt = prompt(mode, ctx.hostname(), &interface);
    ctx.set_prompt(prompt);
    ctx.set_privileged(mode != Mode::Exec);
    ctx.set_mode(mode.name());
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    Enable,
    Disable,
    Logout,
    ShowVersion,
    ShowIpInterfaceBrief,
    ShowInterfacesStatus,
    ShowRunning,
    ShowStartup,
    ShowClock,
    ShowHostname,
    DontAsk,
    TermLength,
    TermWidth,
    Configure,
    CopyRunStart,
    Hostname,
    Interface,
    Exit,
    End,
    Port(PortCmd),
}

use Tok::{Kw, Num, Rest, Word};

static SYNTAX: &[Syntax<Act>] = &[
    cmd(EXEC | PRIV, &[Kw("enable")], Act::Enable),
    cmd(PRIV, &[Kw("disable")], Act::Disable),
    cmd(EXEC | PRIV, &[Kw("exit")], Act::Logout),
    cmd(EXEC | PRIV, &[Kw("logout")], Act::Logout),
    cmd(EXEC | PRIV, &[Kw("quit")], Act::Logout),
    cmd(ALL, &[Kw("show"), Kw("version")], Act::ShowVersion),
    cmd(
        ALL,
        &[Kw("show"), Kw("ip"), Kw("interface"), Kw("brief")],
        Act::ShowIpInterfaceBrief,
    ),
    cmd(
        ALL,
        &[Kw("show"), Kw("interfaces"), Kw("status")],
        Act::ShowInterfacesStatus,
    ),
    cmd(
        ENABLED,
        &[Kw("show"), Kw("running-config")],
        Act::ShowRunning,
    ),
    cmd(
        ENABLED,
        &[Kw("show"), Kw("startup-config")],
        Act::ShowStartup,
    ),
    cmd(ALL, &[Kw("show"), Kw("clock")], Act::ShowClock),
    cmd(ALL, &[Kw("show"), Kw("hostname")], Act::ShowHostname),
    cmd(EXEC | PRIV, &[Kw("terminal"), Kw("dont-ask")], Act::DontAsk),
    cmd(
        EXEC | PRIV,
        &[Kw("terminal"), Kw("length"), Num(0, 32767)],
        Act::TermLength,
    ),
    cmd(
        EXEC | PRIV,
        &[Kw("terminal"), Kw("width"), Num(10, 32767)],
        Act::TermWidth,
    ),
    cmd(PRIV, &[Kw("configure")], Act::Configure),
    cmd(PRIV, &[Kw("configure"), Kw("terminal")], Act::Configure),
    cmd(
        PRIV,
        &[Kw("copy"), Kw("running-config"), Kw("startup-config")],
        Act::CopyRunStart,
    ),
    cmd(PRIV, &[Kw("write")], Act::CopyRunStart),
    cmd(PRIV, &[Kw("write"), Kw("memory")], Act::CopyRunStart),
    cmd(ANY_CONF, &[Kw("hostname"), Word], Act::Hostname),
    cmd(ANY_CONF, &[Kw("interface"), Rest], Act::Interface),
    cmd(ANY_CONF, &[Kw("exit")], Act::Exit),
    cmd(ANY_CONF, &[Kw("end")], Act::End),
];

port_syntax!(Act, Act::Port, CONF_IF);

/// EOS and NX-OS share their interface commands and output filters.
static CLI: Cli<Act> = Cli {
    tables: &[SYNTAX, PORT_SYNTAX],
    filters: GREP_STYLE_FILTERS,
};

const INTERFACE_TYPES: &[(&str, &str)] = &[
    ("Ethernet", "Ethernet"),
    ("Management", "Management"),
    ("Loopback", "Loopback"),
    ("Port-Channel", "Port-Channel"),
    ("Vlan", "Vlan"),
];

/// The interface types `interface` creates (as routed ports).
const CREATABLE: &[&str] = &["Loopback", "Port-Channel", "Vlan"];

const INCOMPLETE: &str = "% Incomplete command\n";
const AMBIGUOUS: &str = "% Ambiguous command\n";

fn interpret(cfg: &Arc<Config>, ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(
        |ctx| EosState::new(cfg, ctx.hostname()),
        |st, ctx| run_line(st, cfg, ctx, line),
    )
}

/// `% Invalid input (at token 2: 'bgp')`: `token` is word `word` of the
/// command (0-based).
fn invalid_token(word: usize, token: &str) -> String {
    format!("% Invalid input (at token {word}: '{token}')\n")
}

fn run_line(st: &mut EosState, cfg: &Arc<Config>, ctx: &mut DeviceContext, line: &str) -> String {
    let mask = st.mode.mask();
    let error = |_: &DeviceContext, command: &str, err| match err {
        LineError::BadFilter(_) => "% Invalid input\n".to_owned(),
        LineError::Invalid(spot) => {
            if mask == EXEC && matches!(CLI.parse(PRIV, command), Parsed::Command { .. }) {
                return "% Invalid input (privileged mode required)\n".to_owned();
            }
            let token = words(command).get(spot.word).map_or("", |w| w.1);
            invalid_token(spot.word, token)
        }
        LineError::Incomplete(_) => INCOMPLETE.to_owned(),
        LineError::Ambiguous(_) => AMBIGUOUS.to_owned(),
    };
    CLI.run(ctx, line, mask, error, |ctx, act, args, _| {
        execute(cfg, st, ctx, act, args)
    })
    .unwrap_or_default()
}

fn execute(
    cfg: &Arc<Config>,
    st: &mut EosState,
    ctx: &mut DeviceContext,
    act: Act,
    args: &Args<'_>,
) -> String {
    match act {
        Act::Enable => enable(cfg, st, ctx),
        Act::Disable => {
            set_mode(st, ctx, Mode::Exec);
            String::new()
        }
        Act::Logout => logout(ctx),
        Act::ShowVersion => show_version(cfg),
        Act::ShowIpInterfaceBrief => ip_interface_brief(&st.ports),
        Act::ShowInterfacesStatus => interfaces_status(&st.ports),
        Act::ShowRunning => running_config(cfg, st, ctx.hostname()),
        Act::ShowStartup => st.startup.replacen(
            "! Command: show running-config",
            "! Command: show startup-config",
            1,
        ),
        Act::ShowClock => format!(
            "{}\nTimezone: UTC\nClock source: local\n",
            Clock::now().ctime()
        ),
        Act::ShowHostname => format!("Hostname: {0}\nFQDN:     {0}\n", ctx.hostname()),
        Act::DontAsk => String::new(),
        Act::TermLength => {
            let n: usize = args.text(0).parse().unwrap_or(0);
            ctx.set_page_lines(Some(n));
            if n == 0 {
                "Pagination disabled.\n".to_owned()
            } else {
                format!("Pagination set to {n} lines.\n")
            }
        }
        Act::TermWidth => format!("Width set to {} columns.\n", args.text(0)),
        Act::Configure => {
            set_mode(st, ctx, Mode::Config);
            String::new()
        }
        Act::CopyRunStart => {
            st.startup = running_config(cfg, st, ctx.hostname());
            "Copy completed successfully.\n".to_owned()
        }
        Act::Hostname => {
            if !valid_hostname(args.text(0)) {
                return "% Invalid input\n".to_owned();
            }
            ctx.set_hostname(args.text(0));
            let mode = st.mode;
            set_mode(st, ctx, mode);
            String::new()
        }
        Act::Interface => {
            match SwitchPort::enter(&mut st.ports, args.text(0), INTERFACE_TYPES, CREATABLE) {
                Ok(i) => {
                    st.current = i;
                    set_mode(st, ctx, Mode::ConfigIf);
                    String::new()
                }
                Err(IfError::Missing) => format!("% Interface {} not found\n", args.text(0)),
                Err(IfError::Ambiguous) => AMBIGUOUS.to_owned(),
                Err(IfError::NoNumber | IfError::BadNumber { .. }) => INCOMPLETE.to_owned(),
                Err(IfError::UnknownType { .. }) => {
                    invalid_token(1, words(args.text(0)).first().map_or("", |w| w.1))
                }
            }
        }
        Act::Exit => {
            let mode = st.mode.exit(Mode::Privileged);
            set_mode(st, ctx, mode);
            String::new()
        }
        Act::End => {
            set_mode(st, ctx, Mode::Privileged);
            String::new()
        }
        Act::Port(command) => port_command(st, command, args.text(0)),
    }
}

fn port_command(st: &mut EosState, command: PortCmd, arg: &str) -> String {
    let address = match command {
        PortCmd::IpAddress => match parse_prefix(arg) {
            Some(address) => Some(address),
            None => return invalid_token(2, arg),
        },
        _ => None,
    };
    let Some(port) = st.ports.get_mut(st.current) else {
        return String::new();
    };
    match command {
        PortCmd::Switchport => {
            port.switchport = true;
            port.iface.address = None;
        }
        PortCmd::NoSwitchport => port.switchport = false,
        PortCmd::IpAddress if port.switchport => {
            return "% Address determined by switchport mode; use 'no switchport' first\n"
                .to_owned();
        }
        PortCmd::IpAddress => port.iface.address = address,
        command => {
            if let Some(edit) = command.edit(arg) {
                port.iface.apply(edit);
            }
        }
    }
    String::new()
}

fn enable(cfg: &Arc<Config>, st: &mut EosState, ctx: &mut DeviceContext) -> String {
    if st.mode != Mode::Exec || !ctx.has_enable_password() {
        set_mode(st, ctx, Mode::Privileged);
        return String::new();
    }
    let cfg = Arc::clone(cfg);
    ask_enable_password(
        ctx,
        move |ctx| EosState::new(&cfg, ctx.hostname()),
        |st: &mut EosState, ctx| set_mode(st, ctx, Mode::Privileged),
        "% Access denied\n",
    )
}

fn show_version(cfg: &Config) -> String {
    let build = format!("{}-35442176.{}", cfg.version, cfg.version.replace('.', ""));
    format!(
        "Arista {model}
Hardware version:
Serial number: {serial}
Hardware MAC address: 5254.00b2.9a3c
System MAC address: 5254.00b2.9a3c

Software image version: {version}
Architecture: x86_64
Internal build version: {build}
Internal build ID: 0d7d5b2b-b7b8-4d9b-86f7-1ad9e0a3c4a3
Image format version: 1.0
Image optimization: None

Uptime: 3 weeks, 2 days, 4 hours and 11 minutes
Total memory: 4002148 kB
Free memory: 2722960 kB
",
        model = cfg.model,
        serial = cfg.serial,
        version = cfg.version,
    )
}

fn ip_interface_brief(ports: &[SwitchPort]) -> String {
    let mut out = String::from(
        "                                                                        Address\n\
         Interface         IP Address            Status       Protocol            MTU    Owner\n\
         ----------------- --------------------- ------------ -------------- ----------- -------\n",
    );
    let mut routed: Vec<&SwitchPort> = ports.iter().filter(|p| !p.switchport).collect();
    routed.sort_by(|a, b| a.iface.name.cmp(&b.iface.name));
    for p in routed {
        let address = p
            .iface
            .address
            .map_or("unassigned".to_owned(), |(a, l)| format!("{a}/{l}"));
        let (status, protocol) = if p.iface.shutdown {
            ("admin down", "down")
        } else {
            ("up", "up")
        };
        let mtu = if p.iface.name.starts_with("Loopback") {
            "65535"
        } else {
            "1500"
        };
        let _ = writeln!(
            out,
            "{}{}{}{}{:>11}",
            pad(&p.iface.name, 18),
            pad(&address, 22),
            pad(status, 13),
            pad(protocol, 15),
            mtu
        );
    }
    out
}

fn interfaces_status(ports: &[SwitchPort]) -> String {
    let mut out = String::from(
        "Port       Name              Status       Vlan     Duplex Speed  Type            Flags Encapsulation\n",
    );
    for p in ports
        .iter()
        .filter(|p| p.iface.name.starts_with("Ethernet"))
    {
        let status = if p.iface.shutdown {
            "disabled"
        } else {
            "connected"
        };
        let vlan = if p.switchport { "1" } else { "routed" };
        let name: String = p
            .iface
            .description
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(17)
            .collect();
        let _ = writeln!(
            out,
            "{}{}{}{}full   1G     EbraTestPhyPort",
            pad(&short_name(&p.iface.name), 11),
            pad(&name, 18),
            pad(status, 13),
            pad(vlan, 9)
        );
    }
    out
}

fn running_config(cfg: &Config, st: &EosState, hostname: &str) -> String {
    let mut out = format!(
        "! Command: show running-config\n! device: {hostname} ({}, EOS-{})\n!\n! boot system flash:/vEOS-lab.swi\n!\nno aaa root\n!\nusername admin privilege 15 role network-admin secret sha512 $6$oZ/Y7soa0jnzZY.q$ng59V5ArhD\n!\ntransceiver qsfp default-mode 4x10G\n!\nservice routing protocols model multi-agent\n!\nhostname {hostname}\n!\nspanning-tree mode mstp\n!\n",
        cfg.model, cfg.version
    );
    for p in &st.ports {
        let _ = writeln!(out, "interface {}", p.iface.name);
        if let Some(d) = &p.iface.description {
            let _ = writeln!(out, "   description {d}");
        }
        if p.iface.shutdown {
            out.push_str("   shutdown\n");
        }
        if p.iface.name.starts_with("Ethernet") && !p.switchport {
            out.push_str("   no switchport\n");
        }
        if let Some((a, l)) = p.iface.address {
            let _ = writeln!(out, "   ip address {a}/{l}");
        }
        out.push_str("!\n");
    }
    out.push_str("ip routing\n!\nmanagement telnet\n   no shutdown\n!\nend\n");
    out
}

#[cfg(test)]
mod tests;
