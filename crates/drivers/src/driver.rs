//! The [`Driver`] value and the small types it is made of.

use std::ops::Range;

use crate::scan::find_earliest;
use crate::{Error, Pattern, PrivilegeLevel};

/// A dialog that is answered automatically: when `pattern` matches at the
/// end of the received data, `reply` is sent as is.
///
/// ```
/// use oxscript_drivers::{Answer, Pattern};
///
/// // Huawei asks this right after login; decline without a newline echo.
/// let answer = Answer {
///     pattern: Pattern::new(r"(?i)change now\? \[y/n\]:?[ \t]*$")?,
///     reply: "N\r".into(),
/// };
/// assert!(answer.pattern.is_match(b"The password needs to be changed. Change now? [Y/N]: "));
/// # Ok::<(), oxscript_drivers::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// What the device prints, anchored at the end of the received data.
    pub pattern: Pattern,
    /// What to send back, verbatim: include the newline if one is wanted.
    pub reply: String,
}

/// One step of terminal set-up after login (Exscript's `autoinit`).
///
/// The alternatives are tried in order until one is accepted without an
/// error; if all of them fail the step is skipped, which is not fatal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitCommand {
    /// The commands to try, best first.
    pub alternatives: Vec<String>,
}

impl InitCommand {
    /// A step with a single command.
    pub fn new(command: impl Into<String>) -> InitCommand {
        InitCommand {
            alternatives: vec![command.into()],
        }
    }

    /// A step with several commands, tried in order.
    ///
    /// ```
    /// use oxscript_drivers::InitCommand;
    ///
    /// let paging = InitCommand::with_alternatives(["terminal length 0", "terminal pager 0"]);
    /// assert_eq!(paging.alternatives[1], "terminal pager 0");
    /// ```
    pub fn with_alternatives<I, S>(commands: I) -> InitCommand
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        InitCommand {
            alternatives: commands.into_iter().map(Into::into).collect(),
        }
    }
}

/// How to start app-level authorization (Exscript's `auto_authorize`),
/// e.g. sending `enable` on Cisco IOS before the enable password prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorize {
    /// The command that starts the authorization dialog.
    pub command: String,
    /// Only authorize when the current prompt matches this pattern (for
    /// IOS: the prompt ends in `>`, i.e. not already privileged). `None`
    /// means always.
    pub when_prompt: Option<Pattern>,
}

/// When in a connection's life an OS-guessing rule looks at the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuessStage {
    /// Protocol information: the SSH server version string and the SSH
    /// banner.
    Protocol,
    /// Everything received before app-level authentication completed
    /// (banners, login prompts).
    Head,
    /// Data received after authentication (command output). Before
    /// authentication these rules also look at the head.
    Response,
}

/// One OS-guessing rule: when `pattern` is found in data of the given
/// `stage`, the driver that owns the rule is guessed with `confidence`
/// (0–100).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuessRule {
    /// Which data the rule looks at.
    pub stage: GuessStage,
    /// What to search for (anywhere in the data, unless anchored).
    pub pattern: Pattern,
    /// How sure a match makes the guess, 0–100; 0 never guesses.
    pub confidence: u8,
}

impl GuessRule {
    /// Compiles a constant rule of this crate.
    pub(crate) fn builtin(stage: GuessStage, source: &'static str, confidence: u8) -> GuessRule {
        GuessRule {
            stage,
            pattern: Pattern::builtin(source),
            confidence,
        }
    }
}

/// Everything oxscript knows about one kind of device, as plain data.
///
/// A driver does no I/O: a Session reads its patterns and commands and
/// calls its matching helpers on the text it received.
///
/// Conventions for the patterns (all are [`regex::bytes`] regexes):
///
/// - `prompt`, `username_prompt`, `password_prompt`, the patterns of
///   `login_answers` and `pager` must match only at the **end** of the
///   received data: they end in `[ \t]*$` (no multi-line flag, so `$` is
///   the end of the buffer). A line start is written `(?:\A|[\r\n])`.
///   They are searched as the crate documentation's
///   [How patterns are searched](crate#how-patterns-are-searched) says:
///   from the line break before the last line, and the earliest match of
///   a list wins, whatever its place in the list.
/// - `error` and `login_error` are searched in a response text and match
///   one line: they are written with `(?m)^` and stop before the line end.
///
/// Build a variant of a built-in driver with struct-update syntax:
///
/// ```
/// use oxscript_drivers::{Driver, patterns};
///
/// let acme = Driver {
///     name: "acme".into(),
///     prompt: patterns(&[r"(?:\A|[\r\n])acme-[\w-]+[>#][ \t]*$"])?,
///     ..Driver::ios()
/// };
/// assert!(acme.find_prompt(b"\r\nacme-core1# ", 0).is_some());
/// assert!(acme.find_error("% Invalid input detected at '^' marker.").is_some());
/// # Ok::<(), oxscript_drivers::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Driver {
    /// The name the driver is registered and looked up under, e.g. `ios`.
    pub name: String,
    /// Other names it is found under, e.g. `cisco_ios`.
    pub aliases: Vec<String>,
    /// One line for humans.
    pub description: String,
    /// Command prompts (the earliest match of any of them wins).
    pub prompt: Vec<Pattern>,
    /// Username prompts of app-level login.
    pub username_prompt: Vec<Pattern>,
    /// Password prompts of app-level login (and of authorization).
    pub password_prompt: Vec<Pattern>,
    /// Lines that say a login or authorization attempt failed.
    pub login_error: Vec<Pattern>,
    /// Lines that say a command was rejected (see [`Driver::find_error`]).
    pub error: Vec<Pattern>,
    /// How many non-blank lines at the start of a response the `error`
    /// patterns look at: devices report a rejected command right after
    /// its echo (a caret line, then `% Invalid input …`), so a legend or
    /// counter further down a long output (`N Not found`, `Error: 0`) is
    /// never taken for one. 0 looks at the whole response. Default 5.
    pub error_lines: usize,
    /// Dialogs answered automatically during login.
    pub login_answers: Vec<Answer>,
    /// Pager prompts answered automatically while waiting for a prompt.
    pub pager: Vec<Answer>,
    /// Terminal set-up after login, in order.
    pub init_commands: Vec<InitCommand>,
    /// How to start authorization, if the platform has it.
    pub authorize: Option<Authorize>,
    /// Commands sent, in order, to log out when a session is closed.
    pub logout: Vec<String>,
    /// What ends a line sent to the device (commands, username, password).
    pub newline: String,
    /// Rules that make the OS guesser pick this driver.
    pub os_guess: Vec<GuessRule>,
    /// The CLI levels of the platform and how to move between them
    /// (empty when the platform has none). See [`PrivilegeLevel`].
    pub privilege_levels: Vec<PrivilegeLevel>,
    /// The level to work at, e.g. `privilege_exec` on IOS.
    pub default_privilege: Option<String>,
    /// The level where configuration lines are sent, e.g. `configuration`.
    pub config_privilege: Option<String>,
    /// Sent before leaving the configuration level on platforms where
    /// changes only apply once committed (`commit` on JunOS and IOS XR);
    /// `None` elsewhere.
    pub config_commit: Option<String>,
    /// The command that saves the configuration so it survives a reload
    /// (`write memory` on IOS, `save` on VRP, `admin save` on SR OS),
    /// sent at `default_privilege`. `None` where there is none; on
    /// commit-based platforms (`config_commit` set) saving is committing.
    pub save_config: Option<String>,
    /// Questions `save_config` asks, answered automatically (VRP's
    /// `Are you sure to continue?[Y/N]`).
    pub save_answers: Vec<Answer>,
    /// The commit command with a confirm timer: the commit is rolled back
    /// unless confirmed by another commit in time. `{minutes}` or
    /// `{seconds}` in it is replaced by the time (JunOS `commit confirmed
    /// {minutes}`, IOS XR `commit confirmed {seconds}`). `None` where the
    /// platform has none.
    pub commit_confirmed: Option<String>,
}

impl Driver {
    /// A fresh copy of the built-in driver called `name` (or with `name`
    /// as an alias, ignoring case), to change with struct-update syntax.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownDriver`] when no built-in driver has that name.
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let lab = Driver {
    ///     name: "lab_junos".into(),
    ///     aliases: Vec::new(),
    ///     init_commands: Vec::new(),
    ///     ..Driver::builtin("juniper")?
    /// };
    /// assert_eq!(lab.config_commit.as_deref(), Some("commit"));
    /// # Ok::<(), oxscript_drivers::Error>(())
    /// ```
    pub fn builtin(name: &str) -> Result<Driver, Error> {
        crate::builtin()
            .require(name)
            .map(|driver| (*driver).clone())
    }

    /// The range of the earliest prompt found in `buffer` at or after
    /// `start` (see [How patterns are searched](crate#how-patterns-are-searched)).
    pub fn find_prompt(&self, buffer: &[u8], start: usize) -> Option<Range<usize>> {
        find_earliest(&self.prompt, buffer, start).map(|found| found.range)
    }

    /// The range of the earliest username prompt found at or after `start`.
    pub fn find_username_prompt(&self, buffer: &[u8], start: usize) -> Option<Range<usize>> {
        find_earliest(&self.username_prompt, buffer, start).map(|found| found.range)
    }

    /// The range of the earliest password prompt found at or after `start`.
    pub fn find_password_prompt(&self, buffer: &[u8], start: usize) -> Option<Range<usize>> {
        find_earliest(&self.password_prompt, buffer, start).map(|found| found.range)
    }

    /// The pager answer whose pattern matches earliest at or after
    /// `start`, with the matched range.
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let ios = Driver::ios();
    /// let (answer, _) = ios.find_pager(b"Gi0/1 up\r\n --More-- ", 0).unwrap();
    /// assert_eq!(answer.reply, " ");
    /// ```
    pub fn find_pager(&self, buffer: &[u8], start: usize) -> Option<(&Answer, Range<usize>)> {
        find_answer(&self.pager, buffer, start)
    }

    /// The login answer whose pattern matches earliest at or after
    /// `start`, with the matched range.
    pub fn find_login_answer(
        &self,
        buffer: &[u8],
        start: usize,
    ) -> Option<(&Answer, Range<usize>)> {
        find_answer(&self.login_answers, buffer, start)
    }

    /// The first line (trimmed) among the first [`error_lines`](Driver::error_lines)
    /// non-blank lines of `response` that an error pattern matches, or
    /// `None` when the command was accepted. `response` is what followed
    /// the echoed command.
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let response = "        ^\r\n% Invalid input detected at '^' marker.\r\n";
    /// assert_eq!(
    ///     Driver::ios().find_error(response),
    ///     Some("% Invalid input detected at '^' marker.")
    /// );
    /// assert_eq!(Driver::ios().find_error("Gi0/1 up up\r\n"), None);
    /// // Far down an output, an error-looking line is output, not an error.
    /// let table = "a\r\nb\r\nc\r\nd\r\ne\r\n% Error: counters are in hex\r\n";
    /// assert_eq!(Driver::ios().find_error(table), None);
    /// ```
    pub fn find_error<'a>(&self, response: &'a str) -> Option<&'a str> {
        matching_line(&self.error, leading_lines(response, self.error_lines))
    }

    /// The first line of `text` (trimmed) that a login-error pattern
    /// matches.
    pub fn find_login_error<'a>(&self, text: &'a str) -> Option<&'a str> {
        matching_line(&self.login_error, text)
    }

    /// Whether the driver knows how to start authorization.
    pub fn supports_authorize(&self) -> bool {
        self.authorize.is_some()
    }

    /// Whether authorization should be started at a prompt that reads
    /// `prompt_text`: the driver supports it and, if it restricts it to
    /// some prompts, `prompt_text` is one of them.
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let ios = Driver::ios();
    /// assert!(ios.wants_authorize("\r\nrouter>"));
    /// assert!(!ios.wants_authorize("\r\nrouter#"));
    /// assert!(!Driver::generic().wants_authorize("router>"));
    /// ```
    pub fn wants_authorize(&self, prompt_text: &str) -> bool {
        self.authorize.as_ref().is_some_and(|authorize| {
            authorize
                .when_prompt
                .as_ref()
                .is_none_or(|pattern| pattern.is_match(prompt_text.as_bytes()))
        })
    }
}

/// The answer of `answers` whose pattern matches earliest.
fn find_answer<'d>(
    answers: &'d [Answer],
    buffer: &[u8],
    start: usize,
) -> Option<(&'d Answer, Range<usize>)> {
    let found = find_earliest(answers.iter().map(|a| &a.pattern), buffer, start)?;
    answers.get(found.index).map(|answer| (answer, found.range))
}

/// The start of `text` up to the end of its `n`-th non-blank line (lines
/// end at CR or LF); all of it when `n` is 0 or `text` has no more lines.
///
/// ```
/// use oxscript_drivers::leading_lines;
///
/// assert_eq!(leading_lines("\r\n  ^\r\n% bad\r\nmore\r\n", 2), "\r\n  ^\r\n% bad");
/// assert_eq!(leading_lines("one\ntwo", 5), "one\ntwo");
/// assert_eq!(leading_lines("one\ntwo", 0), "one\ntwo");
/// ```
pub fn leading_lines(text: &str, n: usize) -> &str {
    if n == 0 {
        return text;
    }
    let bytes = text.as_bytes();
    let mut seen = 0;
    let mut pos = 0;
    while pos < bytes.len() {
        let end = memchr::memchr2(b'\r', b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        if bytes[pos..end].iter().any(|b| !b.is_ascii_whitespace()) {
            seen += 1;
            if seen == n {
                // CR and LF are ASCII: `end` is a character boundary.
                return text.get(..end).unwrap_or(text);
            }
        }
        pos = end + 1;
    }
    text
}

/// The trimmed line holding the earliest match of any of `list` in `text`
/// (lines end at CR or LF). Safe for byte patterns that match inside a
/// multi-byte character. This is how a Session finds a response's error
/// line, with the driver's error patterns or the caller's.
///
/// ```
/// use oxscript_drivers::{matching_line, patterns};
///
/// let errors = patterns(&[r"(?m)^% Invalid[^\r\n]*"])?;
/// let text = "show foo\r\n      ^\r\n% Invalid input detected at '^' marker.\r\n";
/// assert_eq!(matching_line(&errors, text), Some("% Invalid input detected at '^' marker."));
/// # Ok::<(), oxscript_drivers::Error>(())
/// ```
pub fn matching_line<'a>(list: &[Pattern], text: &'a str) -> Option<&'a str> {
    let bytes = text.as_bytes();
    let at = list
        .iter()
        .filter_map(|pattern| pattern.regex().find(bytes).map(|m| m.start()))
        .min()?;
    // CR and LF are ASCII, so both bounds fall on character boundaries.
    let start = bytes
        .get(..at)
        .and_then(|before| before.iter().rposition(|&b| b == b'\r' || b == b'\n'))
        .map_or(0, |i| i + 1);
    let end = bytes
        .get(at..)
        .and_then(|after| after.iter().position(|&b| b == b'\r' || b == b'\n'))
        .map_or(bytes.len(), |i| at + i);
    text.get(start..end).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns;

    fn driver_with(error: &[&str]) -> Driver {
        Driver {
            error: patterns(error).unwrap(),
            ..Driver::generic()
        }
    }

    #[test]
    fn error_line_is_the_earliest_across_patterns() {
        let d = driver_with(&[r"(?m)^second[^\r\n]*", r"(?m)^first[^\r\n]*"]);
        let text = "ok\r\n  first problem \r\nsecond problem\r\n";
        // `first` is not at a line start (indented), so only `second` matches.
        assert_eq!(d.find_error(text), Some("second problem"));
        let d = driver_with(&[r"second", r"first"]);
        assert_eq!(d.find_error(text), Some("first problem"));
    }

    #[test]
    fn error_line_handles_edges() {
        let d = driver_with(&["boom"]);
        assert_eq!(d.find_error("boom"), Some("boom"));
        assert_eq!(d.find_error("a\nxx boom yy"), Some("xx boom yy"));
        assert_eq!(d.find_error("a\rboom\r"), Some("boom"));
        assert_eq!(d.find_error("é boom ü\r\n"), Some("é boom ü"));
        assert_eq!(d.find_error(""), None);
        let none = driver_with(&[]);
        assert_eq!(none.find_error("boom"), None);
    }

    #[test]
    fn error_line_survives_matches_inside_a_character() {
        // A byte pattern may match inside a multi-byte character; the line
        // bounds are still character boundaries.
        let d = driver_with(&[r"(?-u:\xA9)"]);
        assert_eq!(d.find_error("ok\r\nx é y\r\n"), Some("x é y"));
    }

    #[test]
    fn wants_authorize_follows_when_prompt() {
        let mut d = Driver::generic();
        assert!(!d.supports_authorize());
        assert!(!d.wants_authorize("x>"));
        d.authorize = Some(Authorize {
            command: "su -".into(),
            when_prompt: None,
        });
        assert!(d.supports_authorize());
        assert!(d.wants_authorize("anything"));
        d.authorize = Some(Authorize {
            command: "enable".into(),
            when_prompt: Some(Pattern::new(r">[ \t]*$").unwrap()),
        });
        assert!(d.wants_authorize("router> "));
        assert!(!d.wants_authorize("router# "));
    }

    #[test]
    fn init_command_constructors() {
        assert_eq!(InitCommand::new("x").alternatives, vec!["x".to_string()]);
        let c = InitCommand::with_alternatives(vec!["a".to_string(), "b".to_string()]);
        assert_eq!(c.alternatives, ["a", "b"]);
    }

    #[test]
    fn find_methods_take_the_earliest_match_not_the_first_listed() {
        let answer = |pattern: &str, reply: &str| Answer {
            pattern: Pattern::new(pattern).unwrap(),
            reply: reply.into(),
        };
        let d = Driver {
            prompt: patterns(&["late#$", "early"]).unwrap(),
            username_prompt: patterns(&["name:", "login"]).unwrap(),
            password_prompt: patterns(&["word:", "Pass"]).unwrap(),
            pager: vec![answer("More--", " "), answer("--More", "q")],
            login_answers: vec![answer(r"\[y/n\]", "y"), answer("Accept", "n")],
            ..Driver::generic()
        };
        assert_eq!(d.find_prompt(b"early late#", 0), Some(0..5));
        assert_eq!(d.find_username_prompt(b"login name:", 0), Some(0..5));
        assert_eq!(d.find_password_prompt(b"Password:", 0), Some(0..4));
        let (pager, range) = d.find_pager(b" --More-- ", 0).unwrap();
        assert_eq!((pager.reply.as_str(), range), ("q", 1..7));
        let (login, _) = d.find_login_answer(b"Accept? [y/n]", 0).unwrap();
        assert_eq!(login.reply, "n");
        // A tie goes to the pattern listed first.
        let tie = Driver {
            pager: vec![answer("--", "1"), answer("--More", "2")],
            ..Driver::generic()
        };
        assert_eq!(tie.find_pager(b"--More--", 0).unwrap().0.reply, "1");
    }

    #[test]
    fn find_login_answer_uses_the_list() {
        let mut d = Driver::generic();
        assert!(d.find_login_answer(b"Change now? [Y/N]: ", 0).is_none());
        d.login_answers.push(Answer {
            pattern: Pattern::new(r"\[Y/N\]:[ \t]*$").unwrap(),
            reply: "N\r".into(),
        });
        let (answer, range) = d.find_login_answer(b"Change now? [Y/N]: ", 0).unwrap();
        assert_eq!(answer.reply, "N\r");
        assert_eq!(range, 12..19);
    }
}
