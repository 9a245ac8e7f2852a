//! [`Protocol`]: how a host is reached.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The protocol used to talk to a host.
///
/// Parsing is case-insensitive and accepts the Exscript aliases `ssh2`
/// (for [`Protocol::Ssh`]) and `pseudo` (for [`Protocol::Dummy`]).
///
/// ```
/// use oxscript_core::Protocol;
///
/// let p: Protocol = "SSH2".parse()?;
/// assert_eq!(p, Protocol::Ssh);
/// assert_eq!(p.default_port(), 22);
/// assert_eq!(p.to_string(), "ssh");
/// assert!("ftp".parse::<Protocol>().is_err());
/// # Ok::<(), oxscript_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// Telnet (RFC 854), default port 23.
    Telnet,
    /// SSH version 2, default port 22.
    Ssh,
    /// An in-memory virtual device; it has no port (0).
    Dummy,
    /// A serial console (`serial:///dev/ttyUSB0?baud=115200`): the host
    /// is the device path; it has no port (0). Reached through the host's
    /// gateway over SSH when it has one.
    Serial,
}

impl Protocol {
    /// The well-known port: 23 for Telnet, 22 for SSH, 0 for Dummy and
    /// Serial.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Telnet => 23,
            Protocol::Ssh => 22,
            Protocol::Dummy | Protocol::Serial => 0,
        }
    }

    /// The canonical lower-case name: `"telnet"`, `"ssh"`, `"dummy"` or
    /// `"serial"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Telnet => "telnet",
            Protocol::Ssh => "ssh",
            Protocol::Dummy => "dummy",
            Protocol::Serial => "serial",
        }
    }
}

impl FromStr for Protocol {
    type Err = Error;

    fn from_str(s: &str) -> Result<Protocol, Error> {
        match s.to_ascii_lowercase().as_str() {
            "telnet" => Ok(Protocol::Telnet),
            "ssh" | "ssh2" => Ok(Protocol::Ssh),
            "dummy" | "pseudo" => Ok(Protocol::Dummy),
            "serial" => Ok(Protocol::Serial),
            _ => Err(Error::UnknownProtocol { name: s.to_owned() }),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_and_aliases() {
        for (name, expected) in [
            ("telnet", Protocol::Telnet),
            ("TELNET", Protocol::Telnet),
            ("ssh", Protocol::Ssh),
            ("Ssh2", Protocol::Ssh),
            ("dummy", Protocol::Dummy),
            ("pseudo", Protocol::Dummy),
            ("Serial", Protocol::Serial),
        ] {
            assert_eq!(name.parse::<Protocol>().unwrap(), expected, "{name}");
        }
    }

    #[test]
    fn unknown_protocol() {
        let err = "ftp".parse::<Protocol>().unwrap_err();
        assert!(matches!(&err, Error::UnknownProtocol { name } if name == "ftp"));
        assert!(err.to_string().contains("unknown protocol `ftp`"));
        assert!("ssh1".parse::<Protocol>().is_err());
        assert!("".parse::<Protocol>().is_err());
    }

    #[test]
    fn ports_and_names() {
        assert_eq!(Protocol::Telnet.default_port(), 23);
        assert_eq!(Protocol::Ssh.default_port(), 22);
        assert_eq!(Protocol::Dummy.default_port(), 0);
        assert_eq!(Protocol::Serial.default_port(), 0);
        for p in [
            Protocol::Telnet,
            Protocol::Ssh,
            Protocol::Dummy,
            Protocol::Serial,
        ] {
            assert_eq!(p.to_string(), p.as_str());
            assert_eq!(p.as_str().parse::<Protocol>().unwrap(), p);
        }
    }
}
