//! A Nokia SR OS emulator (classic CLI).
//!
//! [`device`] returns a [`VirtualDevice`] that behaves like a 7750 SR
//! running SR OS 21.10 with the classic CLI over Telnet:
//!
//! - login: `Login: `, `Password: `, `Login incorrect` (three tries),
//!   then the `SR OS Software` notice and `A:host# `;
//! - `show version` (`TiMOS-B-21.10.R1 …`), `show router interface`,
//!   `show port`, `show system information`, `admin display-config`,
//!   `admin save`, `environment no more` / `environment more`, `logout`
//!   — in every context;
//! - `configure` to `A:host>config# `, `router` to
//!   `A:host>config>router# `, `interface "name"` to
//!   `A:host>config>router>if# ` (`$` instead of `#` while the
//!   interface was just created), `address A/len`, `port 1/1/2`,
//!   `description`, `shutdown`, `no shutdown`, `loopback`; `port 1/1/1`
//!   to `A:host>config>port# `; `system` then `name "x"` (the prompt
//!   follows at once); `info` shows the current context; `exit` goes one
//!   level up, `exit all` back to `A:host# `. A `*` before the prompt
//!   (`*A:host# `) marks changes not saved with `admin save`;
//! - errors under a `^` at the start of the bad word: `Error: Bad
//!   command.`, `Error: Missing parameter`, `Error: Ambiguous command.`,
//!   and `MINOR: CLI …` lines for refused values;
//! - filters `| match`, `| count`;
//! - paging at `Press any key to continue (Q to quit)` (24 lines by
//!   default), erased with a carriage return, blanks and another carriage
//!   return.
//!
//! ```
//! use oxscript_emulator::sros;
//!
//! let device = sros::device("sr1").with_credentials("admin", "Nokia-sr1");
//! let mut session = device.session();
//! assert_eq!(session.start().text, "\r\n\r\nLogin: ");
//! session.feed(b"admin\r");
//! assert!(session.feed(b"Nokia-sr1\r").text.ends_with("\r\nA:sr1# "));
//! assert!(session.feed(b"configure\r").text.ends_with("A:sr1>config# "));
//! assert!(session.feed(b"router\r").text.ends_with("A:sr1>config>router# "));
//! assert!(session.feed(b"interface \"to-pe2\"\r").text.ends_with("*A:sr1>config>router>if$ "));
//! assert!(session.feed(b"exit all\r").text.ends_with("*A:sr1# "));
//! ```

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::context::DeviceContext;
use crate::device::VirtualDevice;
use crate::platforms::common::{
    Args, Cli, Clock, Common, FilterKind, IfEdit, Interface, LineError, Syntax, Tok, caret,
    carriage_erase, cmd, emulate, logout, pad, paging_setters, parse_prefix, unquote, upsert,
    upsert_interface, valid_hostname,
};

/// An SR OS emulator named `hostname` with the default ports (`1/1/1`
/// to `1/1/5`) and router interfaces (`system`, `to-core` on `1/1/1`).
pub fn device(hostname: &str) -> VirtualDevice {
    SrosEmulator::new(hostname).build()
}

/// Builds an SR OS [`VirtualDevice`].
///
/// Interfaces named like ports (`1/1/3`) are ports; others are router
/// interfaces, bound to a port with
/// [`router_interface`](SrosEmulator::router_interface).
///
/// ```
/// use oxscript_emulator::Interface;
/// use oxscript_emulator::sros::SrosEmulator;
/// use std::net::Ipv4Addr;
///
/// let device = SrosEmulator::new("pe2")
///     .port(Interface::new("1/1/6").with_description("to-ce6"))
///     .router_interface(
///         Interface::new("to-ce6").with_address(Ipv4Addr::new(10, 6, 0, 1), 31),
///         "1/1/6",
///     )
///     .build();
/// assert_eq!(device.prompt(), "A:pe2# ");
/// ```
#[derive(Clone, Debug)]
pub struct SrosEmulator {
    /// The ports are the interfaces.
    common: Common,
    version: String,
    chassis: String,
    router_interfaces: Vec<RouterIf>,
}

impl SrosEmulator {
    /// A 7750 SR-1 named `hostname` running SR OS 21.10.R1, with the
    /// default ports and interfaces, paging at 24 lines.
    pub fn new(hostname: impl Into<String>) -> Self {
        let ports = vec![
            Interface::new("1/1/1").with_description("to-core"),
            Interface::new("1/1/2"),
            Interface::new("1/1/3").with_shutdown(true),
            Interface::new("1/1/4").with_shutdown(true),
            Interface::new("1/1/5"),
        ];
        SrosEmulator {
            common: Common::new(hostname.into(), ports),
            version: "21.10.R1".to_owned(),
            chassis: "7750 SR-1".to_owned(),
            router_interfaces: vec![
                RouterIf::new(
                    Interface::new("system").with_address(Ipv4Addr::new(10, 255, 255, 16), 32),
                    Some("system".to_owned()),
                ),
                RouterIf::new(
                    Interface::new("to-core").with_address(Ipv4Addr::new(10, 0, 12, 1), 30),
                    Some("1/1/1".to_owned()),
                ),
            ],
        }
    }

    /// Sets the SR OS release (default `21.10.R1`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Sets the chassis (default `7750 SR-1`).
    pub fn chassis(mut self, chassis: impl Into<String>) -> Self {
        self.chassis = chassis.into();
        self
    }

    /// Adds a port such as `1/1/6` (replacing one of the same name); its
    /// address is ignored.
    pub fn port(mut self, port: Interface) -> Self {
        upsert_interface(&mut self.common.interfaces, port);
        self
    }

    /// Adds a router interface bound to `port` (replacing one of the same
    /// name).
    pub fn router_interface(self, interface: Interface, port: impl Into<String>) -> Self {
        self.add_router_interface(RouterIf::new(interface, Some(port.into())))
    }

    /// Adds an interface: a port when its name looks like one (`1/1/6`),
    /// else a router interface without a port.
    pub fn interface(self, interface: Interface) -> Self {
        if is_port_id(&interface.name) {
            self.port(interface)
        } else {
            self.add_router_interface(RouterIf::new(interface, None))
        }
    }

    fn add_router_interface(mut self, entry: RouterIf) -> Self {
        upsert(&mut self.router_interfaces, entry, |r| &r.iface.name);
        self
    }

    /// Removes every port and router interface.
    pub fn without_interfaces(mut self) -> Self {
        self.common.interfaces.clear();
        self.router_interfaces.clear();
        self
    }

    paging_setters!("environment no more");

    /// The device.
    pub fn build(self) -> VirtualDevice {
        let device = self
            .common
            .device()
            .with_banner("\n\n")
            .with_username_prompt("Login: ")
            .with_password_prompt("Password: ")
            .with_login_failure_message("\nLogin incorrect")
            .with_prompt(format!("A:{}# ", self.common.hostname))
            .with_more_prompt(MORE)
            .with_more_erase(carriage_erase(MORE));
        let cfg = Config {
            version: self.version,
            chassis: self.chassis,
            ports: self.common.interfaces,
            router_interfaces: self.router_interfaces,
            page_lines: self.common.page_lines,
        };
        emulate(device, cfg, login, interpret)
    }
}

const MORE: &str = "Press any key to continue (Q to quit)";

const NOTICE: &str = "
 SR OS Software
 Copyright (c) Nokia 2021.  All Rights Reserved.

 Trademarks

 Nokia and the Nokia logo are registered trademarks of Nokia.

 Use of this software is subject to the applicable license agreements.
";

fn is_port_id(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    parts.len() >= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// A router interface.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RouterIf {
    iface: Interface,
    port: Option<String>,
    loopback: bool,
}

impl RouterIf {
    fn new(iface: Interface, port: Option<String>) -> Self {
        RouterIf {
            iface,
            port,
            loopback: false,
        }
    }
}

#[derive(Debug)]
struct Config {
    version: String,
    chassis: String,
    ports: Vec<Interface>,
    router_interfaces: Vec<RouterIf>,
    page_lines: usize,
}

fn login(cfg: &Arc<Config>, ctx: &mut DeviceContext) -> String {
    let mut st = SrState::new(cfg);
    update_prompt(&mut st, ctx);
    ctx.insert_state(st);
    NOTICE.to_owned()
}

/// Where in the command tree the session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Root,
    Config,
    Router,
    RouterIf,
    Port,
    System,
}

const ROOT: u32 = 1;
const CONFIG: u32 = 2;
const ROUTER: u32 = 4;
const RIF: u32 = 8;
const PORT: u32 = 16;
const SYSTEM: u32 = 32;
const ANY: u32 = ROOT | CONFIG | ROUTER | RIF | PORT | SYSTEM;

impl Level {
    fn mask(self) -> u32 {
        match self {
            Level::Root => ROOT,
            Level::Config => CONFIG,
            Level::Router => ROUTER,
            Level::RouterIf => RIF,
            Level::Port => PORT,
            Level::System => SYSTEM,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Level::Root => "",
            Level::Config => ">config",
            Level::Router => ">config>router",
            Level::RouterIf => ">config>router>if",
            Level::Port => ">config>port",
            Level::System => ">config>system",
        }
    }

    fn parent(self) -> Level {
        match self {
            Level::Root | Level::Config => Level::Root,
            Level::Router | Level::Port | Level::System => Level::Config,
            Level::RouterIf => Level::Router,
        }
    }
}

#[derive(Debug)]
struct SrState {
    level: Level,
    ports: Vec<Interface>,
    router_interfaces: Vec<RouterIf>,
    current: usize,
    created: bool,
    unsaved: bool,
}

impl SrState {
    fn new(cfg: &Config) -> Self {
        SrState {
            level: Level::Root,
            ports: cfg.ports.clone(),
            router_interfaces: cfg.router_interfaces.clone(),
            current: 0,
            created: false,
            unsaved: false,
        }
    }
}

fn update_prompt(st: &mut SrState, ctx: &mut DeviceContext) {
    let star = if st.unsaved { "*" } else { "" };
    let end = if st.created { "$" } else { "#" };
    let prompt = format!("{star}A:{}{}{end} ", ctx.hostname(), st.level.path());
    ctx.set_prompt(prompt);
    ctx.set_mode(if st.level == Level::Root {
        "exec"
    } else {
        "config"
    });
}

fn go(st: &mut SrState, ctx: &mut DeviceContext, level: Level, created: bool) {
    st.level = level;
    st.created = created;
    update_prompt(st, ctx);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    ShowVersion,
    ShowRouterInterface,
    ShowPort,
    ShowSystemInformation,
    DisplayConfig,
    Save,
    NoMore,
    More,
    Logout,
    Configure,
    ExitAll,
    Exit,
    Info,
    Router,
    RouterBase,
    Port,
    System,
    Name,
    Interface,
    Address,
    IfPort,
    Description,
    NoDescription,
    Shutdown,
    NoShutdown,
    Loopback,
}

use Tok::{Kw, Rest, Word};

const CONTEXTS: u32 = CONFIG | ROUTER | RIF | PORT | SYSTEM;

static SYNTAX: &[Syntax<Act>] = &[
    cmd(ANY, &[Kw("show"), Kw("version")], Act::ShowVersion),
    cmd(
        ANY,
        &[Kw("show"), Kw("router"), Kw("interface")],
        Act::ShowRouterInterface,
    ),
    cmd(ANY, &[Kw("show"), Kw("port")], Act::ShowPort),
    cmd(
        ANY,
        &[Kw("show"), Kw("system"), Kw("information")],
        Act::ShowSystemInformation,
    ),
    cmd(
        ANY,
        &[Kw("admin"), Kw("display-config")],
        Act::DisplayConfig,
    ),
    cmd(ANY, &[Kw("admin"), Kw("save")], Act::Save),
    cmd(ANY, &[Kw("environment"), Kw("no"), Kw("more")], Act::NoMore),
    cmd(ANY, &[Kw("environment"), Kw("more")], Act::More),
    cmd(ANY, &[Kw("logout")], Act::Logout),
    cmd(ROOT, &[Kw("configure")], Act::Configure),
    cmd(ROOT, &[Kw("exit")], Act::Logout),
    cmd(CONTEXTS, &[Kw("exit"), Kw("all")], Act::ExitAll),
    cmd(CONTEXTS, &[Kw("exit")], Act::Exit),
    cmd(CONTEXTS, &[Kw("info")], Act::Info),
    cmd(CONFIG, &[Kw("router")], Act::Router),
    cmd(CONFIG, &[Kw("router"), Word], Act::RouterBase),
    cmd(CONFIG, &[Kw("port"), Word], Act::Port),
    cmd(CONFIG, &[Kw("system")], Act::System),
    cmd(SYSTEM, &[Kw("name"), Rest], Act::Name),
    cmd(ROUTER, &[Kw("interface"), Rest], Act::Interface),
    cmd(RIF, &[Kw("address"), Word], Act::Address),
    cmd(RIF, &[Kw("port"), Word], Act::IfPort),
    cmd(RIF | PORT, &[Kw("description"), Rest], Act::Description),
    cmd(
        RIF | PORT,
        &[Kw("no"), Kw("description")],
        Act::NoDescription,
    ),
    cmd(RIF | PORT, &[Kw("shutdown")], Act::Shutdown),
    cmd(RIF | PORT, &[Kw("no"), Kw("shutdown")], Act::NoShutdown),
    cmd(RIF, &[Kw("loopback")], Act::Loopback),
];

const FILTERS: &[(&str, FilterKind)] =
    &[("match", FilterKind::Include), ("count", FilterKind::Count)];

static CLI: Cli<Act> = Cli {
    tables: &[SYNTAX],
    filters: FILTERS,
};

fn interpret(cfg: &Arc<Config>, ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(
        |_| SrState::new(cfg),
        |st, ctx| run_line(cfg, st, ctx, line),
    )
}

fn bad_command(ctx: &DeviceContext, column: usize) -> String {
    format!("{}Error: Bad command.\n", caret(ctx, column))
}

fn run_line(cfg: &Config, st: &mut SrState, ctx: &mut DeviceContext, line: &str) -> String {
    let error = |ctx: &DeviceContext, _: &str, err| match err {
        LineError::BadFilter(column) => bad_command(ctx, column),
        LineError::Invalid(spot) => bad_command(ctx, spot.word_column),
        LineError::Incomplete(column) => {
            format!("{}Error: Missing parameter\n", caret(ctx, column + 1))
        }
        LineError::Ambiguous(spot) => format!(
            "{}Error: Ambiguous command.\n",
            caret(ctx, spot.word_column)
        ),
    };
    let mask = st.level.mask();
    CLI.run(ctx, line, mask, error, |ctx, act, args, _| {
        execute(cfg, st, ctx, act, args)
    })
    .unwrap_or_default()
}

fn execute(
    cfg: &Config,
    st: &mut SrState,
    ctx: &mut DeviceContext,
    act: Act,
    args: &Args<'_>,
) -> String {
    match act {
        Act::ShowVersion => format!("{}\n", version_line(cfg)),
        Act::ShowRouterInterface => router_interfaces(&st.router_interfaces),
        Act::ShowPort => show_ports(&st.ports),
        Act::ShowSystemInformation => system_information(cfg, ctx.hostname()),
        Act::DisplayConfig => display_config(cfg, st, ctx.hostname()),
        Act::Save => {
            st.unsaved = false;
            update_prompt(st, ctx);
            "Writing configuration to cf3:\\config.cfg\nSaving configuration ... OK\nCompleted.\n"
                .to_owned()
        }
        Act::NoMore => {
            ctx.set_page_lines(None);
            String::new()
        }
        Act::More => {
            ctx.set_page_lines(Some(cfg.page_lines.max(24)));
            String::new()
        }
        Act::Logout => logout(ctx),
        Act::Configure => {
            go(st, ctx, Level::Config, false);
            String::new()
        }
        Act::ExitAll => {
            go(st, ctx, Level::Root, false);
            String::new()
        }
        Act::Exit => {
            let parent = st.level.parent();
            go(st, ctx, parent, false);
            String::new()
        }
        Act::Info => info(st),
        Act::Router => {
            go(st, ctx, Level::Router, false);
            String::new()
        }
        Act::RouterBase => {
            if unquote(args.text(0)) != "Base" {
                return format!(
                    "MINOR: CLI Router instance \"{}\" does not exist.\n",
                    unquote(args.text(0))
                );
            }
            go(st, ctx, Level::Router, false);
            String::new()
        }
        Act::Port => {
            let id = unquote(args.text(0));
            if !is_port_id(id) {
                return bad_command(ctx, args.column(0));
            }
            match st.ports.iter().position(|p| p.name == id) {
                Some(i) => {
                    st.current = i;
                    go(st, ctx, Level::Port, false);
                    String::new()
                }
                None => format!("MINOR: CLI Port {id} is not provisioned.\n"),
            }
        }
        Act::System => {
            go(st, ctx, Level::System, false);
            String::new()
        }
        Act::Name => {
            let name = unquote(args.text(0));
            if !valid_hostname(name) {
                return format!("MINOR: CLI Invalid system name \"{name}\".\n");
            }
            ctx.set_hostname(name);
            st.unsaved = true;
            update_prompt(st, ctx);
            String::new()
        }
        Act::Interface => {
            let name = unquote(args.text(0));
            if name.is_empty() || name.len() > 32 {
                return bad_command(ctx, args.column(0));
            }
            let created = match st
                .router_interfaces
                .iter()
                .position(|r| r.iface.name == name)
            {
                Some(i) => {
                    st.current = i;
                    false
                }
                None => {
                    st.router_interfaces
                        .push(RouterIf::new(Interface::new(name), None));
                    st.current = st.router_interfaces.len() - 1;
                    st.unsaved = true;
                    true
                }
            };
            go(st, ctx, Level::RouterIf, created);
            String::new()
        }
        _ => context_command(st, ctx, act, args),
    }
}

fn context_command(st: &mut SrState, ctx: &mut DeviceContext, act: Act, args: &Args<'_>) -> String {
    let edit = match act {
        Act::Description => IfEdit::Description(Some(unquote(args.text(0)).to_owned())),
        Act::NoDescription => IfEdit::Description(None),
        Act::Shutdown => IfEdit::Shutdown(true),
        Act::NoShutdown => IfEdit::Shutdown(false),
        Act::Address => match parse_prefix(args.text(0)) {
            Some(address) => IfEdit::Address(Some(address)),
            None => {
                return format!("{}Error: Invalid IP address.\n", caret(ctx, args.column(0)));
            }
        },
        _ => IfEdit::Address(None),
    };
    if st.level == Level::Port {
        let Some(port) = st.ports.get_mut(st.current) else {
            return String::new();
        };
        match act {
            Act::Description | Act::NoDescription | Act::Shutdown | Act::NoShutdown => {
                port.apply(edit);
            }
            _ => return bad_command(ctx, 0),
        }
    } else {
        let port_id = unquote(args.text(0)).to_owned();
        if act == Act::IfPort && !st.ports.iter().any(|p| p.name == port_id) {
            return format!("MINOR: CLI Port {port_id} is not provisioned.\n");
        }
        let Some(rif) = st.router_interfaces.get_mut(st.current) else {
            return String::new();
        };
        match act {
            Act::IfPort => rif.port = Some(port_id),
            Act::Loopback => rif.loopback = true,
            _ => rif.iface.apply(edit),
        }
    }
    st.unsaved = true;
    update_prompt(st, ctx);
    String::new()
}

fn version_line(cfg: &Config) -> String {
    format!(
        "TiMOS-B-{} both/x86_64 Nokia {} Copyright (c) 2000-2021 Nokia.\nAll rights reserved. All use subject to applicable license agreements.\nBuilt on Thu Oct 21 12:01:04 PDT 2021 by builder in /builds/c/2110B/R1/panos/main/sros",
        cfg.version,
        cfg.chassis.split('-').next().unwrap_or(&cfg.chassis)
    )
}

const EQ: &str =
    "===============================================================================\n";
const DASH: &str =
    "-------------------------------------------------------------------------------\n";

fn router_interfaces(list: &[RouterIf]) -> String {
    let mut out = format!(
        "\n{EQ}Interface Table (Router: Base)\n{EQ}Interface-Name                   Adm       Opr(v4/v6)  Mode    Port/SapId\n   IP-Address                                                  PfxState\n{DASH}"
    );
    for r in list {
        let adm = if r.iface.shutdown { "Down" } else { "Up" };
        let opr = if r.iface.shutdown || (r.port.is_none() && !r.loopback) {
            "Down/Down"
        } else {
            "Up/Down"
        };
        let port = if r.loopback {
            "loopback".to_owned()
        } else {
            r.port.clone().unwrap_or_else(|| "n/a".to_owned())
        };
        let _ = writeln!(
            out,
            "{}{}{}{}{port}",
            pad(&r.iface.name, 33),
            pad(adm, 10),
            pad(opr, 12),
            pad("Network", 8)
        );
        match r.iface.address {
            Some((a, l)) => {
                let _ = writeln!(out, "   {}n/a", pad(&format!("{a}/{l}"), 60));
            }
            None => {
                let _ = writeln!(out, "   {}n/a", pad("-", 60));
            }
        }
    }
    let _ = write!(out, "{DASH}Interfaces : {}\n{EQ}", list.len());
    out
}

fn show_ports(ports: &[Interface]) -> String {
    let mut out = format!(
        "\n{EQ}Ports on Slot 1\n{EQ}Port          Admin Link Port    Cfg  Oper LAG/ Port Port Port   C/QS/S/XFP/\nId            State      State   MTU  MTU  Bndl Mode Encp Type   MDIMDX\n{DASH}"
    );
    for p in ports {
        if p.shutdown {
            let _ = writeln!(
                out,
                "{}Down  No   Down    9212 9212    - netw null xcme",
                pad(&p.name, 14)
            );
        } else {
            let _ = writeln!(
                out,
                "{}Up    Yes  Up      9212 9212    - netw null xcme   10GBASE-LR  *",
                pad(&p.name, 14)
            );
        }
    }
    out.push_str(EQ);
    out
}

fn system_information(cfg: &Config, hostname: &str) -> String {
    let now = Clock::now();
    format!(
        "\n{EQ}System Information\n{EQ}System Name            : {hostname}\nSystem Type            : {}\nChassis Topology       : Standalone\nSystem Version         : B-{}\nSystem Contact         :\nSystem Location        :\nSystem Coordinates     :\nSystem Up Time         : 112 days, 06:14:02.31 (hr:min:sec)\n\nSNMP Port              : 161\nSNMP Engine ID         : 0000197f00000cd4e8f7e2e6\nSNMP Max Message Size  : 1500\nSNMP Admin State       : Disabled\nSNMP Oper State        : Disabled\n\nCurrent Time           : {} UTC\n{EQ}",
        cfg.chassis,
        cfg.version,
        now.iso()
    )
}

fn rif_lines(r: &RouterIf, indent: &str, out: &mut String) {
    if let Some(d) = &r.iface.description {
        let _ = writeln!(out, "{indent}description \"{d}\"");
    }
    if let Some((a, l)) = r.iface.address {
        let _ = writeln!(out, "{indent}address {a}/{l}");
    }
    if r.loopback {
        let _ = writeln!(out, "{indent}loopback");
    }
    if let Some(p) = &r.port
        && p != "system"
    {
        let _ = writeln!(out, "{indent}port {p}");
    }
    let _ = writeln!(
        out,
        "{indent}{}",
        if r.iface.shutdown {
            "shutdown"
        } else {
            "no shutdown"
        }
    );
}

fn port_lines(p: &Interface, indent: &str, out: &mut String) {
    if let Some(d) = &p.description {
        let _ = writeln!(out, "{indent}description \"{d}\"");
    }
    let _ = writeln!(
        out,
        "{indent}{}",
        if p.shutdown {
            "shutdown"
        } else {
            "no shutdown"
        }
    );
}

fn info(st: &SrState) -> String {
    let mut out = String::from(DASH);
    match st.level {
        Level::RouterIf => {
            if let Some(r) = st.router_interfaces.get(st.current) {
                rif_lines(r, "            ", &mut out);
            }
        }
        Level::Port => {
            if let Some(p) = st.ports.get(st.current) {
                port_lines(p, "        ", &mut out);
            }
        }
        Level::Router => {
            for r in &st.router_interfaces {
                let _ = writeln!(out, "        interface \"{}\"", r.iface.name);
                rif_lines(r, "            ", &mut out);
                out.push_str("        exit\n");
            }
        }
        _ => {}
    }
    out.push_str(DASH);
    out
}

fn display_config(cfg: &Config, st: &SrState, hostname: &str) -> String {
    let now = Clock::now();
    let mut out = String::new();
    for line in version_line(cfg).lines() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = write!(
        out,
        "# Generated {} {} {:02} {} {} UTC\n\nexit all\nconfigure\n#--------------------------------------------------\necho \"System Configuration\"\n#--------------------------------------------------\n    system\n        name \"{hostname}\"\n    exit\n#--------------------------------------------------\necho \"Port Configuration\"\n#--------------------------------------------------\n",
        now.weekday_name().to_ascii_uppercase(),
        now.month_name().to_ascii_uppercase(),
        now.day,
        now.hms(),
        now.year
    );
    for p in &st.ports {
        let _ = writeln!(out, "    port {}", p.name);
        port_lines(p, "        ", &mut out);
        out.push_str("    exit\n");
    }
    out.push_str("#--------------------------------------------------\necho \"Router (Network Side) Configuration\"\n#--------------------------------------------------\n    router Base\n");
    for r in &st.router_interfaces {
        let _ = writeln!(out, "        interface \"{}\"", r.iface.name);
        rif_lines(r, "            ", &mut out);
        out.push_str("        exit\n");
    }
    out.push_str("    exit\n\nexit all\n\n# Finished\n");
    out
}

#[cfg(test)]
mod tests;
