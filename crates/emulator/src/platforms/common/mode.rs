//! The command modes of the Cisco-style CLIs (IOS, EOS, NX-OS, IOS XR)
//! and their bits in the command tables ([`Syntax::modes`](super::Syntax)).

/// A command mode of a Cisco-style CLI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Exec (IOS and EOS: user exec, `host>`). NX-OS and IOS XR log users
    /// in here with every privilege and have no other exec mode.
    Exec,
    /// Privileged exec (IOS and EOS: `host#`, after `enable`).
    Privileged,
    /// Global configuration.
    Config,
    /// Interface configuration.
    ConfigIf,
}

pub(crate) const EXEC: u32 = 1;
pub(crate) const PRIV: u32 = 2;
pub(crate) const CONF: u32 = 4;
pub(crate) const CONF_IF: u32 = 8;
pub(crate) const ANY_CONF: u32 = CONF | CONF_IF;

impl Mode {
    /// The mode's bit in [`Syntax::modes`](super::Syntax).
    pub(crate) fn mask(self) -> u32 {
        match self {
            Mode::Exec => EXEC,
            Mode::Privileged => PRIV,
            Mode::Config => CONF,
            Mode::ConfigIf => CONF_IF,
        }
    }

    /// The name stored in [`DeviceContext::mode`](crate::DeviceContext::mode).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Exec => "exec",
            Mode::Privileged => "privileged",
            Mode::Config => "config",
            Mode::ConfigIf => "config-if",
        }
    }

    /// The mode a session starts in after login: privileged exec for a
    /// user with every privilege, else exec.
    pub(crate) fn after_login(privileged: bool) -> Mode {
        if privileged {
            Mode::Privileged
        } else {
            Mode::Exec
        }
    }

    /// Where `exit` leads: from interface configuration to global
    /// configuration, from anywhere else to `top` (the exec mode
    /// configuration was entered from).
    pub(crate) fn exit(self, top: Mode) -> Mode {
        if self == Mode::ConfigIf {
            Mode::Config
        } else {
            top
        }
    }
}
