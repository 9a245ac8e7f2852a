//! [`Shell`]: how to enter a shell from the current one and leave it,
//! as data ([`Entry`]) that [`ShellStack::push`](crate::ShellStack::push)
//! plays.

use std::fmt;
use std::sync::Arc;

use oxscript_core::Secret;
use oxscript_drivers::Pattern;

use crate::{Error, Result};

/// A shell that can be entered from the current one by typing a command
/// (crl `Shell`). Built-in kinds: [`BashShell`](crate::BashShell),
/// [`SshShell`](crate::SshShell), [`SuShell`](crate::SuShell),
/// [`SudoShell`](crate::SudoShell), [`PythonShell`](crate::PythonShell),
/// [`TelnetShell`](crate::TelnetShell), and [`CustomShell`](crate::CustomShell)
/// for anything else (also built from a driver). A shell of your own is
/// a few lines:
///
/// ```
/// use oxscript_shells::{Entry, Flavor, Result, Shell};
///
/// /// A root shell through `doas`, which needs no password here.
/// #[derive(Debug)]
/// struct Doas;
///
/// impl Shell for Doas {
///     fn describe(&self) -> String {
///         "doas -s".into()
///     }
///     fn entry(&self) -> Result<Entry> {
///         Ok(Entry::new("doas -s", Flavor::Posix).failure(r"doas: [^\r\n]*")?)
///     }
/// }
/// # let _ = Doas.entry().unwrap();
/// ```
pub trait Shell: Send + Sync + fmt::Debug {
    /// A short description for logs and errors (never a password), e.g.
    /// `ssh alice@gw:2202`.
    fn describe(&self) -> String;

    /// How to enter it: the command, the questions on the way, the
    /// failures, the kind of shell it starts.
    fn entry(&self) -> Result<Entry>;
}

impl<S: Shell + ?Sized> Shell for Arc<S> {
    fn describe(&self) -> String {
        (**self).describe()
    }

    fn entry(&self) -> Result<Entry> {
        (**self).entry()
    }
}

/// What runs once a shell has been entered, which decides how its prompt
/// is made unique and how an exit status is found.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Flavor {
    /// A POSIX shell (bash, dash, ash): `PS1` is set to a marker unique
    /// to the stack and the level that shows `$?`, `PS2` is emptied,
    /// `PROMPT_COMMAND` unset and bracketed paste turned off. Runs report
    /// the command's exit status.
    Posix,
    /// Python's interactive interpreter: `sys.ps1`/`sys.ps2` set to
    /// markers unique to the level. A run whose output holds a traceback
    /// has status 1, else 0.
    Python,
    /// Any other command line (a router's CLI reached through `telnet`):
    /// its prompt patterns, left as they are; runs have no exit status.
    Prompt(Vec<Pattern>),
}

/// How a question met while entering a shell is answered.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Reply {
    /// Send this line.
    Line(String),
    /// Send this secret as a line (never logged).
    Secret(Secret),
    /// An `ssh` host-key question: answered `yes` or `no` by the policy.
    HostKey(HostKeyPolicy),
    /// The question cannot be answered: fail with this reason.
    Fail(String),
}

/// A question met while entering a shell, and its answer.
#[derive(Clone, Debug)]
pub struct Step {
    /// What the question looks like.
    pub pattern: Pattern,
    /// How it is answered.
    pub reply: Reply,
    /// When the question comes a second time (a password prompt after a
    /// refused password), the entry fails with this reason; `None`
    /// answers it again.
    pub again: Option<String>,
}

/// How to enter a shell: played by [`ShellStack::push`](crate::ShellStack::push).
///
/// The command is typed; then every incoming question matching a step is
/// answered, a failure pattern ends the entry with an error (after
/// sending [`abort`](Entry::abort) and waiting for the shell below), and
/// the first prompt of the new shell ends the dialogue. The default
/// prompts of the new shell depend on the [`Flavor`]: the `shell`
/// driver's for [`Flavor::Posix`], `>>> ` for [`Flavor::Python`], the
/// given patterns for [`Flavor::Prompt`]; [`ready`](Entry::ready) adds more.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Entry {
    /// The command typed in the current shell.
    pub command: String,
    /// Questions answered on the way.
    pub steps: Vec<Step>,
    /// Text that says the entry failed.
    pub failures: Vec<Pattern>,
    /// What runs once entered.
    pub flavor: Flavor,
    /// More patterns for the new shell's first prompt.
    pub ready: Vec<Pattern>,
    /// The command that leaves the shell (`exit`, `exit()`).
    pub exit: String,
    /// What is sent to back out of a failed entry (Ctrl-C by default).
    pub abort: String,
}

impl Entry {
    /// An entry typing `command` and leaving with `exit` (`exit()` for
    /// Python), with no questions and no failure patterns yet.
    pub fn new(command: impl Into<String>, flavor: Flavor) -> Entry {
        let exit = match flavor {
            Flavor::Python => "exit()",
            _ => "exit",
        };
        Entry {
            command: command.into(),
            steps: Vec::new(),
            failures: Vec::new(),
            flavor,
            ready: Vec::new(),
            exit: exit.into(),
            abort: "\x03".into(),
        }
    }

    /// Answers questions matching `pattern` with `reply`; a second
    /// occurrence fails with `again` when given.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when the pattern does not compile.
    pub fn step(mut self, pattern: &str, reply: Reply, again: Option<&str>) -> Result<Entry> {
        self.steps.push(Step {
            pattern: compile(pattern)?,
            reply,
            again: again.map(str::to_owned),
        });
        Ok(self)
    }

    /// Adds a failure pattern (its matched text becomes the error's reason).
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when the pattern does not compile.
    pub fn failure(mut self, pattern: &str) -> Result<Entry> {
        self.failures.push(compile(pattern)?);
        Ok(self)
    }

    /// Changes the command that leaves the shell.
    pub fn exit(mut self, command: impl Into<String>) -> Entry {
        self.exit = command.into();
        self
    }
}

/// Compiles a pattern, as a Session error when it is malformed.
pub(crate) fn compile(pattern: &str) -> Result<Pattern> {
    Pattern::new(pattern).map_err(|e| Error::Transport(oxscript_transport::Error::from(e)))
}

/// How an `ssh` typed inside the terminal answers the question about an
/// unknown host key ("Are you sure you want to continue connecting?").
/// The default refuses: accepting a key nobody checked is an explicit,
/// named choice.
///
/// ```
/// use oxscript_shells::HostKeyPolicy;
///
/// let fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
/// assert!(!HostKeyPolicy::default().accepts(Some(fp)));
/// assert!(HostKeyPolicy::Fingerprints(vec![fp.into()]).accepts(Some(fp)));
/// assert!(!HostKeyPolicy::Fingerprints(vec![fp.into()]).accepts(None));
/// assert!(HostKeyPolicy::AcceptUnknown.accepts(None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostKeyPolicy {
    /// Answer `no` (the default): the entry fails with
    /// [`Error::HostKeyRejected`] showing the fingerprint.
    #[default]
    Reject,
    /// Answer `yes` only when the fingerprint `ssh` shows
    /// (`SHA256:...` or `MD5:...`) is one of these.
    Fingerprints(Vec<String>),
    /// Answer `yes` to any unknown key (trust on first use), with a
    /// warning naming the fingerprint. Only for lab networks.
    AcceptUnknown,
}

impl HostKeyPolicy {
    /// Whether a key with `fingerprint` (as shown by `ssh`, if it showed
    /// one) is accepted.
    pub fn accepts(&self, fingerprint: Option<&str>) -> bool {
        match self {
            HostKeyPolicy::Reject => false,
            HostKeyPolicy::Fingerprints(known) => {
                fingerprint.is_some_and(|fp| known.iter().any(|k| k == fp))
            }
            HostKeyPolicy::AcceptUnknown => true,
        }
    }

    /// The policy's name for errors.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            HostKeyPolicy::Reject => "reject unknown keys",
            HostKeyPolicy::Fingerprints(_) => "accept listed fingerprints",
            HostKeyPolicy::AcceptUnknown => "accept unknown keys",
        }
    }
}

/// The fingerprint an `ssh` host-key question shows, if any.
pub(crate) fn fingerprint_in(text: &str) -> Option<String> {
    let start = text.rfind("SHA256:").or_else(|| text.rfind("MD5:"))?;
    let fp: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '+' | '/' | '='))
        .collect();
    Some(fp)
}

/// `word` quoted for a POSIX shell command line when it needs quoting.
pub(crate) fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_and_quoting() {
        let q = "ED25519 key fingerprint is SHA256:ab+/c=.\r\nAre you sure";
        assert_eq!(fingerprint_in(q).as_deref(), Some("SHA256:ab+/c="));
        assert_eq!(fingerprint_in("no key"), None);
        assert_eq!(shell_word("alice@gw"), "alice@gw");
        assert_eq!(shell_word("a b'c"), r"'a b'\''c'");
        assert_eq!(shell_word(""), "''");
    }
}
