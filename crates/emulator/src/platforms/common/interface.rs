//! Interfaces: their definition ([`Interface`]), typed names resolved to
//! the platform's spelling (`eth1/1` → `Ethernet1/1`), and IPv4
//! addresses with prefix lengths or dotted masks.

use std::net::Ipv4Addr;

use super::parser::is_prefix_ci;

/// An interface of an emulated device: its name as the platform spells
/// it (`ge-0/0/1`, `Ethernet1/1`, `GigabitEthernet0/0/0/0`,
/// `GigabitEthernet0/0/1`, `1/1/1`), a description, an IPv4 address with
/// its prefix length, and whether it is administratively down.
///
/// ```
/// use oxscript_emulator::Interface;
/// use std::net::Ipv4Addr;
///
/// let uplink = Interface::new("Ethernet1/1")
///     .with_description("uplink to spine1")
///     .with_address(Ipv4Addr::new(10, 0, 0, 1), 31);
/// assert_eq!(uplink.address, Some((Ipv4Addr::new(10, 0, 0, 1), 31)));
/// assert!(!uplink.shutdown);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The name, as the platform spells it.
    pub name: String,
    /// The description, if any.
    pub description: Option<String>,
    /// IPv4 address and prefix length, if any.
    pub address: Option<(Ipv4Addr, u8)>,
    /// Whether the interface is administratively down.
    pub shutdown: bool,
}

impl Interface {
    /// An interface that is up, without address or description.
    pub fn new(name: impl Into<String>) -> Self {
        Interface {
            name: name.into(),
            description: None,
            address: None,
            shutdown: false,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the address and prefix length (0 to 32; longer is cut to 32).
    pub fn with_address(mut self, address: Ipv4Addr, prefix_len: u8) -> Self {
        self.address = Some((address, prefix_len.min(32)));
        self
    }

    /// Sets the address with a dotted mask, as IOS writes it
    /// (`255.255.255.0` is a prefix length of 24). A mask that is not
    /// contiguous counts its leading ones.
    ///
    /// ```
    /// use oxscript_emulator::Interface;
    /// use std::net::Ipv4Addr;
    ///
    /// let lan = Interface::new("GigabitEthernet0/1")
    ///     .with_mask(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(255, 255, 255, 252));
    /// assert_eq!(lan.address, Some((Ipv4Addr::new(10, 0, 0, 1), 30)));
    /// ```
    pub fn with_mask(self, address: Ipv4Addr, mask: Ipv4Addr) -> Self {
        let ones = u32::from(mask).leading_ones();
        self.with_address(address, u8::try_from(ones).unwrap_or(32))
    }

    /// Sets whether the interface is administratively down.
    pub fn with_shutdown(mut self, shutdown: bool) -> Self {
        self.shutdown = shutdown;
        self
    }
}

/// A change to an interface made in configuration mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IfEdit {
    /// Sets (`Some`) or removes (`None`) the description.
    Description(Option<String>),
    /// Shuts the interface down (`true`) or brings it up.
    Shutdown(bool),
    /// Sets (`Some`) or removes (`None`) the IPv4 address.
    Address(Option<(Ipv4Addr, u8)>),
}

impl Interface {
    /// Applies a configuration change.
    pub(crate) fn apply(&mut self, edit: IfEdit) {
        match edit {
            IfEdit::Description(description) => self.description = description,
            IfEdit::Shutdown(shutdown) => self.shutdown = shutdown,
            IfEdit::Address(address) => self.address = address,
        }
    }
}

/// Adds `interface` to `list`, replacing one of the same name.
pub(crate) fn upsert_interface(list: &mut Vec<Interface>, interface: Interface) {
    upsert(list, interface, |i| &i.name);
}

/// Adds `item` to `list`, replacing the one of the same `name`.
pub(crate) fn upsert<T>(list: &mut Vec<T>, item: T, name: impl Fn(&T) -> &str) {
    match list.iter_mut().find(|i| name(i) == name(&item)) {
        Some(existing) => *existing = item,
        None => list.push(item),
    }
}

// ----- interface names -----

/// Why an interface name was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IfError {
    /// The type prefix matches no interface type; `accepted` is how many
    /// of its leading characters some type accepts (where IOS puts its
    /// marker).
    UnknownType { accepted: usize },
    /// The type prefix matches several interface types.
    Ambiguous,
    /// The type is known but the number is missing.
    NoNumber,
    /// The number is malformed; `at` is the offset (in characters, in the
    /// name without blanks) of its first bad character.
    BadNumber { at: usize },
    /// The name is well formed but no such interface exists, and it is
    /// not one that configuring creates.
    Missing,
}

/// Resolves a typed interface type (`eth`, `Gi`, `lo`) with the
/// platform's `(typed prefix, canonical type)` pairs: a prefix matches
/// case-insensitively, an exact match wins over longer ones.
pub(crate) fn resolve_type<'t>(
    typed: &str,
    types: impl IntoIterator<Item = (&'t str, &'t str)>,
) -> Result<&'t str, IfError> {
    if typed.is_empty() {
        return Err(IfError::UnknownType { accepted: 0 });
    }
    let mut found: Option<&str> = None;
    let mut exact: Option<&str> = None;
    let mut ambiguous = false;
    let mut accepted = 0;
    for (name, canonical) in types {
        if !is_prefix_ci(typed, name) {
            let common = typed
                .chars()
                .zip(name.chars())
                .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                .count();
            accepted = accepted.max(common);
            continue;
        }
        if typed.len() == name.len() {
            exact = Some(canonical);
        }
        match found {
            Some(f) if f != canonical => ambiguous = true,
            None => found = Some(canonical),
            _ => {}
        }
    }
    match (exact, found) {
        (Some(c), _) => Ok(c),
        (None, Some(_)) if ambiguous => Err(IfError::Ambiguous),
        (None, Some(c)) => Ok(c),
        (None, None) => Err(IfError::UnknownType { accepted }),
    }
}

/// Turns a typed interface name (`eth1/1`, `Ethernet 1/1`, `gi0/0/0/1`)
/// into its canonical spelling, given the platform's `(typed prefix,
/// canonical type)` pairs (see [`resolve_type`]).
pub(crate) fn canonical_interface(typed: &str, types: &[(&str, &str)]) -> Result<String, IfError> {
    let typed: String = typed.split_whitespace().collect();
    let split = typed
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(typed.len());
    let (prefix, number) = typed.split_at(split);
    let canonical = resolve_type(prefix, types.iter().copied())?;
    if number.is_empty() {
        return Err(IfError::NoNumber);
    }
    let start = prefix.chars().count();
    if let Some(bad) = number
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || c == '/' || c == '.'))
    {
        return Err(IfError::BadNumber { at: start + bad });
    }
    if number.ends_with(['/', '.']) {
        return Err(IfError::BadNumber {
            at: start + number.chars().count(),
        });
    }
    Ok(format!("{canonical}{number}"))
}

/// The index in `list` of the interface `typed` names (resolved with
/// [`canonical_interface`]); one that does not exist yet is added, made
/// by `make` from its canonical name, when its type is one of
/// `creatable` (loopbacks, VLAN interfaces …), else it is
/// [`IfError::Missing`].
pub(crate) fn find_interface<T>(
    list: &mut Vec<T>,
    typed: &str,
    types: &[(&str, &str)],
    name_of: impl Fn(&T) -> &str,
    creatable: &[&str],
    make: impl FnOnce(String) -> T,
) -> Result<usize, IfError> {
    let name = canonical_interface(typed, types)?;
    if let Some(i) = list.iter().position(|item| name_of(item) == name) {
        return Ok(i);
    }
    if !creatable.iter().any(|t| name.starts_with(t)) {
        return Err(IfError::Missing);
    }
    list.push(make(name));
    Ok(list.len() - 1)
}

/// The short form of an interface name (`Ethernet1/1` → `Eth1/1`) with
/// the platform's `(long type, short type)` pairs; the first type the
/// name starts with is shortened, a name of no listed type stays.
pub(crate) fn abbreviate(name: &str, table: &[(&str, &str)]) -> String {
    table
        .iter()
        .find_map(|(long, short)| name.strip_prefix(long).map(|rest| format!("{short}{rest}")))
        .unwrap_or_else(|| name.to_owned())
}

// ----- addresses -----

/// Parses `A.B.C.D/len`.
pub(crate) fn parse_prefix(text: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, len) = text.split_once('/')?;
    let addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    (len <= 32).then_some((addr, len))
}

/// Parses an address and a dotted mask (`10.0.0.1 255.255.255.0`); the
/// error is the index of the bad word (0: the address, 1: the mask).
pub(crate) fn parse_address_mask(address: &str, mask: &str) -> Result<(Ipv4Addr, u8), usize> {
    let address = address.parse().map_err(|_| 0_usize)?;
    let len = mask_len(mask).ok_or(1_usize)?;
    Ok((address, len))
}

/// Parses a dotted mask (`255.255.255.0`) into a prefix length; `None`
/// for a mask that is not contiguous.
pub(crate) fn mask_len(mask: &str) -> Option<u8> {
    mask_prefix_len(mask.parse().ok()?)
}

/// The prefix length of a mask; `None` for a mask that is not contiguous.
pub(crate) fn mask_prefix_len(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    (m.leading_ones() + m.trailing_zeros() == 32)
        .then(|| u8::try_from(m.leading_ones()).ok())
        .flatten()
}

/// The dotted mask of a prefix length.
pub(crate) fn len_mask(len: u8) -> Ipv4Addr {
    let len = u32::from(len.min(32));
    Ipv4Addr::from(u32::MAX.checked_shl(32 - len).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names() {
        let types = [
            ("Ethernet", "Ethernet"),
            ("loopback", "loopback"),
            ("mgmt", "mgmt"),
            ("GE", "GigabitEthernet"),
            ("GigabitEthernet", "GigabitEthernet"),
        ];
        assert_eq!(
            canonical_interface("eth1/1", &types).unwrap(),
            "Ethernet1/1"
        );
        assert_eq!(canonical_interface("e 1/1", &types).unwrap(), "Ethernet1/1");
        assert_eq!(canonical_interface("lo0", &types).unwrap(), "loopback0");
        assert_eq!(
            canonical_interface("ge0/0/1", &types).unwrap(),
            "GigabitEthernet0/0/1"
        );
        assert_eq!(
            canonical_interface("g0/0/1", &types).unwrap(),
            "GigabitEthernet0/0/1"
        );
        assert_eq!(
            canonical_interface("x1", &types),
            Err(IfError::UnknownType { accepted: 0 })
        );
        assert_eq!(
            canonical_interface("eths1", &types),
            Err(IfError::UnknownType { accepted: 3 })
        );
        assert_eq!(canonical_interface("eth", &types), Err(IfError::NoNumber));
        assert_eq!(
            canonical_interface("eth1/", &types),
            Err(IfError::BadNumber { at: 5 })
        );
        assert_eq!(
            canonical_interface("eth 1/x_2", &types),
            Err(IfError::BadNumber { at: 6 })
        );
        assert_eq!(
            canonical_interface("1/1", &types),
            Err(IfError::UnknownType { accepted: 0 })
        );
        assert_eq!(canonical_interface("m1", &types), Ok("mgmt1".to_owned()));
        assert_eq!(
            canonical_interface("g1", &[("Gi", "Gi"), ("GE", "GE")]),
            Err(IfError::Ambiguous)
        );
        let mut list = vec![Interface::new("Ethernet1/1")];
        upsert_interface(&mut list, Interface::new("Ethernet1/1").with_shutdown(true));
        upsert_interface(&mut list, Interface::new("loopback0"));
        assert_eq!(list.len(), 2);
        assert!(list[0].shutdown);

        let creatable = ["loopback"];
        let find = |list: &mut Vec<Interface>, typed| {
            find_interface(list, typed, &types, |i| &i.name, &creatable, Interface::new)
        };
        assert_eq!(find(&mut list, "lo0"), Ok(1));
        assert_eq!(find(&mut list, "lo7"), Ok(2));
        assert_eq!(list[2].name, "loopback7");
        assert_eq!(find(&mut list, "eth1/9"), Err(IfError::Missing));
        assert_eq!(list.len(), 3);

        list[0].apply(IfEdit::Description(Some("up".to_owned())));
        list[0].apply(IfEdit::Shutdown(false));
        list[0].apply(IfEdit::Address(Some((Ipv4Addr::new(10, 0, 0, 1), 31))));
        assert_eq!(
            list[0],
            Interface::new("Ethernet1/1")
                .with_description("up")
                .with_address(Ipv4Addr::new(10, 0, 0, 1), 31)
        );
        list[0].apply(IfEdit::Description(None));
        list[0].apply(IfEdit::Address(None));
        assert_eq!(list[0], Interface::new("Ethernet1/1"));

        let short = [("Ethernet", "Eth"), ("loopback", "Lo")];
        assert_eq!(abbreviate("Ethernet1/1", &short), "Eth1/1");
        assert_eq!(abbreviate("loopback0", &short), "Lo0");
        assert_eq!(abbreviate("mgmt0", &short), "mgmt0");
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_prefix("10.0.0.1/31"),
            Some((Ipv4Addr::new(10, 0, 0, 1), 31))
        );
        assert_eq!(parse_prefix("10.0.0.1/33"), None);
        assert_eq!(parse_prefix("10.0.0.1"), None);
        assert_eq!(mask_len("255.255.255.0"), Some(24));
        assert_eq!(mask_len("255.0.255.0"), None);
        assert_eq!(
            parse_address_mask("10.0.0.1", "255.255.255.252"),
            Ok((Ipv4Addr::new(10, 0, 0, 1), 30))
        );
        assert_eq!(parse_address_mask("10.0.0", "255.255.255.252"), Err(0));
        assert_eq!(parse_address_mask("10.0.0.1", "255.0.255.0"), Err(1));
        assert_eq!(len_mask(24), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(len_mask(0), Ipv4Addr::new(0, 0, 0, 0));
        assert_eq!(len_mask(32), Ipv4Addr::new(255, 255, 255, 255));
    }
}
