//! The built-in shells: bash, ssh, su, sudo, python, telnet, and custom
//! ones (from a driver or a few patterns).

use std::path::PathBuf;

use oxscript_core::{Account, Secret};
use oxscript_drivers::{Driver, Pattern};

use crate::shell::{Entry, Flavor, HostKeyPolicy, Reply, Shell, shell_word};
use crate::{Error, Result};

/// A password prompt (`Password:`, `[sudo] password for al:`, `al@gw's password:`).
const PASSWORD: &str = r"(?i)password(?: for [^:\r\n]+)?:[ \t]*$";
const REFUSED: &str = "the password was refused";
/// Lines that say a program is missing.
const MISSING: &str = r"(?m)^[^\r\n]*(?:command not found|No such file or directory)[^\r\n]*";

fn no_secret(what: &str) -> Reply {
    Reply::Fail(format!("asked for {what} and none was given"))
}

fn secret_or_fail(secret: Option<&Secret>, what: &str) -> Reply {
    secret.map_or_else(|| no_secret(what), |s| Reply::Secret(s.clone()))
}

/// A new bash (crl `BashShell`), started with `bash --norc --noprofile`
/// by default so that no start-up file changes the prompt or the
/// terminal.
///
/// ```
/// use oxscript_shells::{BashShell, Shell};
///
/// assert_eq!(BashShell::new().entry()?.command, "bash --norc --noprofile");
/// assert_eq!(BashShell::with_command("sh").entry()?.command, "sh");
/// # Ok::<(), oxscript_shells::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BashShell {
    command: String,
}

impl BashShell {
    /// `bash --norc --noprofile`.
    pub fn new() -> BashShell {
        BashShell::with_command("bash --norc --noprofile")
    }

    /// Another command starting a POSIX shell (`sh`, `bash -l`, `zsh -f`).
    pub fn with_command(command: impl Into<String>) -> BashShell {
        BashShell {
            command: command.into(),
        }
    }
}

impl Default for BashShell {
    fn default() -> Self {
        BashShell::new()
    }
}

impl Shell for BashShell {
    fn describe(&self) -> String {
        self.command.clone()
    }

    fn entry(&self) -> Result<Entry> {
        Entry::new(&self.command, Flavor::Posix).failure(MISSING)
    }
}

/// How an [`SshShell`] authenticates.
#[derive(Clone, Debug)]
enum SshAuth {
    Password(Secret),
    /// A key file on the machine where `ssh` runs, and its passphrase.
    Key(PathBuf, Option<Secret>),
    /// Whatever the remote `ssh` has (an agent, default keys).
    None,
}

/// `ssh` typed inside the current shell (crl `SshShell`): answers the
/// host-key question with a [`HostKeyPolicy`] (refusing by default) and
/// the password or key passphrase prompt; a refused password fails the
/// entry at once (no second try that could lock the account).
///
/// This is not a gateway connection (see the transport crate's SSH
/// gateways for `direct-tcpip` hops): the `ssh` client of the remote
/// host runs inside the terminal.
///
/// ```
/// use oxscript_shells::{HostKeyPolicy, Shell, SshShell};
///
/// let shell = SshShell::new("gw.example.net", "alice")
///     .password("s3cret")
///     .port(2202)
///     .host_key_policy(HostKeyPolicy::Fingerprints(vec!["SHA256:abc".into()]))
///     .option("ServerAliveInterval=10");
/// let entry = shell.entry()?;
/// assert_eq!(
///     entry.command,
///     "ssh -p 2202 -o ServerAliveInterval=10 -o StrictHostKeyChecking=ask alice@gw.example.net"
/// );
/// assert_eq!(shell.describe(), "ssh alice@gw.example.net:2202");
/// assert!(!format!("{shell:?}").contains("s3cret"));
/// # Ok::<(), oxscript_shells::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SshShell {
    host: String,
    user: String,
    port: u16,
    auth: SshAuth,
    policy: HostKeyPolicy,
    options: Vec<String>,
}

impl SshShell {
    /// `ssh user@host` on port 22, host keys refused unless known.
    pub fn new(host: impl Into<String>, user: impl Into<String>) -> SshShell {
        SshShell {
            host: host.into(),
            user: user.into(),
            port: 22,
            auth: SshAuth::None,
            policy: HostKeyPolicy::default(),
            options: Vec::new(),
        }
    }

    /// Answers the password prompt with `password`.
    pub fn password(mut self, password: impl Into<Secret>) -> SshShell {
        self.auth = SshAuth::Password(password.into());
        self
    }

    /// Logs in with the key file `path` (on the host where `ssh` runs),
    /// answering its passphrase prompt with `passphrase` if given.
    pub fn key(mut self, path: impl Into<PathBuf>, passphrase: Option<Secret>) -> SshShell {
        self.auth = SshAuth::Key(path.into(), passphrase);
        self
    }

    /// The server's port.
    pub fn port(mut self, port: u16) -> SshShell {
        self.port = port;
        self
    }

    /// How the host-key question is answered.
    pub fn host_key_policy(mut self, policy: HostKeyPolicy) -> SshShell {
        self.policy = policy;
        self
    }

    /// Adds `-o option` (e.g. `UserKnownHostsFile=/dev/null`).
    pub fn option(mut self, option: impl Into<String>) -> SshShell {
        self.options.push(option.into());
        self
    }
}

impl Shell for SshShell {
    fn describe(&self) -> String {
        format!("ssh {}@{}:{}", self.user, self.host, self.port)
    }

    fn entry(&self) -> Result<Entry> {
        if self.host.is_empty() || self.host.starts_with('-') || self.user.starts_with('-') {
            return Err(Error::Stack(format!(
                "invalid ssh destination {:?}@{:?}",
                self.user, self.host
            )));
        }
        let mut command = format!("ssh -p {}", self.port);
        let mut passphrase = None;
        let mut password = None;
        match &self.auth {
            SshAuth::Key(path, phrase) => {
                command.push_str(" -i ");
                command.push_str(&shell_word(&path.to_string_lossy()));
                passphrase = phrase.as_ref();
            }
            SshAuth::Password(secret) => password = Some(secret),
            SshAuth::None => {}
        }
        for option in &self.options {
            command.push_str(" -o ");
            command.push_str(&shell_word(option));
        }
        command.push_str(" -o StrictHostKeyChecking=ask ");
        command.push_str(&shell_word(&format!("{}@{}", self.user, self.host)));
        Entry::new(command, Flavor::Posix)
            .step(
                r"(?i)are you sure you want to continue connecting[^\r\n]*\?[ \t]*$",
                Reply::HostKey(self.policy.clone()),
                Some("the host-key question came twice"),
            )?
            .step(
                r"(?i)enter passphrase for key[^\r\n]*:[ \t]*$",
                secret_or_fail(passphrase, "a key passphrase"),
                Some("the key passphrase was refused"),
            )?
            .step(
                PASSWORD,
                secret_or_fail(password, "a password"),
                Some(REFUSED),
            )?
            .failure(r"(?i)permission denied[^\r\n]*")?
            .failure(r"Host key verification failed[^\r\n]*")?
            .failure(r"REMOTE HOST IDENTIFICATION HAS CHANGED")?
            .failure(r"(?i)could not resolve hostname[^\r\n]*")?
            .failure(r"ssh: connect to host[^\r\n]*")?
            .failure(r"(?i)connection (?:refused|timed out|closed by)[^\r\n]*")?
            .failure(r"(?i)too many authentication failures[^\r\n]*")?
            .failure(MISSING)
    }
}

/// `su` to another user (root by default), answering its password
/// prompt (crl `SuShell`-like; for root the root password).
///
/// ```
/// use oxscript_shells::{Shell, SuShell};
///
/// assert_eq!(SuShell::root("pw").entry()?.command, "su -");
/// assert_eq!(SuShell::user("bob", "pw").entry()?.command, "su - bob");
/// # Ok::<(), oxscript_shells::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SuShell {
    user: Option<String>,
    password: Option<Secret>,
}

impl SuShell {
    /// `su -` with the root password.
    pub fn root(password: impl Into<Secret>) -> SuShell {
        SuShell {
            user: None,
            password: Some(password.into()),
        }
    }

    /// `su - user` with that user's password.
    pub fn user(user: impl Into<String>, password: impl Into<Secret>) -> SuShell {
        SuShell {
            user: Some(user.into()),
            password: Some(password.into()),
        }
    }
}

impl Shell for SuShell {
    fn describe(&self) -> String {
        format!("su - {}", self.user.as_deref().unwrap_or("root"))
    }

    fn entry(&self) -> Result<Entry> {
        let command = match &self.user {
            Some(user) => format!("su - {}", shell_word(user)),
            None => "su -".to_owned(),
        };
        Entry::new(command, Flavor::Posix)
            .step(
                PASSWORD,
                secret_or_fail(self.password.as_ref(), "a password"),
                Some(REFUSED),
            )?
            .failure(r"(?i)su: [^\r\n]*(?:failure|incorrect|does not exist|sorry)[^\r\n]*")?
            .failure(r"(?i)authentication failure[^\r\n]*")?
            .failure(MISSING)
    }
}

/// `sudo -s` (or `sudo -i`, or `sudo -u user -s`), answering the
/// password prompt with the current user's password when asked (crl
/// `SudoShell`-like). A `NOPASSWD` rule needs no password.
///
/// ```
/// use oxscript_shells::{Shell, SudoShell};
///
/// assert_eq!(SudoShell::new(Some("pw".into())).entry()?.command, "sudo -s");
/// assert_eq!(SudoShell::new(None).login().entry()?.command, "sudo -i");
/// assert_eq!(SudoShell::new(None).as_user("www").entry()?.command, "sudo -u www -s");
/// # Ok::<(), oxscript_shells::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SudoShell {
    password: Option<Secret>,
    user: Option<String>,
    login: bool,
}

impl SudoShell {
    /// `sudo -s`, answering a password prompt with `password` (failing if
    /// asked and `None`).
    pub fn new(password: Option<Secret>) -> SudoShell {
        SudoShell {
            password,
            user: None,
            login: false,
        }
    }

    /// A login shell (`-i`) instead of `-s`.
    pub fn login(mut self) -> SudoShell {
        self.login = true;
        self
    }

    /// Runs the shell as `user` instead of root (`-u user`).
    pub fn as_user(mut self, user: impl Into<String>) -> SudoShell {
        self.user = Some(user.into());
        self
    }
}

impl Shell for SudoShell {
    fn describe(&self) -> String {
        self.entry_command()
    }

    fn entry(&self) -> Result<Entry> {
        Entry::new(self.entry_command(), Flavor::Posix)
            .step(
                PASSWORD,
                secret_or_fail(self.password.as_ref(), "a password"),
                Some(REFUSED),
            )?
            .failure(r"(?i)sorry, try again[^\r\n]*")?
            .failure(r"(?i)incorrect password attempt[^\r\n]*")?
            .failure(r"(?i)[^\r\n]*is not in the sudoers file[^\r\n]*")?
            .failure(r"(?i)[^\r\n]*is not allowed to[^\r\n]*")?
            .failure(r"(?i)sudo: a password is required[^\r\n]*")?
            .failure(MISSING)
    }
}

impl SudoShell {
    fn entry_command(&self) -> String {
        let mut command = "sudo".to_owned();
        if let Some(user) = &self.user {
            command.push_str(" -u ");
            command.push_str(&shell_word(user));
        }
        command.push_str(if self.login { " -i" } else { " -s" });
        command
    }
}

/// Python's interactive interpreter (crl `PythonShell`): `python3 -q -i`
/// by default, with a unique `sys.ps1` per level. The
/// [`RunnerTerminal`](crate::RunnerTerminal) runs its protocol in it.
///
/// ```
/// use oxscript_shells::{PythonShell, Shell};
///
/// let entry = PythonShell::new().entry()?;
/// assert_eq!((entry.command.as_str(), entry.exit.as_str()), ("python3 -q -i", "exit()"));
/// # Ok::<(), oxscript_shells::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PythonShell {
    command: String,
}

impl PythonShell {
    /// `python3 -q -i`.
    pub fn new() -> PythonShell {
        PythonShell::with_command("python3 -q -i")
    }

    /// Another interpreter command (`python3.11 -q -i`, `/opt/venv/bin/python -i`).
    pub fn with_command(command: impl Into<String>) -> PythonShell {
        PythonShell {
            command: command.into(),
        }
    }
}

impl Default for PythonShell {
    fn default() -> Self {
        PythonShell::new()
    }
}

impl Shell for PythonShell {
    fn describe(&self) -> String {
        self.command.clone()
    }

    fn entry(&self) -> Result<Entry> {
        Entry::new(&self.command, Flavor::Python).failure(MISSING)
    }
}

/// `telnet host port` typed inside the current shell (from a jump box),
/// answering the login and password prompts. The far end is a POSIX shell
/// unless [`with_driver`](TelnetShell::with_driver) names its prompts.
///
/// ```
/// use oxscript_shells::{Shell, TelnetShell};
///
/// let shell = TelnetShell::new("r1", 23, "admin", "pw");
/// assert_eq!(shell.entry()?.command, "telnet r1 23");
/// # Ok::<(), oxscript_shells::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TelnetShell {
    host: String,
    port: u16,
    user: String,
    password: Secret,
    flavor: Flavor,
    exit: Option<String>,
}

impl TelnetShell {
    /// `telnet host port`, logging in as `user` with `password`.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        user: impl Into<String>,
        password: impl Into<Secret>,
    ) -> TelnetShell {
        TelnetShell {
            host: host.into(),
            port,
            user: user.into(),
            password: password.into(),
            flavor: Flavor::Posix,
            exit: None,
        }
    }

    /// The far end is a device of `driver`: its prompts end the login,
    /// its first logout command leaves.
    pub fn with_driver(mut self, driver: &Driver) -> TelnetShell {
        self.flavor = Flavor::Prompt(driver.prompt.clone());
        self.exit = driver.logout.first().cloned();
        self
    }
}

impl Shell for TelnetShell {
    fn describe(&self) -> String {
        format!("telnet {}@{}:{}", self.user, self.host, self.port)
    }

    fn entry(&self) -> Result<Entry> {
        if self.host.is_empty() || self.host.starts_with('-') {
            return Err(Error::Stack(format!("invalid telnet host {:?}", self.host)));
        }
        let command = format!("telnet {} {}", shell_word(&self.host), self.port);
        let mut entry = Entry::new(command, self.flavor.clone())
            .step(
                r"(?i)(?:login|username|user name):[ \t]*$",
                Reply::Line(self.user.clone()),
                Some("the login was refused"),
            )?
            .step(
                PASSWORD,
                Reply::Secret(self.password.clone()),
                Some(REFUSED),
            )?
            .failure(r"(?i)login incorrect[^\r\n]*")?
            .failure(r"(?i)connection refused[^\r\n]*")?
            .failure(r"(?i)unable to connect[^\r\n]*")?
            .failure(r"(?i)connection closed by foreign host[^\r\n]*")?
            .failure(r"(?i)could not resolve[^\r\n]*")?
            .failure(r"(?i)unknown host[^\r\n]*")?
            .failure(MISSING)?;
        if let Some(exit) = &self.exit {
            entry = entry.exit(exit.clone());
        }
        Ok(entry)
    }
}

/// A shell described by data: a command, questions, failures, a flavor
/// (crl's user-defined shells). Build it by hand or from a driver.
///
/// ```
/// use oxscript_shells::{CustomShell, Flavor, Reply, Shell};
///
/// // A vendor CLI started from the shell, asking for a PIN.
/// let cli = CustomShell::new("vendor-cli", Flavor::Prompt(oxscript_drivers::patterns(&[r"cli> $"])?))
///     .step(r"PIN: $", Reply::Secret("1234".into()), Some("wrong PIN"))?
///     .failure(r"(?m)^ERROR: [^\r\n]*")?
///     .exit("quit");
/// let entry = cli.entry()?;
/// assert_eq!((entry.command.as_str(), entry.exit.as_str()), ("vendor-cli", "quit"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CustomShell {
    entry: Entry,
}

impl CustomShell {
    /// A shell started with `command`, of `flavor`.
    pub fn new(command: impl Into<String>, flavor: Flavor) -> CustomShell {
        CustomShell {
            entry: Entry::new(command, flavor),
        }
    }

    /// A device CLI started with `command` (e.g. `telnet 10.0.0.1`,
    /// `ssh -p 22 admin@r1`, `screen /dev/ttyS0`) and logged into the way
    /// `driver` describes: its username prompts answered with the
    /// account's name, its password prompts with the account's password,
    /// its login errors failing the entry, its prompts ending it, its
    /// first logout command leaving it.
    pub fn from_driver(
        command: impl Into<String>,
        driver: &Driver,
        account: Option<&Account>,
    ) -> CustomShell {
        let mut entry = Entry::new(command, Flavor::Prompt(driver.prompt.clone()));
        let answer = |patterns: &[Pattern], reply: Reply, again: &str, entry: &mut Entry| {
            for pattern in patterns {
                entry.steps.push(crate::shell::Step {
                    pattern: pattern.clone(),
                    reply: reply.clone(),
                    again: Some(again.to_owned()),
                });
            }
        };
        let (user, password) = match account {
            Some(a) => (
                Reply::Line(a.name().to_owned()),
                Reply::Secret(a.password().clone()),
            ),
            None => (no_secret("a username"), no_secret("a password")),
        };
        answer(
            &driver.username_prompt,
            user,
            "the login was refused",
            &mut entry,
        );
        answer(&driver.password_prompt, password, REFUSED, &mut entry);
        entry.failures.extend(driver.login_error.iter().cloned());
        if let Some(exit) = driver.logout.first() {
            entry.exit = exit.clone();
        }
        CustomShell { entry }
    }

    /// Answers questions matching `pattern` with `reply` (see [`Entry::step`]).
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when the pattern does not compile.
    pub fn step(mut self, pattern: &str, reply: Reply, again: Option<&str>) -> Result<CustomShell> {
        self.entry = self.entry.step(pattern, reply, again)?;
        Ok(self)
    }

    /// Adds a failure pattern.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when the pattern does not compile.
    pub fn failure(mut self, pattern: &str) -> Result<CustomShell> {
        self.entry = self.entry.failure(pattern)?;
        Ok(self)
    }

    /// Adds a pattern for the new shell's first prompt.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when the pattern does not compile.
    pub fn ready(mut self, pattern: &str) -> Result<CustomShell> {
        self.entry.ready.push(crate::shell::compile(pattern)?);
        Ok(self)
    }

    /// The command that leaves the shell.
    pub fn exit(mut self, command: impl Into<String>) -> CustomShell {
        self.entry = self.entry.exit(command);
        self
    }
}

impl Shell for CustomShell {
    fn describe(&self) -> String {
        self.entry.command.clone()
    }

    fn entry(&self) -> Result<Entry> {
        Ok(self.entry.clone())
    }
}
