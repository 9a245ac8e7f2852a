//! [`Signal`]: the signals a process can be sent, locally or over SSH.

use std::fmt;

/// A signal for [`Process::kill`](super::Process::kill): sent with
/// `kill(2)` to a local process (its whole process group by default),
/// as an SSH `signal` request to a remote one (OpenSSH delivers it to the
/// command's process group).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// SIGTERM, the default: asks the process to end.
    Term,
    /// SIGKILL: ends it at once.
    Kill,
    /// SIGINT (Ctrl-C).
    Int,
    /// SIGHUP.
    Hup,
    /// SIGQUIT.
    Quit,
    /// SIGUSR1.
    Usr1,
    /// SIGUSR2.
    Usr2,
}

impl Signal {
    /// The name without `SIG`, as SSH and exit statuses spell it: `TERM`, `KILL`…
    pub fn name(self) -> &'static str {
        match self {
            Signal::Term => "TERM",
            Signal::Kill => "KILL",
            Signal::Int => "INT",
            Signal::Hup => "HUP",
            Signal::Quit => "QUIT",
            Signal::Usr1 => "USR1",
            Signal::Usr2 => "USR2",
        }
    }

    /// Whether a process still running some time after it gets a
    /// [`kill`](super::Process::kill) with this signal is sent SIGKILL (execo
    /// does so after SIGTERM and SIGINT).
    pub fn escalates(self) -> bool {
        matches!(self, Signal::Term | Signal::Int)
    }

    #[cfg(unix)]
    pub(crate) fn to_nix(self) -> nix::sys::signal::Signal {
        use nix::sys::signal::Signal as S;
        match self {
            Signal::Term => S::SIGTERM,
            Signal::Kill => S::SIGKILL,
            Signal::Int => S::SIGINT,
            Signal::Hup => S::SIGHUP,
            Signal::Quit => S::SIGQUIT,
            Signal::Usr1 => S::SIGUSR1,
            Signal::Usr2 => S::SIGUSR2,
        }
    }

    pub(crate) fn to_ssh(self) -> russh::Sig {
        use russh::Sig;
        match self {
            Signal::Term => Sig::TERM,
            Signal::Kill => Sig::KILL,
            Signal::Int => Sig::INT,
            Signal::Hup => Sig::HUP,
            Signal::Quit => Sig::QUIT,
            Signal::Usr1 => Sig::USR1,
            Signal::Usr2 => Sig::Custom("USR2".into()),
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIG{}", self.name())
    }
}

/// The name (without `SIG`) of signal number `number`, or the number.
#[cfg(unix)]
pub(crate) fn signal_name(number: i32) -> String {
    nix::sys::signal::Signal::try_from(number)
        .map(|s| s.as_str().trim_start_matches("SIG").to_owned())
        .unwrap_or_else(|_| number.to_string())
}

/// The signal name of an SSH `exit-signal` message.
pub(crate) fn ssh_signal_name(sig: &russh::Sig) -> String {
    match sig {
        russh::Sig::Custom(name) => name.clone(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_conversions() {
        assert_eq!(Signal::Term.to_string(), "SIGTERM");
        assert!(Signal::Int.escalates() && !Signal::Kill.escalates());
        assert_eq!(Signal::Kill.to_nix(), nix::sys::signal::Signal::SIGKILL);
        assert_eq!(ssh_signal_name(&Signal::Term.to_ssh()), "TERM");
        assert_eq!(ssh_signal_name(&Signal::Usr2.to_ssh()), "USR2");
        assert_eq!(signal_name(15), "TERM");
        assert_eq!(signal_name(200), "200");
    }
}
