//! A Cisco IOS emulator.
//!
//! [`device`] returns a [`VirtualDevice`] that behaves like an IOS 15
//! router over a vty line:
//!
//! - login: `User Access Verification`, `Username: `, `Password: `,
//!   `% Login invalid` (three tries);
//! - modes and prompts: `R1>`, `enable` (asks `Password: ` when an enable
//!   password is configured, `% Access denied` when it is wrong) to `R1#`,
//!   `disable`, `configure terminal` to `R1(config)#`, `interface ...` to
//!   `R1(config-if)#`, `exit`, `end`, `do <exec command>`;
//! - configuration: `hostname` (the prompt follows at once), `interface`,
//!   `description`, `ip address A M`, `no ip address`, `shutdown`,
//!   `no shutdown`, `write memory`;
//! - `show version`, `show ip interface brief`, `show running-config`,
//!   `show startup-config`, `show clock`, `show privilege`, `ping`,
//!   `terminal length` (0 turns paging off when the device allows it),
//!   `terminal width`, `exit`/`logout` (closes the session);
//! - abbreviations (`sh ip int br`, `conf t`, `term len 0`, `wr`,
//!   `int gi0/1`) and IOS errors: the `^` marker under the first bad
//!   character with `% Invalid input detected at '^' marker.`,
//!   `% Incomplete command.`, `% Ambiguous command:  "..."`.
//!   Privileged commands do not exist in user mode, as on real IOS.
//!
//! Credentials, the enable password, the login type and paging are the
//! usual [`VirtualDevice`] settings; [`IosEmulator`] sets the interface
//! table. Paging is off by default (`.with_paging(23)` turns it on).
//!
//! ```
//! use oxscript_emulator::ios;
//!
//! let device = ios::device("R1").with_credentials("admin", "cisco");
//! let mut session = device.session();
//! let banner = session.start().text;
//! assert!(banner.ends_with("User Access Verification\r\n\r\nUsername: "));
//! session.feed(b"admin\r");
//! assert!(session.feed(b"cisco\r").text.ends_with("R1>"));
//! assert!(session.feed(b"en\r").text.ends_with("R1#"));
//! let text = session.feed(b"sh ip int br\r").text;
//! assert!(text.contains("GigabitEthernet0/0     192.168.122.10  YES NVRAM  up"));
//! ```

mod config;
mod show;

use std::net::Ipv4Addr;
use std::sync::Arc;

use self::config::{Iface, IosState, mode_name, prompt, render_config};
use crate::context::DeviceContext;
use crate::device::VirtualDevice;
use crate::platforms::common::{
    ANY_CONF, Arg, Args, CONF_IF, Cli, Common, EXEC, IfEdit, IfError, Interface, LineError, Mode,
    PRIV, Syntax, Tok, ask_enable_password, caret, cmd, emulate, interface_setters, logout,
    mask_prefix_len,
};

/// An IOS emulator named `hostname` with the default interface table
/// (GigabitEthernet0/0 to 0/3 and Loopback0).
pub fn device(hostname: &str) -> VirtualDevice {
    IosEmulator::new(hostname).build()
}

/// An interface of the emulated router: the [`Interface`] every platform
/// emulator takes. Give its address with a dotted mask, as IOS writes it
/// ([`Interface::with_mask`]), or with a prefix length.
///
/// ```
/// use oxscript_emulator::ios::IosInterface;
/// use std::net::Ipv4Addr;
///
/// let uplink = IosInterface::new("GigabitEthernet0/1")
///     .with_description("uplink")
///     .with_mask(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(255, 255, 255, 252));
/// assert!(!uplink.shutdown);
/// ```
pub type IosInterface = Interface;

/// Builds an IOS [`VirtualDevice`] with a custom interface table or
/// starting in privileged mode.
///
/// ```
/// use oxscript_emulator::ios::{IosEmulator, IosInterface};
///
/// let device = IosEmulator::new("edge1")
///     .without_interfaces()
///     .interface(IosInterface::new("GigabitEthernet0/0"))
///     .privileged(true)
///     .build()
///     .with_enable_password("s3cret");
/// assert_eq!(device.prompt(), "edge1#");
/// ```
#[derive(Clone, Debug)]
pub struct IosEmulator {
    common: Common,
    serial: String,
    privileged: bool,
}

impl IosEmulator {
    /// An emulator named `hostname` with the default interfaces.
    pub fn new(hostname: impl Into<String>) -> Self {
        let mask24 = Ipv4Addr::new(255, 255, 255, 0);
        let interfaces = vec![
            Interface::new("GigabitEthernet0/0")
                .with_description("management")
                .with_mask(Ipv4Addr::new(192, 168, 122, 10), mask24),
            Interface::new("GigabitEthernet0/1")
                .with_description("uplink to core")
                .with_mask(
                    Ipv4Addr::new(10, 0, 12, 1),
                    Ipv4Addr::new(255, 255, 255, 252),
                ),
            Interface::new("GigabitEthernet0/2").with_shutdown(true),
            Interface::new("GigabitEthernet0/3").with_shutdown(true),
            Interface::new("Loopback0").with_mask(
                Ipv4Addr::new(10, 255, 255, 1),
                Ipv4Addr::new(255, 255, 255, 255),
            ),
        ];
        IosEmulator {
            // IOS pages only when asked to (`VirtualDevice::with_paging`).
            common: Common {
                page_lines: 0,
                ..Common::new(hostname.into(), interfaces)
            },
            serial: "FTX1840A2BC".to_owned(),
            privileged: false,
        }
    }

    interface_setters!();

    /// Sets the serial number (`Processor board ID`).
    pub fn serial(mut self, serial: impl Into<String>) -> Self {
        self.serial = serial.into();
        self
    }

    /// Whether sessions start in privileged mode (`R1#`) after login.
    pub fn privileged(mut self, privileged: bool) -> Self {
        self.privileged = privileged;
        self
    }

    /// The device.
    pub fn build(self) -> VirtualDevice {
        let start = Mode::after_login(self.privileged);
        let device = self
            .common
            .device()
            .with_banner("\n\nUser Access Verification\n\n")
            .with_username_prompt("Username: ")
            .with_password_prompt("Password: ")
            .with_login_failure_message("\n% Login invalid\n\n")
            .with_prompt(prompt(start, &self.common.hostname))
            .with_more_prompt(" --More-- ");
        let cfg = IosConfig {
            interfaces: self.common.interfaces,
            serial: self.serial,
            start,
        };
        emulate(device, cfg, login, interpret)
    }
}

/// What every session of one emulator shares.
#[derive(Debug)]
struct IosConfig {
    interfaces: Vec<Interface>,
    serial: String,
    /// The mode sessions start in.
    start: Mode,
}

fn login(cfg: &Arc<IosConfig>, ctx: &mut DeviceContext) -> String {
    ctx.set_privileged(cfg.start != Mode::Exec);
    ctx.set_mode(mode_name(cfg.start));
    String::new()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    Enable,
    Disable,
    Logout,
    TermLength,
    TermWidth,
    ShowVersion,
    ShowClock,
    ShowIpIntBrief,
    ShowPrivilege,
    ShowRunning,
    ShowStartup,
    Ping,
    ConfigureTerminal,
    Configure,
    WriteMemory,
    Hostname,
    Interface,
    ExitMode,
    End,
    Do,
    Description,
    NoDescription,
    IpAddress,
    NoIpAddress,
    Shutdown,
    NoShutdown,
}

/// User and privileged exec.
const ANY_EXEC: u32 = EXEC | PRIV;

use Tok::{Kw, Num, Rest, Word};

static SYNTAX: &[Syntax<Act>] = &[
    cmd(ANY_EXEC, &[Kw("enable")], Act::Enable),
    cmd(ANY_EXEC, &[Kw("disable")], Act::Disable),
    cmd(ANY_EXEC, &[Kw("exit")], Act::Logout),
    cmd(ANY_EXEC, &[Kw("logout")], Act::Logout),
    cmd(
        ANY_EXEC,
        &[Kw("terminal"), Kw("length"), Num(0, 512)],
        Act::TermLength,
    ),
    cmd(
        ANY_EXEC,
        &[Kw("terminal"), Kw("width"), Num(0, 512)],
        Act::TermWidth,
    ),
    cmd(ANY_EXEC, &[Kw("show"), Kw("version")], Act::ShowVersion),
    cmd(ANY_EXEC, &[Kw("show"), Kw("clock")], Act::ShowClock),
    cmd(
        ANY_EXEC,
        &[Kw("show"), Kw("ip"), Kw("interface"), Kw("brief")],
        Act::ShowIpIntBrief,
    ),
    cmd(ANY_EXEC, &[Kw("show"), Kw("privilege")], Act::ShowPrivilege),
    cmd(PRIV, &[Kw("show"), Kw("running-config")], Act::ShowRunning),
    cmd(PRIV, &[Kw("show"), Kw("startup-config")], Act::ShowStartup),
    cmd(PRIV, &[Kw("show"), Kw("configuration")], Act::ShowStartup),
    cmd(ANY_EXEC, &[Kw("ping"), Word], Act::Ping),
    cmd(
        PRIV,
        &[Kw("configure"), Kw("terminal")],
        Act::ConfigureTerminal,
    ),
    cmd(PRIV, &[Kw("configure")], Act::Configure),
    cmd(PRIV, &[Kw("write")], Act::WriteMemory),
    cmd(PRIV, &[Kw("write"), Kw("memory")], Act::WriteMemory),
    cmd(ANY_CONF, &[Kw("hostname"), Word], Act::Hostname),
    cmd(ANY_CONF, &[Kw("interface"), Rest], Act::Interface),
    cmd(ANY_CONF, &[Kw("exit")], Act::ExitMode),
    cmd(ANY_CONF, &[Kw("end")], Act::End),
    cmd(ANY_CONF, &[Kw("do"), Rest], Act::Do),
    cmd(CONF_IF, &[Kw("description"), Rest], Act::Description),
    cmd(CONF_IF, &[Kw("no"), Kw("description")], Act::NoDescription),
    cmd(
        CONF_IF,
        &[Kw("ip"), Kw("address"), Word, Word],
        Act::IpAddress,
    ),
    cmd(
        CONF_IF,
        &[Kw("no"), Kw("ip"), Kw("address")],
        Act::NoIpAddress,
    ),
    cmd(CONF_IF, &[Kw("shutdown")], Act::Shutdown),
    cmd(CONF_IF, &[Kw("no"), Kw("shutdown")], Act::NoShutdown),
];

/// IOS has no output filters.
static CLI: Cli<Act> = Cli {
    tables: &[SYNTAX],
    filters: &[],
};

const INCOMPLETE: &str = "% Incomplete command.\n\n";
const ENTER_CONFIG: &str = "Enter configuration commands, one per line.  End with CNTL/Z.\n";

fn interpret(cfg: &Arc<IosConfig>, ctx: &mut DeviceContext, line: &str) -> String {
    ctx.with_state(
        |ctx| new_state(cfg, ctx),
        |st, ctx| {
            let mask = st.mode.mask();
            run_line(cfg, st, ctx, line, mask, 0)
        },
    )
}

/// A session's state, from the definition and what the login set: the
/// mode and the host name (the saved configuration is the one it starts
/// with).
fn new_state(cfg: &IosConfig, ctx: &DeviceContext) -> IosState {
    let mode = Mode::after_login(ctx.is_privileged());
    let interfaces: Vec<Iface> = cfg.interfaces.iter().map(Iface::from_definition).collect();
    let startup = render_config(ctx.hostname(), ctx.has_enable_password(), &interfaces);
    IosState::new(mode, interfaces, startup)
}

fn set_mode(st: &mut IosState, ctx: &mut DeviceContext, mode: Mode) {
    st.mode = mode;
    ctx.set_mode(mode_name(mode));
    ctx.set_privileged(mode != Mode::Exec);
    ctx.set_prompt(prompt(mode, ctx.hostname()));
}

/// The `^` marker line and message, `column` counted from the start of the
/// typed line (the prompt is added).
fn invalid(ctx: &DeviceContext, column: usize) -> String {
    format!(
        "{}% Invalid input detected at '^' marker.\n\n",
        caret(ctx, column)
    )
}

/// Runs `line` in the modes of `mask`; `base` is the column where it
/// starts on the typed line (after `do `). IOS has no output filters.
fn run_line(
    cfg: &Arc<IosConfig>,
    st: &mut IosState,
    ctx: &mut DeviceContext,
    line: &str,
    mask: u32,
    base: usize,
) -> String {
    let error = |ctx: &DeviceContext, command: &str, err| match err {
        LineError::Invalid(spot) => invalid(ctx, base + spot.column),
        LineError::BadFilter(column) => invalid(ctx, base + column),
        LineError::Incomplete(_) => INCOMPLETE.to_owned(),
        LineError::Ambiguous(_) => format!("% Ambiguous command:  \"{}\"\n", command.trim()),
    };
    CLI.run(ctx, line, mask, error, |ctx, act, args, _| {
        execute(cfg, st, ctx, act, args, base)
    })
    .unwrap_or_default()
}

fn valid_hostname(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.len() <= 63
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn number(arg: Option<Arg<'_>>) -> usize {
    arg.and_then(|a| a.text.parse().ok()).unwrap_or(0)
}

fn execute(
    cfg: &Arc<IosConfig>,
    st: &mut IosState,
    ctx: &mut DeviceContext,
    act: Act,
    args: &Args<'_>,
    base: usize,
) -> String {
    // Where to put the marker when an argument is rejected.
    let bad_arg = |ctx: &DeviceContext, i: usize| {
        invalid(
            ctx,
            base + args.get(i).map_or(ctx.line().len(), |a| a.column),
        )
    };
    match act {
        Act::Enable => enable(cfg, st, ctx),
        Act::Disable => {
            set_mode(st, ctx, Mode::Exec);
            String::new()
        }
        Act::Logout => logout(ctx),
        Act::TermLength => {
            ctx.set_page_lines(Some(number(args.get(0))));
            String::new()
        }
        Act::TermWidth => {
            st.width = u32::try_from(number(args.get(0))).unwrap_or(80);
            String::new()
        }
        Act::ShowVersion => show::version(ctx.hostname(), &cfg.serial, &st.interfaces),
        Act::ShowClock => show::clock(),
        Act::ShowIpIntBrief => show::ip_interface_brief(&st.interfaces),
        Act::ShowPrivilege => {
            let level = if st.mode == Mode::Exec { 1 } else { 15 };
            format!("Current privilege level is {level}\n")
        }
        Act::ShowRunning => {
            let body = render_config(ctx.hostname(), ctx.has_enable_password(), &st.interfaces);
            format!(
                "Building configuration...\n\nCurrent configuration : {} bytes\n{body}",
                body.len()
            )
        }
        Act::ShowStartup => format!(
            "Using {} out of 262136 bytes\n{}",
            st.startup.len(),
            st.startup
        ),
        Act::Ping => match args.get(0).map(|a| a.text.parse::<Ipv4Addr>()) {
            Some(Ok(target)) => show::ping(target, &st.interfaces),
            _ => "% Unrecognized host or address, or protocol not running.\n\n".to_owned(),
        },
        Act::ConfigureTerminal => {
            set_mode(st, ctx, Mode::Config);
            ENTER_CONFIG.to_owned()
        }
        Act::Configure => {
            let cfg = Arc::clone(cfg);
            ctx.read_line(false, move |ctx, answer| {
                let answer = answer.trim();
                if !answer.is_empty() && !"terminal".starts_with(&answer.to_ascii_lowercase()) {
                    return "?Must be \"terminal\"\n".to_owned();
                }
                ctx.with_state(
                    |ctx| new_state(&cfg, ctx),
                    |st, ctx| set_mode(st, ctx, Mode::Config),
                );
                ENTER_CONFIG.to_owned()
            });
            "Configuring from terminal, memory, or network [terminal]? ".to_owned()
        }
        Act::WriteMemory => {
            st.startup = render_config(ctx.hostname(), ctx.has_enable_password(), &st.interfaces);
            "Building configuration...\n[OK]\n".to_owned()
        }
        Act::Hostname => {
            let name = args.get(0).map_or("", |a| a.text);
            if !valid_hostname(name) {
                return "% Hostname contains one or more illegal characters.\n".to_owned();
            }
            ctx.set_hostname(name);
            let mode = if st.mode == Mode::ConfigIf {
                Mode::Config
            } else {
                st.mode
            };
            set_mode(st, ctx, mode);
            String::new()
        }
        Act::Interface => {
            let Some(a) = args.get(0) else {
                return INCOMPLETE.to_owned();
            };
            match st.lookup_interface(a.text) {
                Ok(i) => {
                    st.current = i;
                    set_mode(st, ctx, Mode::ConfigIf);
                    String::new()
                }
                Err(IfError::UnknownType { accepted: at } | IfError::BadNumber { at }) => {
                    invalid(ctx, base + a.column + at)
                }
                Err(IfError::NoNumber) => INCOMPLETE.to_owned(),
                Err(IfError::Missing) => invalid(ctx, base + a.column),
                Err(IfError::Ambiguous) => {
                    format!("% Ambiguous command:  \"{}\"\n", ctx.line().trim())
                }
            }
        }
        Act::ExitMode => {
            let mode = st.mode.exit(Mode::Privileged);
            set_mode(st, ctx, mode);
            String::new()
        }
        Act::End => {
            set_mode(st, ctx, Mode::Privileged);
            String::new()
        }
        Act::Do => {
            let Some(a) = args.get(0) else {
                return INCOMPLETE.to_owned();
            };
            let mode = st.mode;
            let text = run_line(cfg, st, ctx, a.text, PRIV, base + a.column);
            if st.mode != mode && !ctx.is_closing() {
                set_mode(st, ctx, mode);
            }
            text
        }
        Act::Description
        | Act::NoDescription
        | Act::IpAddress
        | Act::NoIpAddress
        | Act::Shutdown
        | Act::NoShutdown => {
            let edit = match act {
                Act::Description => IfEdit::Description(args.get(0).map(|a| a.text.to_owned())),
                Act::NoDescription => IfEdit::Description(None),
                Act::IpAddress => {
                    let ip = args.get(0).and_then(|a| a.text.parse::<Ipv4Addr>().ok());
                    let mask = args.get(1).and_then(|a| a.text.parse::<Ipv4Addr>().ok());
                    match (ip, mask) {
                        (None, _) => return bad_arg(ctx, 0),
                        (_, None) => return bad_arg(ctx, 1),
                        (Some(ip), Some(mask)) => match mask_prefix_len(mask) {
                            Some(len) if len > 0 => IfEdit::Address(Some((ip, len))),
                            _ => {
                                return format!(
                                    "Bad mask 0x{:X} for address {ip}\n",
                                    u32::from(mask)
                                );
                            }
                        },
                    }
                }
                Act::NoIpAddress => IfEdit::Address(None),
                Act::Shutdown => IfEdit::Shutdown(true),
                _ => IfEdit::Shutdown(false),
            };
            let Some(iface) = st.interfaces.get_mut(st.current) else {
                return "% No interface selected\n".to_owned();
            };
            if matches!(edit, IfEdit::Address(_)) {
                iface.method = "manual";
            }
            iface.iface.apply(edit);
            String::new()
        }
    }
}

fn enable(cfg: &Arc<IosConfig>, st: &mut IosState, ctx: &mut DeviceContext) -> String {
    if st.mode != Mode::Exec || !ctx.has_enable_password() {
        set_mode(st, ctx, Mode::Privileged);
        return String::new();
    }
    let cfg = Arc::clone(cfg);
    ask_enable_password(
        ctx,
        move |ctx| new_state(&cfg, ctx),
        |st: &mut IosState, ctx| set_mode(st, ctx, Mode::Privileged),
        "% Access denied\n\n",
    )
}

#[cfg(test)]
mod tests;
