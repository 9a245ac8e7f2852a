//! What the switch CLIs (EOS, NX-OS) share: ports that are switched or
//! routed, the interface commands over them and their syntax.

use super::interface::{IfEdit, IfError, Interface, find_interface};

/// An interface and whether it is a layer-2 (switched) port, as NX-OS
/// and EOS keep them.
#[derive(Clone, Debug)]
pub(crate) struct SwitchPort {
    pub(crate) iface: Interface,
    pub(crate) switchport: bool,
}

impl SwitchPort {
    /// The ports of the defined interfaces: an Ethernet port without an
    /// address is switched.
    pub(crate) fn from_definitions(interfaces: Vec<Interface>) -> Vec<Self> {
        interfaces
            .into_iter()
            .map(|iface| SwitchPort {
                switchport: iface.address.is_none() && iface.name.starts_with("Ethernet"),
                iface,
            })
            .collect()
    }

    /// A routed interface created in configuration mode.
    pub(crate) fn routed(name: String) -> Self {
        SwitchPort {
            iface: Interface::new(name),
            switchport: false,
        }
    }

    /// The index in `ports` of the port `typed` names (see
    /// [`find_interface`]); a missing one whose type is `creatable` is
    /// added as a routed port.
    pub(crate) fn enter(
        ports: &mut Vec<SwitchPort>,
        typed: &str,
        types: &[(&str, &str)],
        creatable: &[&str],
    ) -> Result<usize, IfError> {
        find_interface(
            ports,
            typed,
            types,
            |p| &p.iface.name,
            creatable,
            SwitchPort::routed,
        )
    }
}

/// An interface command of the switch CLIs (see [`port_syntax!`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PortCmd {
    Description,
    NoDescription,
    Shutdown,
    NoShutdown,
    Switchport,
    NoSwitchport,
    /// `ip address A/len`.
    IpAddress,
    NoIpAddress,
}

impl PortCmd {
    /// The change a command makes whatever the port (`arg`: its
    /// argument); `None` for `switchport`, `no switchport` and `ip
    /// address`, which each platform judges and words itself.
    pub(crate) fn edit(self, arg: &str) -> Option<IfEdit> {
        match self {
            PortCmd::Description => Some(IfEdit::Description(Some(arg.to_owned()))),
            PortCmd::NoDescription => Some(IfEdit::Description(None)),
            PortCmd::Shutdown => Some(IfEdit::Shutdown(true)),
            PortCmd::NoShutdown => Some(IfEdit::Shutdown(false)),
            PortCmd::NoIpAddress => Some(IfEdit::Address(None)),
            PortCmd::Switchport | PortCmd::NoSwitchport | PortCmd::IpAddress => None,
        }
    }
}

/// `static PORT_SYNTAX`: the interface commands of the switch CLIs, in
/// the interface-configuration mode `$mode`, as commands `$wrap(PortCmd)`
/// of the platform's `Act` type; the platform lists it among its
/// [`Cli`](super::Cli) tables.
macro_rules! port_syntax {
    ($act:ty, $wrap:path, $mode:expr) => {
        static PORT_SYNTAX: &[$crate::platforms::common::Syntax<$act>] = {
            use $crate::platforms::common::Tok::{Kw, Rest, Word};
            use $crate::platforms::common::{PortCmd, cmd};
            &[
                cmd(
                    $mode,
                    &[Kw("description"), Rest],
                    $wrap(PortCmd::Description),
                ),
                cmd(
                    $mode,
                    &[Kw("no"), Kw("description")],
                    $wrap(PortCmd::NoDescription),
                ),
                cmd($mode, &[Kw("shutdown")], $wrap(PortCmd::Shutdown)),
                cmd(
                    $mode,
                    &[Kw("no"), Kw("shutdown")],
                    $wrap(PortCmd::NoShutdown),
                ),
                cmd($mode, &[Kw("switchport")], $wrap(PortCmd::Switchport)),
                cmd(
                    $mode,
                    &[Kw("no"), Kw("switchport")],
                    $wrap(PortCmd::NoSwitchport),
                ),
                cmd(
                    $mode,
                    &[Kw("ip"), Kw("address"), Word],
                    $wrap(PortCmd::IpAddress),
                ),
                cmd(
                    $mode,
                    &[Kw("no"), Kw("ip"), Kw("address")],
                    $wrap(PortCmd::NoIpAddress),
                ),
            ]
        };
    };
}

pub(crate) use port_syntax;
