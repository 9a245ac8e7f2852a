//! A Huawei VRP emulator.
//!
//! [`device`] returns a [`VirtualDevice`] that behaves like an S5720
//! switch running VRP 5.170 over Telnet:
//!
//! - login: `Login authentication`, `Username:`, `Password:`, `Error:
//!   Local authentication is rejected.` (three tries); optionally the
//!   forced password change, `The password needs to be changed. Change
//!   now? [Y/N]: ` ([`VrpEmulator::password_change_prompt`]); then the
//!   `Info: The max number of VTY users is …` lines and `<host>`;
//! - the user view `<host>`: `display version`, `display ip interface
//!   brief`, `display interface brief`, `display current-configuration`,
//!   `display saved-configuration`, `display clock` (in every view, as
//!   VRP allows), `screen-length N temporary` (0 turns paging off),
//!   `screen-width N`, `save`, `system-view`, `quit` (ends the session);
//! - the system view `[host]`: `sysname` (the prompt follows at once),
//!   `interface GigabitEthernet0/0/1` (or `g0/0/1`; `LoopBack`,
//!   `Vlanif` and `Eth-Trunk` interfaces are created) to
//!   `[host-GigabitEthernet0/0/1]`, `vlan N` to `[host-vlanN]`; in an
//!   interface `description`, `undo description`, `shutdown`, `undo
//!   shutdown`, `ip address A M` (or `A len`), `undo ip address`, `port
//!   link-type access|trunk|hybrid`, `port default vlan N`, `port trunk
//!   allow-pass vlan …`; `quit` goes one view up, `return` to the user
//!   view;
//! - errors under a `^` at the start of the bad word: `Error:
//!   Unrecognized command found at '^' position.`, `Error: Wrong parameter
//!   found at '^' position.`, `Error: Incomplete command found at '^'
//!   position.`, `Error: Ambiguous command found at '^' position.`;
//! - filters `| include`, `| exclude`, `| begin`, `| count`;
//! - paging at `  ---- More ----` (24 lines by default), erased as VRP
//!   does it: `ESC [42D`, 42 blanks, `ESC [42D`.
//!
//! ```
//! use oxscript_emulator::vrp;
//!
//! let device = vrp::device("S5720-core").with_credentials("admin", "Huawei@123");
//! let mut session = device.session();
//! assert!(session.start().text.ends_with("Login authentication\r\n\r\n\r\nUsername:"));
//! session.feed(b"admin\r");
//! let text = session.feed(b"Huawei@123\r").text;
//! assert!(text.contains("Info: The max number of VTY users is 5"));
//! assert!(text.ends_with("\r\n<S5720-core>"));
//! assert!(session.feed(b"system-view\r").text.ends_with("\r\n[S5720-core]"));
//! let text = session.feed(b"interface GigabitEthernet0/0/1\r").text;
//! assert!(text.ends_with("[S5720-core-GigabitEthernet0/0/1]"));
//! assert!(session.feed(b"return\r").text.ends_with("\r\n<S5720-core>"));
//! ```

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::context::DeviceContext;
use crate::device::VirtualDevice;
use crate::platforms::common::{
    Args, Cli, Clock, Common, FilterKind, IfEdit, IfError, Interface, LineError, Syntax, Tok,
    abbreviate, caret, cmd, column, emulate, find_interface, interface_setters, len_mask, mask_len,
    pad, paging_setters, valid_hostname, words,
};

/// A VRP emulator named `hostname` with the default interfaces
/// (`MEth0/0/1`, `GigabitEthernet0/0/1` to `0/0/4`, `Vlanif10`,
/// `LoopBack0`).
pub fn device(hostname: &str) -> VirtualDevice {
    VrpEmulator::new(hostname).build()
}

/// Builds a VRP [`VirtualDevice`].
///
/// ```
/// use oxscript_emulator::vrp::VrpEmulator;
///
/// let device = VrpEmulator::new("AR1")
///     .model("AR6120")
///     .password_change_prompt(true)
///     .max_vty_users(10)
///     .build();
/// assert_eq!(device.prompt(), "<AR1>");
/// ```
#[derive(Clone, Debug)]
pub struct VrpEmulator {
    common: Common,
    model: String,
    software: String,
    password_change_prompt: bool,
    max_vty_users: u32,
}

impl VrpEmulator {
    /// An S5720-28X-SI-AC named `hostname` running VRP 5.170
    /// (V200R019C10SPC500), with the default interfaces, paging at 24
    /// lines, no password-change question.
    pub fn new(hostname: impl Into<String>) -> Self {
        let interfaces = vec![
            Interface::new("MEth0/0/1").with_address(Ipv4Addr::new(192, 168, 122, 15), 24),
            Interface::new("GigabitEthernet0/0/1").with_description("uplink to core"),
            Interface::new("GigabitEthernet0/0/2").with_description("server-41"),
            Interface::new("GigabitEthernet0/0/3"),
            Interface::new("GigabitEthernet0/0/4").with_shutdown(true),
            Interface::new("Vlanif10").with_address(Ipv4Addr::new(10, 0, 10, 1), 24),
            Interface::new("LoopBack0").with_address(Ipv4Addr::new(10, 255, 255, 15), 32),
        ];
        VrpEmulator {
            common: Common::new(hostname.into(), interfaces),
            model: "S5720-28X-SI-AC".to_owned(),
            software: "V200R019C10SPC500".to_owned(),
            password_change_prompt: false,
            max_vty_users: 5,
        }
    }

    /// Sets the model (default `S5720-28X-SI-AC`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the software version (default `V200R019C10SPC500`).
    pub fn software(mut self, software: impl Into<String>) -> Self {
        self.software = software.into();
        self
    }

    interface_setters!();
    paging_setters!("screen-length 0 temporary");

    /// Whether the login ends with VRP's forced password-change question
    /// (`Change now? [Y/N]: `), as after a first login with an initial
    /// password. `N` goes on; `Y` asks for the old and the new password.
    pub fn password_change_prompt(mut self, ask: bool) -> Self {
        self.password_change_prompt = ask;
        self
    }

    /// Sets the number in `Info: The max number of VTY users is N`.
    pub fn max_vty_users(mut self, users: u32) -> Self {
        self.max_vty_users = users;
        self
    }

    /// The device.
    pub fn build(self) -> VirtualDevice {
        let device = self
            .common
            .device()
            .with_banner("\n\nLogin authentication\n\n\n")
            .with_username_prompt("Username:")
            .with_password_prompt("Password:")
            .with_login_failure_message("\nError: Local authentication is rejected.\n")
            .with_prompt(format!("<{}>", self.common.hostname))
            .with_more_prompt(MORE)
            .with_more_erase(format!("\x1b[42D{}\x1b[42D", " ".repeat(42)));
        let cfg = Config {
            model: self.model,
            software: self.software,
            interfaces: self.common.interfaces,
            password_change_prompt: self.password_change_prompt,
            max_vty_users: self.max_vty_users,
        };
        emulate(device, cfg, login, interpret)
    }
}

const MORE: &str = "  ---- More ----";

#[derive(Debug)]
struct Config {
    model: String,
    software: String,
    interfaces: Vec<Interface>,
    password_change_prompt: bool,
    max_vty_users: u32,
}

/// An interface and its layer-2 settings.
#[derive(Clone, Debug)]
struct Port {
    iface: Interface,
    link_type: Option<String>,
    default_vlan: Option<u32>,
    trunk_vlans: Option<String>,
}

impl Port {
    fn new(iface: Interface) -> Self {
        Port {
            iface,
            link_type: None,
            default_vlan: None,
            trunk_vlans: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    User,
    System,
    Interface,
    Vlan(u32),
}

const USER: u32 = 1;
const SYS: u32 = 2;
const IF: u32 = 4;
const VLAN: u32 = 8;
const SYS_ANY: u32 = SYS | IF | VLAN;
const ALL: u32 = USER | SYS_ANY;

impl View {
    fn mask(self) -> u32 {
        match self {
            View::User => USER,
            View::System => SYS,
            View::Interface => IF,
            View::Vlan(_) => VLAN,
        }
    }
}

#[derive(Debug)]
struct VrpState {
    view: View,
    ports: Vec<Port>,
    vlans: Vec<u32>,
    current: usize,
    /// The saved configuration (`display saved-configuration`), as it
    /// was at login until `save`.
    saved: String,
}

impl VrpState {
    /// A session's state as the device boots, named `hostname`.
    fn new(cfg: &Config, hostname: &str) -> Self {
        let mut st = VrpState {
            view: View::User,
            ports: cfg.interfaces.iter().cloned().map(Port::new).collect(),
            vlans: vec![10],
            current: 0,
            saved: String::new(),
        };
        st.saved = current_configuration(cfg, &st, hostname);
        st
    }
}

fn set_view(st: &mut VrpState, ctx: &mut DeviceContext, view: View) {
    st.view = view;
    let host = ctx.hostname().to_owned();
    let prompt = match view {
        View::User => format!("<{host}>"),
        View::System => format!("[{host}]"),
        View::Interface => {
            let name = st
                .ports
                .get(st.current)
                .map(|p| p.iface.name.as_str())
                .unwrap_or_default();
            format!("[{host}-{name}]")
        }
        View::Vlan(id) => format!("[{host}-vlan{id}]"),
    };
    ctx.set_prompt(prompt);
    ctx.set_mode(match view {
        View::User => "user-view",
        View::System => "system-view",
        View::Interface => "interface-view",
        View::Vlan(_) => "vlan-view",
    });
}

fn login(cfg: &Arc<Config>, ctx: &mut DeviceContext) -> String {
    let mut st = VrpState::new(cfg, ctx.hostname());
    set_view(&mut st, ctx, View::User);
    ctx.insert_state(st);
    let info = vty_info(cfg);
    if !cfg.password_change_prompt {
        return info;
    }
    ctx.read_line(false, move |ctx, answer| {
        change_password_answer(ctx, answer, info)
    });
    "Warning: The password will expire in 3 days.\nThe password needs to be changed. Change now? [Y/N]: ".to_owned()
}

fn vty_info(cfg: &Config) -> String {
    let now = Clock::now();
    format!(
        "Info: The max number of VTY users is {}, and the number\n      of current VTY users on line is 1.\n      The current login time is {}+00:00.",
        cfg.max_vty_users,
        now.iso()
    )
}

fn change_password_answer(ctx: &mut DeviceContext, answer: &str, info: String) -> String {
    match answer.trim() {
        "N" | "n" => info,
        "Y" | "y" => {
            ctx.read_line(true, move |ctx, _old| {
                ctx.read_line(true, move |ctx, new| {
                    let new = new.to_owned();
                    ctx.read_line(true, move |_ctx, confirm| {
                        if confirm == new {
                            format!("Info: The password has been changed successfully.\n{info}")
                        } else {
                            format!("Error: The passwords do not match.\n{info}")
                        }
                    });
                    "Please confirm new password:".to_owned()
                });
                "Please enter new password:".to_owned()
            });
            "Please enter old password:".to_owned()
        }
        _ => {
            ctx.read_line(false, move |ctx, answer| {
                change_password_answer(ctx, answer, info)
            });
            "The password needs to be changed. Change now? [Y/N]: ".to_owned()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    DisplayVersion,
    DisplayIpIntBrief,
    DisplayIntBrief,
    DisplayCurrent,
    DisplaySaved,
    DisplayClock,
    ScreenLength,
    ScreenWidth,
    Save,
    SystemView,
    Quit,
    Return,
    Sysname,
    Interface,
    Vlan,
    VlanBatch,
    Description,
    UndoDescription,
    Shutdown,
    UndoShutdown,
    IpAddress,
    UndoIpAddress,
    LinkAccess,
    LinkTrunk,
    LinkHybrid,
    DefaultVlan,
    TrunkAllow,
}

use Tok::{Kw, Num, Rest, Word};

static SYNTAX: &[Syntax<Act>] = &[
    cmd(ALL, &[Kw("display"), Kw("version")], Act::DisplayVersion),
    cmd(
        ALL,
        &[Kw("display"), Kw("ip"), Kw("interface"), Kw("brief")],
        Act::DisplayIpIntBrief,
    ),
    cmd(
        ALL,
        &[Kw("display"), Kw("interface"), Kw("brief")],
        Act::DisplayIntBrief,
    ),
    cmd(
        ALL,
        &[Kw("display"), Kw("current-configuration")],
        Act::DisplayCurrent,
    ),
    cmd(
        ALL,
        &[Kw("display"), Kw("saved-configuration")],
        Act::DisplaySaved,
    ),
    cmd(ALL, &[Kw("display"), Kw("clock")], Act::DisplayClock),
    cmd(
        USER,
        &[Kw("screen-length"), Num(0, 512), Kw("temporary")],
        Act::ScreenLength,
    ),
    cmd(USER, &[Kw("screen-width"), Num(80, 512)], Act::ScreenWidth),
    cmd(USER | SYS, &[Kw("save")], Act::Save),
    cmd(USER, &[Kw("system-view")], Act::SystemView),
    cmd(ALL, &[Kw("quit")], Act::Quit),
    cmd(SYS_ANY, &[Kw("return")], Act::Return),
    cmd(SYS, &[Kw("sysname"), Word], Act::Sysname),
    cmd(SYS_ANY, &[Kw("interface"), Rest], Act::Interface),
    cmd(SYS_ANY, &[Kw("vlan"), Num(1, 4094)], Act::Vlan),
    cmd(SYS, &[Kw("vlan"), Kw("batch"), Rest], Act::VlanBatch),
    cmd(IF | VLAN, &[Kw("description"), Rest], Act::Description),
    cmd(
        IF | VLAN,
        &[Kw("undo"), Kw("description")],
        Act::UndoDescription,
    ),
    cmd(IF, &[Kw("shutdown")], Act::Shutdown),
    cmd(IF, &[Kw("undo"), Kw("shutdown")], Act::UndoShutdown),
    cmd(IF, &[Kw("ip"), Kw("address"), Word, Word], Act::IpAddress),
    cmd(
        IF,
        &[Kw("undo"), Kw("ip"), Kw("address")],
        Act::UndoIpAddress,
    ),
    cmd(
        IF,
        &[Kw("port"), Kw("link-type"), Kw("access")],
        Act::LinkAccess,
    ),
    cmd(
        IF,
        &[Kw("port"), Kw("link-type"), Kw("trunk")],
        Act::LinkTrunk,
    ),
    cmd(
        IF,
        &[Kw("port"), Kw("link-type"), Kw("hybrid")],
        Act::LinkHybrid,
    ),
    cmd(
        IF,
        &[Kw("port"), Kw("default"), Kw("vlan"), Num(1, 4094)],
        Act::DefaultVlan,
    ),
    cmd(
        IF,
        &[Kw("port"), Kw("trunk"), Kw("allow-pass"), Kw("vlan"), Rest],
        Act::TrunkAllow,
    ),
];

const FILTERS: &[(&str, FilterKind)] = &[
    ("include", FilterKind::Include),
    ("exclude", FilterKind::Exclude),
    ("begin", FilterKind::Begin),
    ("count", FilterKind::Count),
    ("no-more", FilterKind::NoMore),
];

static CLI: Cli<Act> = Cli {
    tables: &[SYNTAX],
    filters: FILTERS,
};

const INTERFACE_TYPES: &[(&str, &str)] = &[
    ("GigabitEthernet", "GigabitEthernet"),
    ("GE", "GigabitEthernet"),
    ("XGigabitEthernet", "XGigabitEthernet"),
    ("XGE", "XGigabitEthernet"),
    ("LoopBack", "LoopBack"),
    ("Vlanif", "Vlanif"),
    ("MEth", "MEth"),
    ("Eth-Trunk", "Eth-Trunk"),
    ("NULL", "NULL"),
];

/// The interface types `interface` creates.
const CREATABLE: &[&str] = &["LoopBack", "Vlanif", "Eth-Trunk"];

/// The short interface names of `display interface brief`.
const SHORT_NAMES: &[(&str, &str)] = &[("XGigabitEthernet", "XGE"), ("GigabitEthernet", "GE")];

fn interpret(cfg: &Arc<Config>, ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(
        |ctx| VrpState::new(cfg, ctx.hostname()),
        |st, ctx| run_line(cfg, st, ctx, line),
    )
}

fn error_at(ctx: &DeviceContext, column: usize, what: &str) -> String {
    format!(
        "{}Error: {what} found at '^' position.\n",
        caret(ctx, column)
    )
}

fn run_line(cfg: &Arc<Config>, st: &mut VrpState, ctx: &mut DeviceContext, line: &str) -> String {
    let error = |ctx: &DeviceContext, _: &str, err| match err {
        LineError::BadFilter(column) => error_at(ctx, column, "Unrecognized command"),
        LineError::Invalid(spot) => error_at(ctx, spot.word_column, "Unrecognized command"),
        LineError::Incomplete(column) => error_at(ctx, column + 1, "Incomplete command"),
        LineError::Ambiguous(spot) => error_at(ctx, spot.word_column, "Ambiguous command"),
    };
    let mask = st.view.mask();
    CLI.run(ctx, line, mask, error, |ctx, act, args, _| {
        execute(cfg, st, ctx, act, args)
    })
    .unwrap_or_default()
}

fn execute(
    cfg: &Arc<Config>,
    st: &mut VrpState,
    ctx: &mut DeviceContext,
    act: Act,
    args: &Args<'_>,
) -> String {
    match act {
        Act::DisplayVersion => display_version(cfg),
        Act::DisplayIpIntBrief => ip_interface_brief(&st.ports),
        Act::DisplayIntBrief => interface_brief(&st.ports),
        Act::DisplayCurrent => current_configuration(cfg, st, ctx.hostname()),
        Act::DisplaySaved => st.saved.clone(),
        Act::DisplayClock => {
            let now = Clock::now();
            format!(
                "{}+00:00\n{}\nTime Zone(UTC) : UTC\n",
                now.iso(),
                match now.weekday {
                    0 => "Monday",
                    1 => "Tuesday",
                    2 => "Wednesday",
                    3 => "Thursday",
                    4 => "Friday",
                    5 => "Saturday",
                    _ => "Sunday",
                }
            )
        }
        Act::ScreenLength => {
            ctx.set_page_lines(Some(args.text(0).parse().unwrap_or(0)));
            "Info: The configuration takes effect on the current user terminal interface only.\n"
                .to_owned()
        }
        Act::ScreenWidth => {
            "Info: The configuration takes effect on the current user terminal interface only.\n"
                .to_owned()
        }
        Act::Save => {
            let config = current_configuration(cfg, st, ctx.hostname());
            let cfg = Arc::clone(cfg);
            ctx.read_line(false, move |ctx, answer| {
                if !answer.trim().eq_ignore_ascii_case("y") {
                    return String::new();
                }
                ctx.with_state(
                    |ctx| VrpState::new(&cfg, ctx.hostname()),
                    |st, _| st.saved = config,
                );
                "Now saving the current configuration to the slot 0.\nInfo: Save the configuration successfully.\n".to_owned()
            });
            "The current configuration will be written to the device.\nAre you sure to continue?[Y/N]".to_owned()
        }
        Act::SystemView => {
            set_view(st, ctx, View::System);
            "Enter system view, return user view with Ctrl+Z.\n".to_owned()
        }
        Act::Quit => {
            match st.view {
                View::User => {
                    ctx.close();
                    return "  Info: The connection was closed by the remote host.\n".to_owned();
                }
                View::System => set_view(st, ctx, View::User),
                View::Interface | View::Vlan(_) => set_view(st, ctx, View::System),
            }
            String::new()
        }
        Act::Return => {
            set_view(st, ctx, View::User);
            String::new()
        }
        Act::Sysname => {
            if !valid_hostname(args.text(0)) {
                return error_at(ctx, args.column(0), "Wrong parameter");
            }
            ctx.set_hostname(args.text(0));
            let view = st.view;
            set_view(st, ctx, view);
            String::new()
        }
        Act::Interface => {
            let found = find_interface(
                &mut st.ports,
                args.text(0),
                INTERFACE_TYPES,
                |p| &p.iface.name,
                CREATABLE,
                |name| Port::new(Interface::new(name)),
            );
            match found {
                Ok(i) => {
                    st.current = i;
                    set_view(st, ctx, View::Interface);
                    String::new()
                }
                Err(IfError::Missing) => error_at(ctx, args.column(0), "Wrong parameter"),
                Err(IfError::Ambiguous) => error_at(ctx, args.column(0), "Ambiguous command"),
                Err(IfError::NoNumber | IfError::BadNumber { .. }) => error_at(
                    ctx,
                    args.column(0) + args.text(0).chars().count() + 1,
                    "Incomplete command",
                ),
                Err(IfError::UnknownType { .. }) => {
                    error_at(ctx, args.column(0), "Wrong parameter")
                }
            }
        }
        Act::Vlan => {
            let id: u32 = args.text(0).parse().unwrap_or(1);
            if !st.vlans.contains(&id) {
                st.vlans.push(id);
                st.vlans.sort_unstable();
            }
            set_view(st, ctx, View::Vlan(id));
            String::new()
        }
        Act::VlanBatch => {
            let list = args.text(0);
            for (offset, word) in words(list) {
                match word.parse::<u32>() {
                    Ok(id) if (1..=4094).contains(&id) => {
                        if !st.vlans.contains(&id) {
                            st.vlans.push(id);
                        }
                    }
                    _ => {
                        let at = args.column(0) + column(list, offset);
                        return error_at(ctx, at, "Wrong parameter");
                    }
                }
            }
            st.vlans.sort_unstable();
            "Info: This operation may take a few seconds. Please wait for a moment...done.\n"
                .to_owned()
        }
        Act::Description | Act::UndoDescription if matches!(st.view, View::Vlan(_)) => {
            String::new()
        }
        _ => interface_command(st, ctx, act, args),
    }
}

fn interface_command(st: &mut VrpState, ctx: &DeviceContext, act: Act, args: &Args<'_>) -> String {
    let edit = match act {
        Act::Description => IfEdit::Description(Some(args.text(0).to_owned())),
        Act::UndoDescription => IfEdit::Description(None),
        Act::Shutdown => IfEdit::Shutdown(true),
        Act::UndoShutdown => IfEdit::Shutdown(false),
        Act::IpAddress => {
            let Ok(ip) = args.text(0).parse::<Ipv4Addr>() else {
                return error_at(ctx, args.column(0), "Wrong parameter");
            };
            let len = match args.text(1).parse::<u8>() {
                Ok(n) if n <= 32 => Some(n),
                Ok(_) => None,
                Err(_) => mask_len(args.text(1)),
            };
            let Some(len) = len else {
                return error_at(ctx, args.column(1), "Wrong parameter");
            };
            IfEdit::Address(Some((ip, len)))
        }
        _ => IfEdit::Address(None),
    };
    let Some(port) = st.ports.get_mut(st.current) else {
        return String::new();
    };
    let layer2 = port.iface.name.contains("Ethernet") || port.iface.name.starts_with("Eth-Trunk");
    match act {
        Act::Description | Act::UndoDescription | Act::Shutdown | Act::UndoShutdown => {
            port.iface.apply(edit);
        }
        Act::IpAddress => {
            if layer2 {
                return "Error: The interface is a layer 2 port and cannot be configured with an IP address.\n".to_owned();
            }
            port.iface.apply(edit);
        }
        Act::UndoIpAddress => port.iface.apply(edit),
        Act::LinkAccess | Act::LinkTrunk | Act::LinkHybrid if layer2 => {
            let kind = match act {
                Act::LinkTrunk => "trunk",
                Act::LinkHybrid => "hybrid",
                _ => "access",
            };
            port.link_type = Some(kind.to_owned());
        }
        Act::DefaultVlan if layer2 => {
            if port.link_type.as_deref() == Some("trunk") {
                return "Error: The link type of the port is trunk, so the default VLAN cannot be configured.\n".to_owned();
            }
            port.default_vlan = args.text(0).parse().ok();
        }
        Act::TrunkAllow if layer2 => {
            if port.link_type.as_deref() != Some("trunk") {
                return "Error: Please renew the default configurations.\n".to_owned();
            }
            port.trunk_vlans = Some(args.text(0).to_owned());
        }
        _ => return error_at(ctx, 0, "Unrecognized command"),
    }
    String::new()
}

fn display_version(cfg: &Config) -> String {
    format!(
        "Huawei Versatile Routing Platform Software
VRP (R) software, Version 5.170 (S5720 {sw})
Copyright (C) 2000-2020 HUAWEI TECH Co., Ltd.
HUAWEI {model} Routing Switch uptime is 87 days, 3 hours, 12 minutes

ES5D2S28S001 0(Master) : uptime is 87 days, 3 hours, 11 minutes
DDR             Memory Size : 512   M bytes
FLASH Total     Memory Size : 512   M bytes
FLASH Available Memory Size : 207   M bytes
Pcb           Version : ES5D2S28S001 VER A
BootROM       Version : 020a.0001
BootLoad      Version : 020a.0001
CPLD          Version : 0106
Software      Version : VRP (R) Software, Version 5.170 ({sw})
FLASH         Version : 0000.0000
",
        sw = cfg.software,
        model = cfg.model
    )
}

fn states(p: &Port) -> (&'static str, &'static str) {
    if p.iface.shutdown {
        ("*down", "down")
    } else if p.iface.name.starts_with("LoopBack") {
        ("up", "up(s)")
    } else {
        ("up", "up")
    }
}

fn ip_interface_brief(ports: &[Port]) -> String {
    let routed: Vec<&Port> = ports
        .iter()
        .filter(|p| !p.iface.name.contains("Ethernet") || p.iface.address.is_some())
        .collect();
    let up = routed.iter().filter(|p| !p.iface.shutdown).count();
    let down = routed.len() - up;
    let mut out = format!(
        "*down: administratively down\n^down: standby\n(l): loopback\n(s): spoofing\n(E): E-Trunk down\nThe number of interface that is UP in Physical is {up}\nThe number of interface that is DOWN in Physical is {down}\nThe number of interface that is UP in Protocol is {up}\nThe number of interface that is DOWN in Protocol is {down}\n\nInterface                         IP Address/Mask      Physical   Protocol  \n"
    );
    for p in routed {
        let ip = p
            .iface
            .address
            .map_or("unassigned".to_owned(), |(a, l)| format!("{a}/{l}"));
        let (phy, proto) = states(p);
        let _ = writeln!(
            out,
            "{}{}{}{}",
            pad(&p.iface.name, 34),
            pad(&ip, 21),
            pad(phy, 11),
            pad(proto, 10)
        );
    }
    out
}

fn short_name(name: &str) -> String {
    abbreviate(name, SHORT_NAMES)
}

fn interface_brief(ports: &[Port]) -> String {
    let mut out = String::from(
        "PHY: Physical\n*down: administratively down\n(l): loopback\n(s): spoofing\n(b): BFD down\n(e): ETHOAM down\n(dl): DLDP down\n(d): Dampening Suppressed\nInUti/OutUti: input utility/output utility\nInterface                   PHY   Protocol  InUti OutUti   inErrors  outErrors\n",
    );
    for p in ports {
        let (phy, proto) = states(p);
        let _ = writeln!(
            out,
            "{}{}{}0%     0%           0          0",
            pad(&short_name(&p.iface.name), 28),
            pad(phy, 6),
            pad(proto, 10)
        );
    }
    out
}

fn current_configuration(cfg: &Config, st: &VrpState, hostname: &str) -> String {
    let mut out = format!(
        "!Software Version {}\n#\n sysname {hostname}\n#\n",
        cfg.software
    );
    if !st.vlans.is_empty() {
        let list: Vec<String> = st.vlans.iter().map(u32::to_string).collect();
        let _ = writeln!(out, "vlan batch {}\n#", list.join(" "));
    }
    out.push_str("aaa\n authentication-scheme default\n authorization-scheme default\n accounting-scheme default\n domain default\n local-user admin password irreversible-cipher $1a$Xk9+!\n local-user admin privilege level 15\n local-user admin service-type telnet terminal ssh\n#\n");
    for p in &st.ports {
        let _ = writeln!(out, "interface {}", p.iface.name);
        if let Some(d) = &p.iface.description {
            let _ = writeln!(out, " description {d}");
        }
        if p.iface.shutdown {
            out.push_str(" shutdown\n");
        }
        if let Some(kind) = &p.link_type {
            let _ = writeln!(out, " port link-type {kind}");
        }
        if let Some(vlan) = p.default_vlan {
            let _ = writeln!(out, " port default vlan {vlan}");
        }
        if let Some(vlans) = &p.trunk_vlans {
            let _ = writeln!(out, " port trunk allow-pass vlan {vlans}");
        }
        if let Some((a, l)) = p.iface.address {
            let _ = writeln!(out, " ip address {a} {}", len_mask(l));
        }
        out.push_str("#\n");
    }
    out.push_str("user-interface con 0\n authentication-mode aaa\nuser-interface vty 0 4\n authentication-mode aaa\n protocol inbound all\n#\nreturn\n");
    out
}

#[cfg(test)]
mod tests;
