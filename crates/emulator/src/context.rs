//! The per-session state that command handlers see and change.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::device::{DeviceSpec, VirtualDevice};

/// A handler for the next input line, installed with
/// [`DeviceContext::read_line`].
pub(crate) type LineHandler = Box<dyn FnOnce(&mut DeviceContext, &str) -> String + Send>;

pub(crate) struct PendingLine {
    pub(crate) secret: bool,
    pub(crate) handler: LineHandler,
}

/// The state of one emulated session, handed to every command handler.
///
/// It holds the hostname, the prompt, a free-form mode name (IOS uses
/// `user`, `privileged`, `config`, `config-if`), the privileged flag,
/// paging, string variables, and typed per-session state for emulators
/// that need more (see [`state_mut`](Self::state_mut)).
///
/// Handlers can also ask for the next input line
/// ([`read_line`](Self::read_line), e.g. for an `enable` password) and end
/// the session ([`close`](Self::close)).
///
/// ```
/// use oxscript_emulator::DeviceContext;
///
/// let mut ctx = DeviceContext::new("R1");
/// ctx.set_prompt("R1(config)#");
/// ctx.set_hostname("core1");
/// assert_eq!(ctx.prompt(), "core1(config)#");
/// ctx.set_var("site", "lab");
/// assert_eq!(ctx.var("site"), Some("lab"));
/// ```
pub struct DeviceContext {
    spec: Arc<DeviceSpec>,
    hostname: String,
    prompt: String,
    mode: String,
    privileged: bool,
    username: Option<String>,
    page_lines: Option<usize>,
    vars: HashMap<String, String>,
    states: HashMap<TypeId, Box<dyn Any + Send>>,
    line: String,
    closing: bool,
    pending: Option<PendingLine>,
}

impl fmt::Debug for DeviceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceContext")
            .field("hostname", &self.hostname)
            .field("prompt", &self.prompt)
            .field("mode", &self.mode)
            .field("privileged", &self.privileged)
            .field("username", &self.username)
            .field("page_lines", &self.page_lines)
            .field("vars", &self.vars)
            .field("closing", &self.closing)
            .field("reading_line", &self.pending.is_some())
            .finish_non_exhaustive()
    }
}

impl DeviceContext {
    /// A context for a plain [`VirtualDevice`] named `hostname`, for using
    /// a [`CommandSet`](crate::CommandSet) on its own.
    pub fn new(hostname: &str) -> Self {
        DeviceContext::for_device(&VirtualDevice::new(hostname))
    }

    /// A fresh context for a session of `device`.
    pub fn for_device(device: &VirtualDevice) -> Self {
        DeviceContext::from_spec(device.spec())
    }

    pub(crate) fn from_spec(spec: Arc<DeviceSpec>) -> Self {
        DeviceContext {
            hostname: spec.hostname.clone(),
            prompt: spec.prompt(),
            mode: String::new(),
            privileged: false,
            username: None,
            page_lines: spec.page_lines,
            vars: HashMap::new(),
            states: HashMap::new(),
            line: String::new(),
            closing: false,
            pending: None,
            spec,
        }
    }

    /// The current hostname.
    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// Changes the hostname, replacing its first occurrence in the prompt
    /// so that the rest of the prompt (a mode suffix such as `(config)#`)
    /// stays.
    pub fn set_hostname(&mut self, hostname: &str) {
        if !self.hostname.is_empty() && self.prompt.contains(&self.hostname) {
            self.prompt = self.prompt.replacen(&self.hostname, hostname, 1);
        }
        self.hostname = hostname.to_owned();
    }

    /// The current prompt.
    pub fn prompt(&self) -> &str {
        &self.prompt
    }

    /// Changes the prompt.
    pub fn set_prompt(&mut self, prompt: impl Into<String>) {
        self.prompt = prompt.into();
    }

    /// The mode name (free-form; empty unless an emulator sets it).
    pub fn mode(&self) -> &str {
        &self.mode
    }

    /// Sets the mode name.
    pub fn set_mode(&mut self, mode: impl Into<String>) {
        self.mode = mode.into();
    }

    /// Whether the session is privileged.
    pub fn is_privileged(&self) -> bool {
        self.privileged
    }

    /// Sets the privileged flag.
    pub fn set_privileged(&mut self, privileged: bool) {
        self.privileged = privileged;
    }

    /// The name the client logged in with (`None` before login, or when
    /// the login asked for no username).
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    pub(crate) fn set_username(&mut self, username: Option<String>) {
        self.username = username;
    }

    /// Whether output is paged.
    pub fn paging_enabled(&self) -> bool {
        self.page_lines.is_some()
    }

    /// The number of lines per page, `None` when paging is off.
    pub fn page_lines(&self) -> Option<usize> {
        self.page_lines
    }

    /// Whether this device lets a command turn paging off.
    pub fn can_disable_paging(&self) -> bool {
        self.spec.paging_can_be_disabled
    }

    /// Changes the page length; `None` or `Some(0)` turns paging off.
    ///
    /// A device that cannot disable paging ignores requests to turn it
    /// off; the return value says whether the change was applied.
    pub fn set_page_lines(&mut self, lines: Option<usize>) -> bool {
        let lines = lines.filter(|&n| n > 0);
        if lines.is_none() && !self.spec.paging_can_be_disabled {
            return false;
        }
        self.page_lines = lines;
        true
    }

    /// A session variable.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Sets a session variable.
    pub fn set_var(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Removes a session variable, returning its value.
    pub fn remove_var(&mut self, name: &str) -> Option<String> {
        self.vars.remove(name)
    }

    /// All session variables.
    pub fn vars(&self) -> &HashMap<String, String> {
        &self.vars
    }

    /// Typed per-session state of type `T`, if it was stored.
    pub fn state<T: Any + Send>(&self) -> Option<&T> {
        self.states
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref())
    }

    /// Mutable typed per-session state, created with `init` on first use.
    ///
    /// Returns `None` only if the stored value is somehow not a `T`, which
    /// cannot happen through this API.
    pub fn state_mut<T: Any + Send>(&mut self, init: impl FnOnce() -> T) -> Option<&mut T> {
        let slot = self
            .states
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(init()));
        slot.downcast_mut()
    }

    /// Stores typed per-session state, replacing any value of type `T`.
    pub fn insert_state<T: Any + Send>(&mut self, value: T) {
        self.states.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// Runs `f` on the typed per-session state of type `S` (created with
    /// `init` on first use) while `f` may also change the rest of the
    /// context, and returns what `f` returns.
    ///
    /// The state stays in its allocation: it is moved out of the context
    /// for the call and put back afterwards, so a state that `f` looks
    /// up again while it runs is not there (`init` would make a new one).
    ///
    /// ```
    /// use oxscript_emulator::DeviceContext;
    ///
    /// struct Visits(u32);
    /// let mut ctx = DeviceContext::new("R1");
    /// for _ in 0..2 {
    ///     let text = ctx.with_state(
    ///         |_| Visits(0),
    ///         |visits, ctx| {
    ///             visits.0 += 1;
    ///             ctx.set_prompt(format!("R1[{}]>", visits.0));
    ///             format!("visit {}", visits.0)
    ///         },
    ///     );
    ///     assert!(text.starts_with("visit "));
    /// }
    /// assert_eq!(ctx.prompt(), "R1[2]>");
    /// assert_eq!(ctx.state::<Visits>().map(|v| v.0), Some(2));
    /// ```
    pub fn with_state<S: Any + Send, R>(
        &mut self,
        init: impl FnOnce(&Self) -> S,
        f: impl FnOnce(&mut S, &mut Self) -> R,
    ) -> R {
        let key = TypeId::of::<S>();
        let mut state: Box<S> = match self.states.remove(&key).map(|b| b.downcast::<S>()) {
            Some(Ok(state)) => state,
            _ => Box::new(init(self)),
        };
        let result = f(&mut state, self);
        self.states.insert(key, state);
        result
    }

    /// Removes and returns the typed per-session state of type `T`.
    pub fn take_state<T: Any + Send>(&mut self) -> Option<T> {
        self.states
            .remove(&TypeId::of::<T>())
            .and_then(|b| b.downcast::<T>().ok())
            .map(|b| *b)
    }

    /// The input line being handled.
    pub fn line(&self) -> &str {
        &self.line
    }

    pub(crate) fn set_line(&mut self, line: &str) {
        line.clone_into(&mut self.line);
    }

    /// Ends the session after the current response.
    pub fn close(&mut self) {
        self.closing = true;
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closing(&self) -> bool {
        self.closing
    }

    /// Routes the next input line to `handler` instead of the command set,
    /// e.g. to read a password after `enable`.
    ///
    /// The current response is shown without a prompt (it should end with
    /// the question, e.g. `Password: `). With `secret` the line is not
    /// echoed. The handler's response is followed by the prompt unless it
    /// calls `read_line` again.
    pub fn read_line<F>(&mut self, secret: bool, handler: F)
    where
        F: FnOnce(&mut DeviceContext, &str) -> String + Send + 'static,
    {
        self.pending = Some(PendingLine {
            secret,
            handler: Box::new(handler),
        });
    }

    /// Whether a [`read_line`](Self::read_line) handler waits for input.
    pub fn is_reading_line(&self) -> bool {
        self.pending.is_some()
    }

    pub(crate) fn take_pending(&mut self) -> Option<PendingLine> {
        self.pending.take()
    }

    pub(crate) fn pending_is_secret(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| p.secret)
    }

    /// Whether `username`/`password` are valid login credentials (any are
    /// when the device has none configured).
    pub fn check_credentials(&self, username: &str, password: &str) -> bool {
        self.spec.check_credentials(username, password)
    }

    /// Whether an enable password is configured.
    pub fn has_enable_password(&self) -> bool {
        self.spec.enable_password.is_some()
    }

    /// Whether `password` is the enable password (any is when none is
    /// configured).
    pub fn check_enable_password(&self, password: &str) -> bool {
        self.spec
            .enable_password
            .as_deref()
            .is_none_or(|p| p == password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_change_keeps_mode_suffix() {
        let mut ctx = DeviceContext::new("R1");
        assert_eq!(ctx.prompt(), "R1> ");
        ctx.set_prompt("R1(config-if)#");
        ctx.set_hostname("edge-2");
        assert_eq!(ctx.hostname(), "edge-2");
        assert_eq!(ctx.prompt(), "edge-2(config-if)#");
        ctx.set_prompt("custom$ ");
        ctx.set_hostname("x");
        assert_eq!(ctx.prompt(), "custom$ ");
    }

    #[test]
    fn typed_state_is_created_once() {
        #[derive(Default)]
        struct Counter(u32);
        let mut ctx = DeviceContext::new("h");
        assert!(ctx.state::<Counter>().is_none());
        ctx.state_mut(Counter::default).unwrap().0 += 1;
        ctx.state_mut(Counter::default).unwrap().0 += 1;
        assert_eq!(ctx.state::<Counter>().unwrap().0, 2);
        let taken: Counter = ctx.take_state().unwrap();
        assert_eq!(taken.0, 2);
        assert!(ctx.state::<Counter>().is_none());
        ctx.insert_state(Counter(7));
        assert_eq!(ctx.state::<Counter>().unwrap().0, 7);
    }

    #[test]
    fn with_state_keeps_the_allocation() {
        struct Log(Vec<u32>);
        let mut ctx = DeviceContext::new("h");
        ctx.with_state(
            |ctx| Log(vec![u32::try_from(ctx.hostname().len()).unwrap()]),
            |log, ctx| {
                ctx.set_var("seen", "yes");
                log.0.push(2);
            },
        );
        let again = ctx.with_state(
            |_| Log(Vec::new()),
            |log, _| {
                log.0.push(3);
                (log as *const Log as usize, log.0.len())
            },
        );
        let addr = ctx.state::<Log>().unwrap() as *const Log as usize;
        // `init` ran once; the second call saw the stored state, in place.
        assert_eq!(again, (addr, 3));
        assert_eq!(ctx.state::<Log>().unwrap().0, [1, 2, 3]);
        assert_eq!(ctx.var("seen"), Some("yes"));
    }

    #[test]
    fn paging_lock() {
        let device = VirtualDevice::new("h")
            .with_paging(10)
            .with_paging_disable_allowed(false);
        let mut ctx = DeviceContext::for_device(&device);
        assert_eq!(ctx.page_lines(), Some(10));
        assert!(!ctx.set_page_lines(None));
        assert!(!ctx.set_page_lines(Some(0)));
        assert_eq!(ctx.page_lines(), Some(10));
        assert!(ctx.set_page_lines(Some(40)));
        assert_eq!(ctx.page_lines(), Some(40));

        let mut free = DeviceContext::for_device(&VirtualDevice::new("h").with_paging(10));
        assert!(free.set_page_lines(Some(0)));
        assert!(!free.paging_enabled());
    }

    #[test]
    fn credentials_and_enable_checks() {
        let open = DeviceContext::new("h");
        assert!(open.check_credentials("any", "thing"));
        assert!(!open.has_enable_password());
        assert!(open.check_enable_password("x"));
        let device = VirtualDevice::new("h")
            .with_credentials("admin", "s3cret")
            .with_enable_password("en");
        let ctx = DeviceContext::for_device(&device);
        assert!(ctx.check_credentials("admin", "s3cret"));
        assert!(!ctx.check_credentials("admin", "wrong"));
        assert!(!ctx.check_credentials("other", "s3cret"));
        assert!(ctx.check_enable_password("en"));
        assert!(!ctx.check_enable_password("nope"));
        let debug = format!("{ctx:?}");
        assert!(!debug.contains("s3cret") && !debug.contains("\"en\""));
    }
}
