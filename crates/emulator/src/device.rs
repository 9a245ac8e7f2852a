//! Device definitions: [`VirtualDevice`] and its settings.

use std::fmt;
use std::sync::Arc;

use crate::command::{CommandSet, Handler, Reply};
use crate::context::DeviceContext;
use crate::error::Result;
use crate::session::DeviceSession;

/// Which credentials the login dialogue asks for (Exscript's
/// `LOGIN_TYPE_*` constants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LoginType {
    /// Username, then password (the default).
    #[default]
    Both,
    /// Username only.
    UserOnly,
    /// Password only.
    PasswordOnly,
    /// No login: the prompt comes right after the banner.
    None,
}

/// A handler consulted for lines no registered command matched; emulators
/// such as [`ios`](crate::ios) implement their command language with it.
/// Returning `None` leaves the line to the strict/lenient unknown-command
/// handling.
pub type FallbackFn = Arc<dyn Fn(&mut DeviceContext, &str) -> Option<Reply> + Send + Sync>;

/// A hook run right after a successful login; its text is shown before the
/// first prompt (a message of the day, for example), and it may adjust the
/// context (the prompt may depend on the username).
pub type LoginHook = Arc<dyn Fn(&mut DeviceContext) -> String + Send + Sync>;

/// The definition behind a [`VirtualDevice`] (shared, immutable once a
/// session is started).
#[derive(Clone)]
pub(crate) struct DeviceSpec {
    pub(crate) hostname: String,
    pub(crate) echo: bool,
    pub(crate) login_type: LoginType,
    pub(crate) banner: Option<String>,
    pub(crate) prompt: Option<String>,
    pub(crate) username_prompt: String,
    pub(crate) password_prompt: String,
    pub(crate) credentials: Vec<(String, String)>,
    pub(crate) login_failure_message: String,
    pub(crate) max_login_attempts: usize,
    pub(crate) enable_password: Option<String>,
    pub(crate) page_lines: Option<usize>,
    pub(crate) more_prompt: String,
    pub(crate) more_erase: Option<String>,
    pub(crate) paging_can_be_disabled: bool,
    pub(crate) commands: CommandSet,
    pub(crate) fallback: Option<FallbackFn>,
    pub(crate) on_login: Option<LoginHook>,
    /// No banner before login and no message after it (see
    /// [`VirtualDevice::without_banner`]).
    pub(crate) no_banner: bool,
}

impl DeviceSpec {
    pub(crate) fn banner(&self) -> String {
        if self.no_banner {
            return String::new();
        }
        self.banner
            .clone()
            .unwrap_or_else(|| format!("Welcome to {}!\n", self.hostname))
    }

    pub(crate) fn prompt(&self) -> String {
        self.prompt
            .clone()
            .unwrap_or_else(|| format!("{}> ", self.hostname))
    }

    pub(crate) fn check_credentials(&self, username: &str, password: &str) -> bool {
        self.credentials.is_empty()
            || self
                .credentials
                .iter()
                .any(|(u, p)| u == username && p == password)
    }

    pub(crate) fn knows_user(&self, username: &str) -> bool {
        self.credentials.is_empty() || self.credentials.iter().any(|(u, _)| u == username)
    }

    pub(crate) fn knows_password(&self, password: &str) -> bool {
        self.credentials.is_empty() || self.credentials.iter().any(|(_, p)| p == password)
    }
}

/// An emulated device: the definition every connection's
/// [`DeviceSession`] is created from.
///
/// Cheap to clone (an `Arc` inside); setters follow the builder style and
/// copy the definition only if it is shared. Defaults follow Exscript's
/// `VirtualDevice`: echo on, username and password login with any
/// credentials accepted, banner `Welcome to <hostname>!`, prompt
/// `<hostname>> `, username prompt `User: `, password prompt `Password: `,
/// strict command set, no paging.
///
/// ```
/// use oxscript_emulator::{LoginType, VirtualDevice};
///
/// let device = VirtualDevice::new("lab1")
///     .with_login_type(LoginType::None)
///     .with_command("ls", "file1 file2", true)?;
/// let mut session = device.session();
/// assert_eq!(session.start().text, "Welcome to lab1!\r\nlab1> ");
/// assert_eq!(session.feed(b"ls\r\n").text, "ls\r\nfile1 file2\r\nlab1> ");
/// # Ok::<(), oxscript_emulator::Error>(())
/// ```
#[derive(Clone)]
pub struct VirtualDevice {
    spec: Arc<DeviceSpec>,
}

impl fmt::Debug for VirtualDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.spec;
        f.debug_struct("VirtualDevice")
            .field("hostname", &s.hostname)
            .field("echo", &s.echo)
            .field("login_type", &s.login_type)
            .field("prompt", &s.prompt())
            .field(
                "users",
                &s.credentials.iter().map(|(u, _)| u).collect::<Vec<_>>(),
            )
            .field(
                "enable_password",
                &s.enable_password.as_ref().map(|_| "<redacted>"),
            )
            .field("page_lines", &s.page_lines)
            .field("paging_can_be_disabled", &s.paging_can_be_disabled)
            .field("commands", &s.commands)
            .field("fallback", &s.fallback.is_some())
            .finish_non_exhaustive()
    }
}

impl VirtualDevice {
    /// A device named `hostname` with Exscript's defaults.
    pub fn new(hostname: impl Into<String>) -> Self {
        VirtualDevice {
            spec: Arc::new(DeviceSpec {
                hostname: hostname.into(),
                echo: true,
                login_type: LoginType::Both,
                banner: None,
                prompt: None,
                username_prompt: "User: ".to_owned(),
                password_prompt: "Password: ".to_owned(),
                credentials: Vec::new(),
                login_failure_message: "% Login invalid".to_owned(),
                max_login_attempts: 3,
                enable_password: None,
                page_lines: None,
                more_prompt: " --More-- ".to_owned(),
                more_erase: None,
                paging_can_be_disabled: true,
                commands: CommandSet::new(true),
                fallback: None,
                on_login: None,
                no_banner: false,
            }),
        }
    }

    pub(crate) fn spec(&self) -> Arc<DeviceSpec> {
        Arc::clone(&self.spec)
    }

    /// The definition, borrowed.
    pub(crate) fn definition(&self) -> &DeviceSpec {
        &self.spec
    }

    fn edit(mut self, f: impl FnOnce(&mut DeviceSpec)) -> Self {
        f(Arc::make_mut(&mut self.spec));
        self
    }

    /// Starts a new session (one per connection) on this device.
    pub fn session(&self) -> DeviceSession {
        DeviceSession::new(self.spec())
    }

    /// The hostname.
    pub fn hostname(&self) -> &str {
        &self.spec.hostname
    }

    /// Whether input is echoed.
    pub fn echo(&self) -> bool {
        self.spec.echo
    }

    /// The login dialogue.
    pub fn login_type(&self) -> LoginType {
        self.spec.login_type
    }

    /// The banner shown when a connection opens.
    pub fn banner(&self) -> String {
        self.spec.banner()
    }

    /// The initial command prompt.
    pub fn prompt(&self) -> String {
        self.spec.prompt()
    }

    /// The username prompt.
    pub fn username_prompt(&self) -> &str {
        &self.spec.username_prompt
    }

    /// The password prompt.
    pub fn password_prompt(&self) -> &str {
        &self.spec.password_prompt
    }

    /// Whether unknown commands get an error reply.
    pub fn is_strict(&self) -> bool {
        self.spec.commands.is_strict()
    }

    /// The initial page length (`None`: no paging).
    pub fn page_lines(&self) -> Option<usize> {
        self.spec.page_lines
    }

    /// The pager's prompt.
    pub fn more_prompt(&self) -> &str {
        &self.spec.more_prompt
    }

    /// The registered commands.
    pub fn commands(&self) -> &CommandSet {
        &self.spec.commands
    }

    /// Sets whether input is echoed back (a device with echo off leaves
    /// echoing to the client).
    pub fn with_echo(self, echo: bool) -> Self {
        self.edit(|s| s.echo = echo)
    }

    /// Sets the login dialogue.
    pub fn with_login_type(self, login_type: LoginType) -> Self {
        self.edit(|s| s.login_type = login_type)
    }

    /// Sets the banner (`\n` line endings are fine).
    pub fn with_banner(self, banner: impl Into<String>) -> Self {
        let banner = banner.into();
        self.edit(|s| s.banner = Some(banner))
    }

    /// "No banner" mode: nothing before the login prompt (or, over SSH,
    /// before the first prompt) and no message after login (no `Last
    /// login`, no `--- JUNOS` line, no MOTD): the device shows only its
    /// prompts, as many SSH servers of network devices do. Questions
    /// asked at login (a password change) are still asked. Passive OS
    /// guessing has nothing to go on with such a device.
    ///
    /// ```
    /// use oxscript_emulator::{LoginType, ios};
    ///
    /// let device = ios::device("R1").with_login_type(LoginType::None).without_banner();
    /// assert_eq!(device.session().start().text, "R1>");
    /// ```
    pub fn without_banner(self) -> Self {
        self.edit(|s| s.no_banner = true)
    }

    /// Whether the device is in "no banner" mode ([`without_banner`](Self::without_banner)).
    pub fn has_no_banner(&self) -> bool {
        self.spec.no_banner
    }

    /// Sets strict mode: unknown commands get an error reply.
    pub fn with_strict(self, strict: bool) -> Self {
        self.edit(|s| s.commands.set_strict(strict))
    }

    /// Sets the initial command prompt.
    pub fn with_prompt(self, prompt: impl Into<String>) -> Self {
        let prompt = prompt.into();
        self.edit(|s| s.prompt = Some(prompt))
    }

    /// Sets the username prompt.
    pub fn with_username_prompt(self, prompt: impl Into<String>) -> Self {
        let prompt = prompt.into();
        self.edit(|s| s.username_prompt = prompt)
    }

    /// Sets the password prompt.
    pub fn with_password_prompt(self, prompt: impl Into<String>) -> Self {
        let prompt = prompt.into();
        self.edit(|s| s.password_prompt = prompt)
    }

    /// Adds a valid username/password pair. Without any, every login is
    /// accepted.
    pub fn with_credentials(
        self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        let pair = (username.into(), password.into());
        self.edit(|s| s.credentials.push(pair))
    }

    /// Sets the message shown after a failed login (default
    /// `% Login invalid`).
    pub fn with_login_failure_message(self, message: impl Into<String>) -> Self {
        let message = message.into();
        self.edit(|s| s.login_failure_message = message)
    }

    /// Sets how many failed logins close the connection (default 3; 0
    /// means never).
    pub fn with_max_login_attempts(self, attempts: usize) -> Self {
        self.edit(|s| s.max_login_attempts = attempts)
    }

    /// Sets the enable (privilege escalation) password.
    pub fn with_enable_password(self, password: impl Into<String>) -> Self {
        let password = password.into();
        self.edit(|s| s.enable_password = Some(password))
    }

    /// Turns paging on with `lines` lines per page (0 turns it off).
    pub fn with_paging(self, lines: usize) -> Self {
        self.edit(|s| s.page_lines = (lines > 0).then_some(lines))
    }

    /// Turns paging off.
    pub fn without_paging(self) -> Self {
        self.edit(|s| s.page_lines = None)
    }

    /// Sets the pager's prompt (default ` --More-- `).
    pub fn with_more_prompt(self, prompt: impl Into<String>) -> Self {
        let prompt = prompt.into();
        self.edit(|s| s.more_prompt = prompt)
    }

    /// Sets what the device sends to erase the more prompt once a key was
    /// pressed at it. By default it backs over the prompt, blanks it and
    /// backs over it again, as IOS does; JunOS and NX-OS return the
    /// cursor with `\r` instead, VRP uses ANSI cursor movements.
    ///
    /// ```
    /// use oxscript_emulator::{LoginType, VirtualDevice};
    ///
    /// let device = VirtualDevice::new("r1")
    ///     .with_login_type(LoginType::None)
    ///     .with_paging(1)
    ///     .with_more_prompt("--more--")
    ///     .with_more_erase("\r        \r")
    ///     .with_command("list", "a\nb", true)?;
    /// let mut session = device.session();
    /// session.start();
    /// assert_eq!(session.feed(b"list\r").text, "list\r\na\r\n--more--");
    /// assert_eq!(session.feed(b" ").text, "\r        \rb\r\nr1> ");
    /// # Ok::<(), oxscript_emulator::Error>(())
    /// ```
    pub fn with_more_erase(self, erase: impl Into<String>) -> Self {
        let erase = erase.into();
        self.edit(|s| s.more_erase = Some(erase))
    }

    /// Sets whether a command (IOS `terminal length 0`) can turn paging
    /// off. With `false` the device keeps paging whatever the client asks,
    /// like some real devices do.
    pub fn with_paging_disable_allowed(self, allowed: bool) -> Self {
        self.edit(|s| s.paging_can_be_disabled = allowed)
    }

    /// Sets the handler for lines no registered command matched.
    pub fn with_fallback<F>(self, fallback: F) -> Self
    where
        F: Fn(&mut DeviceContext, &str) -> Option<Reply> + Send + Sync + 'static,
    {
        let fallback: FallbackFn = Arc::new(fallback);
        self.edit(|s| s.fallback = Some(fallback))
    }

    /// Sets a hook run after a successful login (see [`LoginHook`]).
    pub fn with_login_hook<F>(self, hook: F) -> Self
    where
        F: Fn(&mut DeviceContext) -> String + Send + Sync + 'static,
    {
        let hook: LoginHook = Arc::new(hook);
        self.edit(|s| s.on_login = Some(hook))
    }

    /// Registers a command (see [`CommandSet::add_with_prompt`]); `prompt`
    /// says whether the prompt follows its response. Commands registered
    /// here are tried before the fallback.
    pub fn add_command(
        &mut self,
        pattern: &str,
        handler: impl Into<Handler>,
        prompt: bool,
    ) -> Result<&mut Self> {
        Arc::make_mut(&mut self.spec)
            .commands
            .add_with_prompt(pattern, handler, prompt)?;
        Ok(self)
    }

    /// Builder form of [`add_command`](Self::add_command).
    pub fn with_command(
        mut self,
        pattern: &str,
        handler: impl Into<Handler>,
        prompt: bool,
    ) -> Result<Self> {
        self.add_command(pattern, handler, prompt)?;
        Ok(self)
    }
}
