//! Command sets: ordered (regular expression, handler) pairs.
//!
//! A [`CommandSet`] maps input lines to responses the way Exscript's
//! `CommandSet` does: the patterns are tried in the order they were added,
//! each anchored at the start of the line (like Python's `re.match`), and
//! the first match wins. A handler is either fixed text or a closure that
//! receives the [`DeviceContext`] and may change the device's state.

use std::fmt;
use std::sync::Arc;

use regex::{Captures, Regex};

use crate::context::DeviceContext;
use crate::error::{Error, Result};

/// A command handler closure: gets the session's context and the regex
/// captures of the matched line, returns the response text (`\n` line
/// endings are fine, they are converted to `\r\n` on output).
pub type HandlerFn = Arc<dyn Fn(&mut DeviceContext, &Captures<'_>) -> String + Send + Sync>;

/// What a command answers.
///
/// Build one from a string (fixed text) or with [`Handler::func`].
///
/// ```
/// use oxscript_emulator::Handler;
///
/// let fixed: Handler = "ok".into();
/// let dynamic = Handler::func(|ctx, caps| format!("{} says {}", ctx.hostname(), &caps[1]));
/// # let _ = (fixed, dynamic);
/// ```
#[derive(Clone)]
pub enum Handler {
    /// Fixed response text, shared by every session that answers with it
    /// (a 50 MB `show tech-support` is never copied per command).
    Text(Arc<str>),
    /// A closure computing the response.
    Func(HandlerFn),
}

impl Handler {
    /// Wraps a closure as a handler.
    pub fn func<F>(f: F) -> Self
    where
        F: Fn(&mut DeviceContext, &Captures<'_>) -> String + Send + Sync + 'static,
    {
        Handler::Func(Arc::new(f))
    }

    fn call(&self, ctx: &mut DeviceContext, caps: &Captures<'_>) -> ReplyText {
        match self {
            Handler::Text(text) => ReplyText::Shared(Arc::clone(text)),
            Handler::Func(f) => ReplyText::Owned(f(ctx, caps)),
        }
    }
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Handler::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Handler::Func(_) => f.write_str("Func(..)"),
        }
    }
}

impl From<&str> for Handler {
    fn from(text: &str) -> Self {
        Handler::Text(text.into())
    }
}

impl From<String> for Handler {
    fn from(text: String) -> Self {
        Handler::Text(text.into())
    }
}

impl From<Arc<str>> for Handler {
    fn from(text: Arc<str>) -> Self {
        Handler::Text(text)
    }
}

impl From<HandlerFn> for Handler {
    fn from(f: HandlerFn) -> Self {
        Handler::Func(f)
    }
}

/// A response to one input line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The response text (`\n` line endings are converted on output).
    pub text: String,
    /// Whether the device prompt follows the response.
    pub prompt: bool,
}

impl Reply {
    /// A reply followed by the prompt.
    pub fn new(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            prompt: true,
        }
    }

    /// A reply not followed by the prompt.
    pub fn without_prompt(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            prompt: false,
        }
    }

    /// The text and whether the prompt follows, as a session holds them.
    pub(crate) fn into_parts(self) -> (ReplyText, bool) {
        (ReplyText::Owned(self.text), self.prompt)
    }
}

/// A reply's text as a session holds it: a closure's own string, or fixed
/// text shared with its [`Handler`] (not copied).
#[derive(Clone, Debug)]
pub(crate) enum ReplyText {
    Owned(String),
    Shared(Arc<str>),
}

impl ReplyText {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            ReplyText::Owned(text) => text,
            ReplyText::Shared(text) => text,
        }
    }

    fn into_string(self) -> String {
        match self {
            ReplyText::Owned(text) => text,
            ReplyText::Shared(text) => text.as_ref().to_owned(),
        }
    }
}

#[derive(Clone)]
struct Entry {
    pattern: String,
    regex: Regex,
    handler: Handler,
    prompt: bool,
}

/// An ordered list of commands (Exscript's `CommandSet`).
///
/// In strict mode (the default, as in Exscript) a line that matches no
/// command gets an error reply, `% Unknown command: "<line>"`; otherwise
/// it gets no reply at all.
///
/// ```
/// use oxscript_emulator::{CommandSet, DeviceContext, Handler};
///
/// let mut commands = CommandSet::new(true);
/// commands.add("show version", "Version 1.0")?;
/// commands.add(r"set prompt (\S+)", Handler::func(|ctx, caps| {
///     ctx.set_prompt(format!("{}> ", &caps[1]));
///     String::new()
/// }))?;
///
/// let mut ctx = DeviceContext::new("r1");
/// assert_eq!(commands.eval(&mut ctx, "show version").as_deref(), Some("Version 1.0"));
/// commands.eval(&mut ctx, "set prompt lab");
/// assert_eq!(ctx.prompt(), "lab> ");
/// assert_eq!(
///     commands.eval(&mut ctx, "reload").as_deref(),
///     Some("% Unknown command: \"reload\"")
/// );
/// # Ok::<(), oxscript_emulator::Error>(())
/// ```
#[derive(Clone)]
pub struct CommandSet {
    strict: bool,
    entries: Vec<Entry>,
}

impl Default for CommandSet {
    /// An empty, strict command set.
    fn default() -> Self {
        CommandSet::new(true)
    }
}

impl fmt::Debug for CommandSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandSet")
            .field("strict", &self.strict)
            .field(
                "patterns",
                &self
                    .entries
                    .iter()
                    .map(|e| e.pattern.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl CommandSet {
    /// An empty command set.
    pub fn new(strict: bool) -> Self {
        CommandSet {
            strict,
            entries: Vec::new(),
        }
    }

    /// Whether unknown commands get an error reply.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Sets strict mode.
    pub fn set_strict(&mut self, strict: bool) {
        self.strict = strict;
    }

    /// The number of registered commands.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no command is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Registers a command whose response is followed by the prompt.
    ///
    /// `pattern` is a regular expression matched at the start of the line.
    pub fn add(&mut self, pattern: &str, handler: impl Into<Handler>) -> Result<&mut Self> {
        self.add_with_prompt(pattern, handler, true)
    }

    /// Registers a command; `prompt: false` means no prompt is shown after
    /// its response (Exscript's `add_command(..., prompt=False)`).
    pub fn add_with_prompt(
        &mut self,
        pattern: &str,
        handler: impl Into<Handler>,
        prompt: bool,
    ) -> Result<&mut Self> {
        let regex = Regex::new(&format!("^(?:{pattern})")).map_err(|e| Error::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: e.to_string(),
        })?;
        self.entries.push(Entry {
            pattern: pattern.to_owned(),
            regex,
            handler: handler.into(),
            prompt,
        });
        Ok(self)
    }

    /// Runs the first command matching `line`, if any (strict mode plays no
    /// part here).
    pub fn respond(&self, ctx: &mut DeviceContext, line: &str) -> Option<Reply> {
        self.answer(ctx, line).map(|(text, prompt)| Reply {
            text: text.into_string(),
            prompt,
        })
    }

    /// Like [`respond`](Self::respond), with fixed text shared rather
    /// than copied: the text and whether the prompt follows.
    pub(crate) fn answer(&self, ctx: &mut DeviceContext, line: &str) -> Option<(ReplyText, bool)> {
        for entry in &self.entries {
            if let Some(caps) = entry.regex.captures(line) {
                ctx.set_line(line);
                return Some((entry.handler.call(ctx, &caps), entry.prompt));
            }
        }
        None
    }

    /// The reply to a line no command matched: an error in strict mode,
    /// nothing otherwise.
    pub fn unknown_reply(&self, line: &str) -> Option<Reply> {
        self.strict
            .then(|| Reply::new(format!("% Unknown command: \"{}\"", line.trim())))
    }

    /// Evaluates `line`: the matching command's response, else the strict
    /// mode error reply, else `None`.
    pub fn eval(&self, ctx: &mut DeviceContext, line: &str) -> Option<String> {
        self.respond(ctx, line)
            .or_else(|| self.unknown_reply(line))
            .map(|reply| reply.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_and_lenient_sets() {
        let mut ctx = DeviceContext::new("h");
        let strict = CommandSet::default();
        assert!(strict.is_strict());
        assert_eq!(
            strict.eval(&mut ctx, "foo").as_deref(),
            Some("% Unknown command: \"foo\"")
        );
        let lenient = CommandSet::new(false);
        assert_eq!(lenient.eval(&mut ctx, "foo"), None);
        assert!(lenient.respond(&mut ctx, "foo").is_none());
    }

    #[test]
    fn first_match_wins_and_patterns_anchor_at_start() {
        let mut ctx = DeviceContext::new("h");
        let mut cs = CommandSet::new(false);
        cs.add("foo", "bar").unwrap();
        cs.add("fo+", "second").unwrap();
        cs.add("hi$", "hello").unwrap();
        assert_eq!(cs.len(), 3);
        assert_eq!(cs.eval(&mut ctx, "foo").as_deref(), Some("bar"));
        assert_eq!(cs.eval(&mut ctx, "fooo").as_deref(), Some("bar"));
        assert_eq!(cs.eval(&mut ctx, "fo").as_deref(), Some("second"));
        assert_eq!(cs.eval(&mut ctx, "xfoo"), None);
        assert_eq!(cs.eval(&mut ctx, "hi").as_deref(), Some("hello"));
        assert_eq!(cs.eval(&mut ctx, "hi2"), None);
    }

    #[test]
    fn closures_see_captures_and_change_state() {
        let mut ctx = DeviceContext::new("r1");
        let mut cs = CommandSet::new(true);
        cs.add(
            r"hostname (\S+)",
            Handler::func(|ctx, caps| {
                ctx.set_hostname(&caps[1]);
                format!("renamed from line {:?}", ctx.line())
            }),
        )
        .unwrap();
        cs.add_with_prompt("quiet", "shh", false).unwrap();
        assert_eq!(ctx.prompt(), "r1> ");
        let reply = cs.respond(&mut ctx, "hostname core").unwrap();
        assert_eq!(reply.text, "renamed from line \"hostname core\"");
        assert!(reply.prompt);
        assert_eq!(ctx.hostname(), "core");
        assert_eq!(ctx.prompt(), "core> ");
        assert_eq!(
            cs.respond(&mut ctx, "quiet"),
            Some(Reply::without_prompt("shh"))
        );
    }

    #[test]
    fn invalid_pattern_is_reported() {
        let mut cs = CommandSet::new(true);
        let err = cs.add("show (", "x").unwrap_err();
        match err {
            Error::InvalidPattern { pattern, reason } => {
                assert_eq!(pattern, "show (");
                assert!(!reason.is_empty());
            }
        }
        assert!(cs.is_empty());
    }
}
