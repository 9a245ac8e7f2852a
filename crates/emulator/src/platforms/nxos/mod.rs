//! A Cisco NX-OS emulator.
//!
//! [`device`] returns a [`VirtualDevice`] that behaves like a Nexus 9000
//! running NX-OS 9.3 over Telnet:
//!
//! - login: `User Access Verification`, `<host> login: `, `Password: `,
//!   `Login incorrect` (three tries), then the `Cisco Nexus Operating
//!   System (NX-OS) Software` banner and the `host# ` prompt;
//! - `show version`, `show interface brief`, `show ip interface brief`,
//!   `show running-config` (following every change), `show
//!   startup-config`, `show clock`, `show hostname` — in every mode, as
//!   NX-OS allows —, `terminal length`, `terminal width`,
//!   `copy running-config startup-config`, `exit` (ends the session);
//! - `configure terminal` to `host(config)# `, `interface Ethernet1/1`
//!   (or `eth1/1`, `e1/1`; loopbacks, port-channels and VLAN interfaces
//!   are created) to `host(config-if)# `, `description`, `shutdown`,
//!   `no shutdown`, `switchport`, `no switchport`, `ip address A/len` (or
//!   `A M`), `no ip address`, `hostname`/`switchname` (the prompt follows
//!   at once), `feature`, `exit`, `end`, `do`;
//! - errors under a `^` marker: `% Invalid command at '^' marker.`,
//!   `% Invalid parameter detected at '^' marker.`, `% Incomplete
//!   command at '^' marker.`, `% Ambiguous command at '^' marker.`;
//! - filters `| include`, `| exclude`, `| begin`, `| count`, `| no-more`;
//! - paging at ` --More-- ` (24 lines by default), erased with a carriage
//!   return, blanks and another carriage return.
//!
//! ```
//! use oxscript_emulator::nxos;
//!
//! let device = nxos::device("n9k-leaf1").with_credentials("admin", "Nexus123");
//! let mut session = device.session();
//! assert!(session.start().text.ends_with("User Access Verification\r\nn9k-leaf1 login: "));
//! session.feed(b"admin\r");
//! let text = session.feed(b"Nexus123\r").text;
//! assert!(text.contains("Cisco Nexus Operating System (NX-OS) Software"));
//! assert!(text.ends_with("\r\nn9k-leaf1# "));
//! assert!(session.feed(b"conf t\r").text.ends_with("n9k-leaf1(config)# "));
//! assert!(session.feed(b"int eth1/1\r").text.ends_with("n9k-leaf1(config-if)# "));
//! assert!(session.feed(b"end\r").text.ends_with("n9k-leaf1# "));
//! ```

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::context::DeviceContext;
use crate::device::VirtualDevice;
use crate::platforms::common::{
    ANY_CONF, Args, CONF, CONF_IF, Cli, Clock, Common, EXEC, GREP_STYLE_FILTERS, IfError,
    Interface, LineError, Mode, PortCmd, SwitchPort, Syntax, Tok, abbreviate, caret,
    carriage_erase, cmd, emulate, interface_setters, logout, pad, paging_setters,
    parse_address_mask, parse_prefix, port_syntax, valid_hostname,
};

/// An NX-OS emulator named `hostname` with the default interfaces
/// (`mgmt0`, `Ethernet1/1` to `Ethernet1/4`, `loopback0`).
pub fn device(hostname: &str) -> VirtualDevice {
    NxosEmulator::new(hostname).build()
}

/// Builds an NX-OS [`VirtualDevice`].
///
/// ```
/// use oxscript_emulator::nxos::NxosEmulator;
/// use oxscript_emulator::Interface;
///
/// let device = NxosEmulator::new("n9k-spine1")
///     .interface(Interface::new("Ethernet1/48").with_description("to border"))
///     .paging_locked(true)
///     .build()
///     .with_credentials("admin", "pw");
/// assert_eq!(device.prompt(), "n9k-spine1# ");
/// ```
#[derive(Clone, Debug)]
pub struct NxosEmulator {
    common: Common,
    version: String,
    chassis: String,
    serial: String,
}

impl NxosEmulator {
    /// A Nexus 93180YC-EX named `hostname` running NX-OS 9.3(12), with
    /// the default interfaces, paging at 24 lines.
    pub fn new(hostname: impl Into<String>) -> Self {
        let interfaces = vec![
            Interface::new("mgmt0").with_address(Ipv4Addr::new(192, 168, 122, 12), 24),
            Interface::new("Ethernet1/1")
                .with_description("uplink to spine1")
                .with_address(Ipv4Addr::new(10, 0, 12, 1), 30),
            Interface::new("Ethernet1/2").with_description("server-41"),
            Interface::new("Ethernet1/3"),
            Interface::new("Ethernet1/4").with_shutdown(true),
            Interface::new("loopback0").with_address(Ipv4Addr::new(10, 255, 255, 12), 32),
        ];
        NxosEmulator {
            common: Common::new(hostname.into(), interfaces),
            version: "9.3(12)".to_owned(),
            chassis: "Nexus9000 C93180YC-EX".to_owned(),
            serial: "FDO21120U8N".to_owned(),
        }
    }

    /// Sets the NX-OS release (default `9.3(12)`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Sets the chassis shown by `show version` (default `Nexus9000
    /// C93180YC-EX`).
    pub fn chassis(mut self, chassis: impl Into<String>) -> Self {
        self.chassis = chassis.into();
        self
    }

    interface_setters!();
    paging_setters!("terminal length 0");

    /// The device.
    pub fn build(self) -> VirtualDevice {
        let host = &self.common.hostname;
        let device = self
            .common
            .device()
            .with_banner("\n\nUser Access Verification\n")
            .with_username_prompt(format!("{host} login: "))
            .with_password_prompt("Password: ")
            .with_login_failure_message("\nLogin incorrect")
            .with_prompt(format!("{host}# "))
            .with_more_prompt(MORE)
            .with_more_erase(carriage_erase(MORE));
        let cfg = Config {
            version: self.version,
            chassis: self.chassis,
            serial: self.serial,
            interfaces: SwitchPort::from_definitions(self.common.interfaces),
        };
        emulate(device, cfg, login, interpret)
    }
}

const MORE: &str = " --More-- ";

const BANNER: &str = "Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2023, Cisco and/or its affiliates.
All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under their own
licenses, such as open source. This software is provided \"as is,\" and
unless otherwise stated, there is no warranty, express or implied.";

#[derive(Debug)]
struct Config {
    version: String,
    chassis: String,
    serial: String,
    interfaces: Vec<SwitchPort>,
}

fn login(cfg: &Arc<Config>, ctx: &mut DeviceContext) -> String {
    let mut st = NxState::new(cfg, ctx.hostname());
    set_mode(&mut st, ctx, Mode::Exec);
    ctx.insert_state(st);
    format!("\n{BANNER}")
}

const ALL: u32 = EXEC | CONF | CONF_IF;

#[derive(Debug)]
struct NxState {
    mode: Mode,
    ports: Vec<SwitchPort>,
    current: usize,
    features: Vec<String>,
    /// The saved configuration (`show startup-config`), as it was at
    /// login until `copy running-config startup-config`.
    startup: String,
}

impl NxState {
    /// A session's state as the device boots, named `hostname`.
    fn new(cfg: &Config, hostname: &str) -> Self {
        let mut st = NxState {
            mode: Mode::Exec,
            ports: cfg.interfaces.clone(),
            current: 0,
            features: vec!["telnet".to_owned(), "interface-vlan".to_owned()],
            startup: String::new(),
        };
        st.startup = running_config(cfg, &st, hostname);
        st
    }
}

fn set_mode(st: &mut NxState, ctx: &mut DeviceContext, mode: Mode) {
    st.mode = mode;
    let host = ctx.hostname().to_owned();
    // No privileged mode: users log in with every privilege.
    let prompt = match mode {
        Mode::Exec | Mode::Privileged => format!("{host}# "),
        Mode::Config => format!("{host}(config)# "),
        Mode::ConfigIf => format!("{host}(config-if)# "),
    };
    ctx.set_prompt(prompt);
    ctx.set_mode(mode.name());
    ctx.set_privileged(true);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    ShowVersion,
    ShowInterfaceBrief,
    ShowIpInterfaceBrief,
    ShowRunning,
    ShowStartup,
    ShowClock,
    ShowHostname,
    TermLength,
    TermWidth,
    Configure,
    CopyRunStart,
    Logout,
    Hostname,
    Feature,
    NoFeature,
    Interface,
    Exit,
    End,
    Do,
    Port(PortCmd),
    /// `ip address A M` (the prefix form is a [`PortCmd`]).
    IpAddressMask,
}

use Tok::{Kw, Num, Rest, Word};

static SYNTAX: &[Syntax<Act>] = &[
    cmd(ALL, &[Kw("show"), Kw("version")], Act::ShowVersion),
    cmd(
        ALL,
        &[Kw("show"), Kw("interface"), Kw("brief")],
        Act::ShowInterfaceBrief,
    ),
    cmd(
        ALL,
        &[Kw("show"), Kw("ip"), Kw("interface"), Kw("brief")],
        Act::ShowIpInterfaceBrief,
    ),
    cmd(ALL, &[Kw("show"), Kw("running-config")], Act::ShowRunning),
    cmd(ALL, &[Kw("show"), Kw("startup-config")], Act::ShowStartup),
    cmd(ALL, &[Kw("show"), Kw("clock")], Act::ShowClock),
    cmd(ALL, &[Kw("show"), Kw("hostname")], Act::ShowHostname),
    cmd(
        EXEC,
        &[Kw("terminal"), Kw("length"), Num(0, 511)],
        Act::TermLength,
    ),
    cmd(
        EXEC,
        &[Kw("terminal"), Kw("width"), Num(24, 511)],
        Act::TermWidth,
    ),
    cmd(EXEC, &[Kw("configure")], Act::Configure),
    cmd(EXEC, &[Kw("configure"), Kw("terminal")], Act::Configure),
    cmd(
        EXEC,
        &[Kw("copy"), Kw("running-config"), Kw("startup-config")],
        Act::CopyRunStart,
    ),
    cmd(EXEC, &[Kw("exit")], Act::Logout),
    cmd(ANY_CONF, &[Kw("hostname"), Word], Act::Hostname),
    cmd(ANY_CONF, &[Kw("switchname"), Word], Act::Hostname),
    cmd(ANY_CONF, &[Kw("feature"), Word], Act::Feature),
    cmd(ANY_CONF, &[Kw("no"), Kw("feature"), Word], Act::NoFeature),
    cmd(ANY_CONF, &[Kw("interface"), Rest], Act::Interface),
    cmd(ANY_CONF, &[Kw("exit")], Act::Exit),
    cmd(ANY_CONF, &[Kw("end")], Act::End),
    cmd(ANY_CONF, &[Kw("do"), Rest], Act::Do),
    cmd(
        CONF_IF,
        &[Kw("ip"), Kw("address"), Word, Word],
        Act::IpAddressMask,
    ),
];

port_syntax!(Act, Act::Port, CONF_IF);

/// NX-OS and EOS share their interface commands and output filters.
static CLI: Cli<Act> = Cli {
    tables: &[SYNTAX, PORT_SYNTAX],
    filters: GREP_STYLE_FILTERS,
};

const INTERFACE_TYPES: &[(&str, &str)] = &[
    ("Ethernet", "Ethernet"),
    ("loopback", "loopback"),
    ("mgmt", "mgmt"),
    ("port-channel", "port-channel"),
    ("Vlan", "Vlan"),
];

/// The interface types `interface` creates (as routed ports).
const CREATABLE: &[&str] = &["loopback", "port-channel", "Vlan"];

/// The short interface names of `show interface brief`.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("Ethernet", "Eth"),
    ("loopback", "Lo"),
    ("port-channel", "Po"),
];

fn interpret(cfg: &Arc<Config>, ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(
        |ctx| NxState::new(cfg, ctx.hostname()),
        |st, ctx| {
            let mask = st.mode.mask();
            run_line(cfg, st, ctx, line, mask, 0)
        },
    )
}

fn invalid(ctx: &DeviceContext, column: usize) -> String {
    format!("{}% Invalid command at '^' marker.\n", caret(ctx, column))
}

fn bad_parameter(ctx: &DeviceContext, column: usize) -> String {
    format!(
        "{}% Invalid parameter detected at '^' marker.\n",
        caret(ctx, column)
    )
}

/// Runs `line` in the modes of `mask`; `base` is the column where it
/// starts on the typed line (after `do `).
fn run_line(
    cfg: &Config,
    st: &mut NxState,
    ctx: &mut DeviceContext,
    line: &str,
    mask: u32,
    base: usize,
) -> String {
    let error = |ctx: &DeviceContext, _: &str, err| match err {
        LineError::BadFilter(column) => invalid(ctx, base + column),
        LineError::Invalid(spot) => invalid(ctx, base + spot.column),
        LineError::Incomplete(column) => format!(
            "{}% Incomplete command at '^' marker.\n",
            caret(ctx, base + column + 1)
        ),
        LineError::Ambiguous(spot) => format!(
            "{}% Ambiguous command at '^' marker.\n",
            caret(ctx, base + spot.word_column)
        ),
    };
    CLI.run(ctx, line, mask, error, |ctx, act, args, _| {
        execute(cfg, st, ctx, act, args, base)
    })
    .unwrap_or_default()
}

fn execute(
    cfg: &Config,
    st: &mut NxState,
    ctx: &mut DeviceContext,
    act: Act,
    args: &Args<'_>,
    base: usize,
) -> String {
    let col = |i: usize| base + args.column(i);
    match act {
        Act::ShowVersion => show_version(cfg, ctx.hostname()),
        Act::ShowInterfaceBrief => interface_brief(&st.ports),
        Act::ShowIpInterfaceBrief => ip_interface_brief(&st.ports),
        Act::ShowRunning => running_config(cfg, st, ctx.hostname()),
        Act::ShowStartup => st
            .startup
            .replacen("show running-config", "show startup-config", 1),
        Act::ShowClock => {
            let now = Clock::now();
            format!(
                "{}.{:03} UTC {} {} {:02} {}\nTime source is NTP\n",
                now.hms(),
                now.millis,
                now.weekday_name(),
                now.month_name(),
                now.day,
                now.year
            )
        }
        Act::ShowHostname => format!("{}\n", ctx.hostname()),
        Act::TermLength => {
            ctx.set_page_lines(Some(args.text(0).parse().unwrap_or(0)));
            String::new()
        }
        Act::TermWidth => String::new(),
        Act::Configure => {
            set_mode(st, ctx, Mode::Config);
            "Enter configuration commands, one per line. End with CNTL/Z.\n".to_owned()
        }
        Act::CopyRunStart => {
            st.startup = running_config(cfg, st, ctx.hostname());
            "[########################################] 100%\nCopy complete, now saving to disk (please wait)...\nCopy complete.\n".to_owned()
        }
        Act::Logout => logout(ctx),
        Act::Hostname => {
            if !valid_hostname(args.text(0)) {
                return bad_parameter(ctx, col(0));
            }
            ctx.set_hostname(args.text(0));
            let mode = st.mode;
            set_mode(st, ctx, mode);
            String::new()
        }
        Act::Feature => {
            if !st.features.iter().any(|f| f == args.text(0)) {
                st.features.push(args.text(0).to_owned());
            }
            String::new()
        }
        Act::NoFeature => {
            st.features.retain(|f| f != args.text(0));
            String::new()
        }
        Act::Interface => {
            match SwitchPort::enter(&mut st.ports, args.text(0), INTERFACE_TYPES, CREATABLE) {
                Ok(i) => {
                    st.current = i;
                    set_mode(st, ctx, Mode::ConfigIf);
                    String::new()
                }
                Err(IfError::Missing) => format!(
                    "{}% Invalid range at '^' marker.\n",
                    caret(ctx, col(0) + args.text(0).len())
                ),
                Err(IfError::NoNumber | IfError::BadNumber { .. }) => format!(
                    "{}% Invalid interface format at '^' marker.\n",
                    caret(ctx, col(0))
                ),
                Err(IfError::Ambiguous) => {
                    format!("{}% Ambiguous command at '^' marker.\n", caret(ctx, col(0)))
                }
                Err(IfError::UnknownType { .. }) => invalid(ctx, col(0)),
            }
        }
        Act::Exit => {
            let mode = st.mode.exit(Mode::Exec);
            set_mode(st, ctx, mode);
            String::new()
        }
        Act::End => {
            set_mode(st, ctx, Mode::Exec);
            String::new()
        }
        Act::Do => {
            let mode = st.mode;
            let text = run_line(cfg, st, ctx, args.text(0), EXEC, col(0));
            if st.mode != mode && !ctx.is_closing() {
                set_mode(st, ctx, mode);
            }
            text
        }
        Act::Port(_) | Act::IpAddressMask => port_command(st, ctx, act, args, base),
    }
}

/// An interface command ([`Act::Port`] or `ip address A M`).
fn port_command(
    st: &mut NxState,
    ctx: &mut DeviceContext,
    act: Act,
    args: &Args<'_>,
    base: usize,
) -> String {
    const IP_ADDRESS: Act = Act::Port(PortCmd::IpAddress);
    let col = |i: usize| base + args.column(i);
    let address = match act {
        IP_ADDRESS => match parse_prefix(args.text(0)) {
            Some(address) => Some(address),
            None => return bad_parameter(ctx, col(0)),
        },
        Act::IpAddressMask => match parse_address_mask(args.text(0), args.text(1)) {
            Ok(address) => Some(address),
            Err(bad) => return bad_parameter(ctx, col(bad)),
        },
        _ => None,
    };
    let Some(port) = st.ports.get_mut(st.current) else {
        return String::new();
    };
    match act {
        Act::Port(PortCmd::Switchport) => {
            if port.iface.address.is_some() {
                return "ERROR: Configuration has layer 3 configuration, remove it first\n"
                    .to_owned();
            }
            port.switchport = true;
        }
        Act::Port(PortCmd::NoSwitchport) => port.switchport = false,
        IP_ADDRESS | Act::IpAddressMask if port.switchport => {
            return "ERROR: Ip address cannot be configured on a layer 2 interface\n".to_owned();
        }
        IP_ADDRESS | Act::IpAddressMask => port.iface.address = address,
        Act::Port(command) => {
            if let Some(edit) = command.edit(args.text(0)) {
                port.iface.apply(edit);
            }
        }
        _ => {}
    }
    String::new()
}

fn short_name(name: &str) -> String {
    abbreviate(name, SHORT_NAMES)
}

fn show_version(cfg: &Config, hostname: &str) -> String {
    let image = cfg.version.replace(['(', ')'], ".");
    let image = image.trim_end_matches('.');
    format!(
        "{BANNER}

Software
  BIOS: version 05.45
 NXOS: version {version}
  BIOS compile time:  07/05/2021
  NXOS image file is: bootflash:///nxos.{image}.bin
  NXOS compile time:  6/26/2023 11:00:00 [06/27/2023 04:08:09]


Hardware
  cisco {chassis} chassis
  Intel(R) Xeon(R) CPU  @ 1.80GHz with 24569356 kB of memory.
  Processor Board ID {serial}

  Device name: {hostname}
  bootflash:   53298520 kB
Kernel uptime is 112 day(s), 6 hour(s), 14 minute(s), 2 second(s)

Last reset
  Reason: Unknown
  System version: {version}
  Service:

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):
",
        version = cfg.version,
        chassis = cfg.chassis,
        serial = cfg.serial,
    )
}

const RULE: &str =
    "--------------------------------------------------------------------------------\n";

fn interface_brief(ports: &[SwitchPort]) -> String {
    let mut out = String::from("\n");
    let status = |p: &SwitchPort| if p.iface.shutdown { "down" } else { "up" };
    for p in ports.iter().filter(|p| p.iface.name.starts_with("mgmt")) {
        out.push_str(RULE);
        out.push_str(
            "Port   VRF          Status IP Address                              Speed    MTU\n",
        );
        out.push_str(RULE);
        let ip = p
            .iface
            .address
            .map_or("--".to_owned(), |(a, _)| a.to_string());
        let _ = writeln!(
            out,
            "{}{}{}{}1000     1500",
            pad(&p.iface.name, 7),
            pad("--", 13),
            pad(status(p), 7),
            pad(&ip, 40)
        );
        out.push('\n');
    }
    let eth: Vec<&SwitchPort> = ports
        .iter()
        .filter(|p| {
            p.iface.name.starts_with("Ethernet") || p.iface.name.starts_with("port-channel")
        })
        .collect();
    if !eth.is_empty() {
        out.push_str(RULE);
        out.push_str(
            "Ethernet      VLAN    Type Mode   Status  Reason                   Speed     Port\n",
        );
        out.push_str(
            "Interface                                                                    Ch #\n",
        );
        out.push_str(RULE);
        for p in eth {
            let (vlan, mode) = if p.switchport {
                ("1", "access")
            } else {
                ("--", "routed")
            };
            let reason = if p.iface.shutdown {
                "Administratively down"
            } else {
                "none"
            };
            let _ = writeln!(
                out,
                "{}{}{}{}{}{}  10G(D) --",
                pad(&short_name(&p.iface.name), 14),
                pad(vlan, 8),
                pad("eth", 5),
                pad(mode, 7),
                pad(status(p), 8),
                pad(reason, 23),
            );
        }
        out.push('\n');
    }
    let other: Vec<&SwitchPort> = ports
        .iter()
        .filter(|p| p.iface.name.starts_with("loopback") || p.iface.name.starts_with("Vlan"))
        .collect();
    if !other.is_empty() {
        out.push_str(RULE);
        out.push_str("Interface     Secondary VLAN(Type)                    Status Reason\n");
        out.push_str(RULE);
        for p in other {
            let reason = if p.iface.shutdown {
                "Administratively down"
            } else {
                "--"
            };
            let _ = writeln!(
                out,
                "{}{}{}{}",
                pad(&short_name(&p.iface.name), 14),
                pad("--", 40),
                pad(status(p), 7),
                reason
            );
        }
    }
    out
}

fn ip_interface_brief(ports: &[SwitchPort]) -> String {
    let mut out = String::from(
        "IP Interface Status for VRF \"default\"(1)\nInterface            IP Address      Interface Status\n",
    );
    for p in ports {
        let Some((addr, _)) = p.iface.address else {
            continue;
        };
        if p.iface.name.starts_with("mgmt") {
            continue;
        }
        let state = if p.iface.shutdown {
            "protocol-down/link-down/admin-down"
        } else {
            "protocol-up/link-up/admin-up"
        };
        let _ = writeln!(
            out,
            "{}{}{state}",
            pad(&short_name(&p.iface.name), 21),
            pad(&addr.to_string(), 16)
        );
    }
    out
}

fn running_config(cfg: &Config, st: &NxState, hostname: &str) -> String {
    let stamp = Clock::now().ctime();
    let mut out = format!(
        "\n!Command: show running-config\n!Running configuration last done at: {stamp}\n!Time: {stamp}\n\nversion {} Bios:version 05.45\nhostname {hostname}\n",
        cfg.version
    );
    for feature in &st.features {
        let _ = writeln!(out, "feature {feature}");
    }
    out.push_str("\nno password strength-check\nusername admin password 5 $5$Oi1E$dZ8bZ0 role network-admin\nip domain-lookup\ncopp profile strict\n\nvlan 1\n\nvrf context management\n  ip route 0.0.0.0/0 192.168.122.1\n");
    for p in &st.ports {
        let _ = writeln!(out, "\ninterface {}", p.iface.name);
        if let Some(d) = &p.iface.description {
            let _ = writeln!(out, "  description {d}");
        }
        if p.iface.name.starts_with("Ethernet") && !p.switchport {
            out.push_str("  no switchport\n");
        }
        if p.iface.name.starts_with("mgmt") {
            out.push_str("  vrf member management\n");
        }
        if let Some((addr, len)) = p.iface.address {
            let _ = writeln!(out, "  ip address {addr}/{len}");
        }
        if p.iface.name.starts_with("Ethernet") || p.iface.shutdown {
            out.push_str(if p.iface.shutdown {
                "  shutdown\n"
            } else {
                "  no shutdown\n"
            });
        }
    }
    out.push_str("line console\nline vty\nboot nxos bootflash:/nxos.bin\n");
    out
}

#[cfg(test)]
mod tests;
