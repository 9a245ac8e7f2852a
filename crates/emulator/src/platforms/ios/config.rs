//! IOS session state: mode, interfaces, saved configuration (crate-private).

use std::fmt::Write as _;

use crate::platforms::common::{IfError, Interface, Mode, len_mask, resolve_type};

/// The name of an IOS mode stored in
/// [`DeviceContext::mode`](crate::DeviceContext::mode): exec is `user`.
pub(crate) fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Exec => "user",
        mode => mode.name(),
    }
}

/// The prompt of an IOS mode.
pub(crate) fn prompt(mode: Mode, hostname: &str) -> String {
    match mode {
        Mode::Exec => format!("{hostname}>"),
        Mode::Privileged => format!("{hostname}#"),
        Mode::Config => format!("{hostname}(config)#"),
        Mode::ConfigIf => format!("{hostname}(config-if)#"),
    }
}

/// An interface as the session sees it: its definition and how its
/// address was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Iface {
    pub(crate) iface: Interface,
    /// How the address was set: `NVRAM`, `manual` or `unset`.
    pub(crate) method: &'static str,
}

impl Iface {
    pub(crate) fn from_definition(def: &Interface) -> Self {
        Iface {
            method: if def.address.is_some() {
                "NVRAM"
            } else {
                "unset"
            },
            iface: def.clone(),
        }
    }

    pub(crate) fn new(name: String) -> Self {
        Iface {
            iface: Interface::new(name),
            method: "unset",
        }
    }

    /// Whether the interface is of a type that configuring creates
    /// (listed first in the configuration).
    fn is_virtual(&self) -> bool {
        TYPES
            .iter()
            .any(|&(t, created)| created && self.iface.name.starts_with(t))
    }
}

/// Interface types IOS knows, canonical spelling; `true` marks types that
/// are created on first use (`interface Loopback1`).
const TYPES: &[(&str, bool)] = &[
    ("GigabitEthernet", false),
    ("FastEthernet", false),
    ("Ethernet", false),
    ("TenGigabitEthernet", false),
    ("Serial", false),
    ("Loopback", true),
    ("Tunnel", true),
    ("Vlan", true),
    ("Port-channel", true),
];

/// The state of one IOS session.
#[derive(Debug)]
pub(crate) struct IosState {
    pub(crate) mode: Mode,
    pub(crate) interfaces: Vec<Iface>,
    pub(crate) current: usize,
    pub(crate) startup: String,
    pub(crate) width: u32,
}

impl IosState {
    pub(crate) fn new(mode: Mode, interfaces: Vec<Iface>, startup: String) -> Self {
        IosState {
            mode,
            interfaces,
            current: 0,
            startup,
            width: 80,
        }
    }

    /// Finds (or, for virtual types and sub-interfaces of existing
    /// interfaces, creates) the interface named `raw`, which may be
    /// abbreviated (`gi0/1`, `Gig 0/1`, `lo100`). Errors give offsets in
    /// characters of `raw` (blanks included): an unknown type how much
    /// of it some type accepts, a bad number its first bad character,
    /// and a name of an interface that does not exist (and is not
    /// created) the start of its number, where IOS puts its marker.
    pub(crate) fn lookup_interface(&mut self, raw: &str) -> Result<usize, IfError> {
        let type_len = raw
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphabetic() || *c == '-'))
            .map_or(raw.len(), |(i, _)| i);
        let (typed, rest) = raw.split_at(type_len);
        let type_name = resolve_type(typed, TYPES.iter().map(|&(t, _)| (t, t)))?;
        let creatable = TYPES.iter().any(|&(t, c)| c && t == type_name);
        let number: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
        if number.is_empty() {
            return Err(IfError::NoNumber);
        }
        let number_start =
            typed.chars().count() + rest.chars().take_while(|c| c.is_whitespace()).count();
        if let Some(bad) = bad_interface_number(&number) {
            return Err(IfError::BadNumber {
                at: number_start + bad,
            });
        }
        let name = format!("{type_name}{number}");
        if let Some(i) = self
            .interfaces
            .iter()
            .position(|i| i.iface.name.eq_ignore_ascii_case(&name))
        {
            return Ok(i);
        }
        let parent_exists = number.split_once('.').is_some_and(|(parent, _)| {
            let parent = format!("{type_name}{parent}");
            self.interfaces.iter().any(|i| i.iface.name == parent)
        });
        if creatable || parent_exists {
            self.interfaces.push(Iface::new(name));
            return Ok(self.interfaces.len() - 1);
        }
        Err(IfError::BadNumber { at: number_start })
    }
}

/// The offset of the first bad character of an interface number such as
/// `0/1` or `0/0.10`, or `None` if it is well formed.
fn bad_interface_number(number: &str) -> Option<usize> {
    let mut expect_digit = true;
    let mut seen_dot = false;
    for (i, c) in number.chars().enumerate() {
        match c {
            '0'..='9' => expect_digit = false,
            '/' if !expect_digit && !seen_dot => expect_digit = true,
            '.' if !expect_digit && !seen_dot => {
                expect_digit = true;
                seen_dot = true;
            }
            _ => return Some(i),
        }
    }
    expect_digit.then(|| number.chars().count())
}

/// The configuration text of `show running-config` (from `!` to `end`).
pub(crate) fn render_config(hostname: &str, has_enable: bool, interfaces: &[Iface]) -> String {
    let mut out = String::with_capacity(2048);
    out.push_str(
        "!\n\
         version 15.7\n\
         service timestamps debug datetime msec\n\
         service timestamps log datetime msec\n\
         no service password-encryption\n\
         !\n",
    );
    let _ = writeln!(out, "hostname {hostname}");
    out.push_str("!\nboot-start-marker\nboot-end-marker\n!\n!\n");
    if has_enable {
        // A placeholder hash: the real password never appears in output.
        out.push_str(
            "enable secret 9 $9$xQ2Jg7nFv1kPzE$0mK8cBq4Rr6sTtUuVvWwXxYyZz0a1b2C3d4E5f6G7h.\n!\n",
        );
    }
    out.push_str(
        "no aaa new-model\n\
         !\n\
         !\n\
         no ip domain lookup\n\
         ip cef\n\
         no ipv6 cef\n\
         !\n\
         multilink bundle-name authenticated\n\
         !\n\
         !\n",
    );
    let (virtual_ifs, physical): (Vec<&Iface>, Vec<&Iface>) =
        interfaces.iter().partition(|i| i.is_virtual());
    for i in virtual_ifs.into_iter().chain(physical) {
        let i = &i.iface;
        let _ = writeln!(out, "interface {}", i.name);
        if let Some(d) = &i.description {
            let _ = writeln!(out, " description {d}");
        }
        match i.address {
            Some((ip, len)) => {
                let _ = writeln!(out, " ip address {ip} {}", len_mask(len));
            }
            None => out.push_str(" no ip address\n"),
        }
        if i.shutdown {
            out.push_str(" shutdown\n");
        }
        if i.name.starts_with("GigabitEthernet") && !i.name.contains('.') {
            out.push_str(" duplex auto\n speed auto\n");
        }
        out.push_str("!\n");
    }
    out.push_str(
        "ip forward-protocol nd\n\
         !\n\
         no ip http server\n\
         no ip http secure-server\n\
         !\n\
         !\n\
         control-plane\n\
         !\n\
         !\n\
         line con 0\n\
         line aux 0\n\
         line vty 0 4\n\
         \x20login local\n\
         \x20transport input telnet ssh\n\
         !\n\
         scheduler allocate 20000 1000\n\
         !\n\
         end\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> IosState {
        let ifs = vec![
            Iface::new("GigabitEthernet0/0".into()),
            Iface::new("GigabitEthernet0/1".into()),
            Iface::new("Loopback0".into()),
        ];
        IosState::new(Mode::Config, ifs, String::new())
    }

    #[test]
    fn interface_abbreviations() {
        let mut st = state();
        assert_eq!(st.lookup_interface("gi0/1"), Ok(1));
        assert_eq!(st.lookup_interface("GigabitEthernet 0/0"), Ok(0));
        assert_eq!(st.lookup_interface("g0/0"), Ok(0));
        assert_eq!(st.lookup_interface("lo0"), Ok(2));
        assert_eq!(st.lookup_interface("Lo100"), Ok(3));
        assert_eq!(st.interfaces[3].iface.name, "Loopback100");
        assert!(st.interfaces[3].is_virtual());
        assert_eq!(st.lookup_interface("gi0/0.10"), Ok(4));
        assert_eq!(st.interfaces[4].iface.name, "GigabitEthernet0/0.10");
        assert!(!st.interfaces[4].is_virtual());
        assert_eq!(st.interfaces.len(), 5);
    }

    #[test]
    fn interface_errors() {
        let mut st = state();
        assert_eq!(st.lookup_interface("gi"), Err(IfError::NoNumber));
        assert_eq!(st.lookup_interface("t0"), Err(IfError::Ambiguous));
        assert_eq!(
            st.lookup_interface("gx0/1"),
            Err(IfError::UnknownType { accepted: 1 })
        );
        assert_eq!(
            st.lookup_interface("gi0/9"),
            Err(IfError::BadNumber { at: 2 })
        );
        assert_eq!(
            st.lookup_interface("gi0//1"),
            Err(IfError::BadNumber { at: 4 })
        );
        assert_eq!(
            st.lookup_interface("Gig 0/x"),
            Err(IfError::BadNumber { at: 6 })
        );
        assert_eq!(
            st.lookup_interface("0/1"),
            Err(IfError::UnknownType { accepted: 0 })
        );
        // Nothing was created by the failed lookups.
        assert_eq!(st.interfaces.len(), 3);
    }
}
