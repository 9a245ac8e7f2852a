//! Drivers written as TOML files.
//!
//! A driver file describes one [`Driver`] with the same expressiveness as
//! a built-in one. Load it with [`Registry::load_file`] (or
//! [`Registry::load_str`], [`Registry::load_dir`]) to add it to a
//! registry, or with [`Driver::from_toml`] to get the value alone.
//!
//! # Keys
//!
//! Every key is optional except `name`. Unknown keys are errors, so a
//! typo (`promt`) is reported instead of silently ignored.
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `name` | string | the name the driver is registered and looked up under |
//! | `inherit` | string | start from this registered driver (name or alias) |
//! | `description` | string | one line for humans |
//! | `aliases` | list of strings | other names the driver is found under |
//! | `prompt` | list of regexes | command prompts (the earliest match wins) |
//! | `username_prompt` | list of regexes | username prompts of app-level login |
//! | `password_prompt` | list of regexes | password prompts (login and authorization) |
//! | `login_error` | list of regexes | lines saying a login or authorization failed |
//! | `error` | list of regexes | lines saying a command was rejected |
//! | `error_lines` | integer | how many non-blank leading lines of a response `error` looks at (0: all; default 5) |
//! | `newline` | string | what ends a line sent to the device (default `"\r"`) |
//! | `logout` | list of strings | commands sent, in order, to log out |
//! | `init_commands` | list of strings or of lists of strings | terminal set-up after login; a list holds alternatives tried in order |
//! | `[authorize]` | table: `command`, optional `when_prompt` (regex) | how to start authorization at login; `authorize = false` removes an inherited one |
//! | `[[login_answers]]` | tables: `pattern` (regex), `reply` | questions answered during login |
//! | `[[pager]]` | tables: `pattern` (regex), `reply` | pager prompts answered while waiting for a prompt |
//! | `common_pager` | boolean | keep the [common pager answers](crate::common_pager) (default `true`) |
//! | `[[os_guess]]` | tables: `stage` (`"protocol"`, `"head"` or `"response"`), `pattern` (regex), `confidence` (0–100) | OS-guessing rules |
//! | `[[privilege_levels]]` | tables: `name`, `prompt` (regex), optional `previous`, `escalate`, `escalate_auth` (boolean), `escalate_prompt` (regex), `deescalate` | the CLI levels (see [`PrivilegeLevel`]) |
//! | `default_privilege` | string | the level to work at |
//! | `config_privilege` | string | the level where configuration lines are sent |
//! | `config_commit` | string | sent before leaving the configuration level |
//! | `save_config` | string | saves the configuration (`write memory`), at `default_privilege` |
//! | `[[save_answers]]` | tables: `pattern` (regex), `reply` | questions `save_config` asks, answered |
//! | `commit_confirmed` | string | commit with a confirm timer; `{minutes}` or `{seconds}` is replaced |
//!
//! Regexes use the syntax of the [`regex`] crate and the conventions of
//! [`Driver`]: prompt-like patterns (prompts, username and password
//! prompts, login answers, pager prompts, level prompts) end with
//! `[ \t]*$` and write a line start as `(?:\A|[\r\n])`; error patterns
//! match one line and are written with `(?m)^`. TOML literal strings
//! (`'…'`) keep backslashes as they are, which suits regexes; use basic
//! strings (`"…"`) for replies and newlines that need `\r` or `\n`.
//!
//! # Inheritance
//!
//! Without `inherit`, a driver starts from the [generic
//! driver](Driver::generic): its prompts, login prompts, error patterns,
//! pager answers, `exit` to log out and `\r` as newline. With `inherit`,
//! it starts from the named driver (when loading into a registry, any
//! driver already registered there, including ones loaded from files
//! before; [`Driver::from_toml`] only knows the built-in drivers). Either
//! way the name, the aliases and the OS-guessing rules are not inherited:
//! a derived driver claims no names and no evidence of its parent.
//!
//! Every key given replaces the inherited value as a whole (lists are not
//! merged). Two exceptions: `[[pager]]` entries come in addition to the
//! common pager answers unless `common_pager = false`, and an empty
//! string for `default_privilege`, `config_privilege`, `config_commit`,
//! `save_config` or `commit_confirmed` removes the inherited value.
//!
//! # Checks
//!
//! Loading fails with [`Error::DriverFile`],
//! naming the file, the key path, the reason and the line, when the text
//! is not TOML, a key is unknown, a value has the wrong type, a regex
//! does not compile, a confidence is outside 0–100, `inherit` names no
//! known driver, or the privilege levels are inconsistent (a `previous`
//! or default/config level that does not exist, a level with `previous`
//! but no `escalate`, duplicate names, a cycle). For example:
//!
//! ```text
//! acme.toml: unknown key "promt" (line 3)
//! acme.toml: prompt[0]: invalid regex: regex parse error: … (line 4)
//! acme.toml: os_guess[1].confidence: must be 0-100 (line 40)
//! acme.toml: privilege_levels[2].previous: unknown level "foo" (line 31)
//! acme.toml: inherit: unknown driver "x" (line 2)
//! ```
//!
//! # A complete example
//!
//! ```
//! use oxscript_drivers::{Driver, GuessStage, InitCommand, OsGuesser, PrivilegeStep, Registry};
//!
//! let text = r##"
//! name = "acme"
//! description = "ACME EdgeOS routers"
//! aliases = ["acme_os", "acme_edge"]
//!
//! ## Prompts: `acme-edge1>`, `acme-edge1#`, `acme-edge1(cfg-if)#`.
//! prompt = ['(?:\A|[\r\n])acme-[\w.-]+(?:\([\w-]+\))?[>#][ \t]*$']
//! username_prompt = ['(?i)login:[ \t]*$']
//! password_prompt = ['(?i)password:[ \t]*$']
//! login_error = ['(?m)^% Login failed[^\r\n]*']
//! error = ['(?m)^ERR-\d+:[^\r\n]*', '(?m)^% Unknown command[^\r\n]*']
//! newline = "\r"
//! logout = ["logout"]
//! init_commands = ["set cli pager off", ["set cli width 0", "set cli width 512"]]
//! default_privilege = "admin"
//! config_privilege = "config"
//! config_commit = "commit"
//!
//! [authorize]
//! command = "privileged"
//! when_prompt = '>[ \t]*$'
//!
//! [[login_answers]]
//! pattern = '(?i)accept the terms\? \[y/n\][ \t]*$'
//! reply = "y\r"
//!
//! [[pager]]
//! pattern = '-- page \d+ --[ \t]*$'
//! reply = " "
//!
//! [[os_guess]]
//! stage = "protocol"
//! pattern = 'SSH-2\.0-AcmeSSH'
//! confidence = 90
//!
//! [[os_guess]]
//! stage = "head"
//! pattern = 'ACME EdgeOS'
//! confidence = 85
//!
//! [[os_guess]]
//! stage = "response"
//! pattern = 'EdgeOS version \d+'
//! confidence = 95
//!
//! [[privilege_levels]]
//! name = "user"
//! prompt = '(?:\A|[\r\n])acme-[\w.-]+>[ \t]*$'
//!
//! [[privilege_levels]]
//! name = "admin"
//! prompt = '(?:\A|[\r\n])acme-[\w.-]+#[ \t]*$'
//! previous = "user"
//! escalate = "privileged"
//! escalate_auth = true
//! escalate_prompt = '(?i)admin password:[ \t]*$'
//! deescalate = "unprivileged"
//!
//! [[privilege_levels]]
//! name = "config"
//! prompt = '(?:\A|[\r\n])acme-[\w.-]+\([\w-]+\)#[ \t]*$'
//! previous = "admin"
//! escalate = "configure"
//! deescalate = "end"
//! "##;
//!
//! let acme = Driver::from_toml(text, "acme.toml")?;
//! assert_eq!(acme.aliases, ["acme_os", "acme_edge"]);
//! assert!(acme.find_prompt(b"\r\nacme-edge1(cfg-if)# ", 0).is_some());
//! assert_eq!(acme.find_error("ERR-7: no route\r\n"), Some("ERR-7: no route"));
//! assert_eq!(acme.init_commands[1], InitCommand::with_alternatives(["set cli width 0", "set cli width 512"]));
//! assert!(acme.wants_authorize("acme-edge1>"));
//! assert_eq!(acme.os_guess[0].stage, GuessStage::Protocol);
//! // The common pager answers are kept, the file's own come after them.
//! assert!(acme.find_pager(b"\r\n --More-- ", 0).is_some());
//! assert_eq!(acme.find_pager(b"-- page 2 --", 0).map(|(a, _)| a.reply.as_str()), Some(" "));
//! assert_eq!(acme.current_privilege("acme-edge1(cfg)#").map(|l| l.name.as_str()), Some("config"));
//! let steps = acme.privilege_path("user", "config")?;
//! assert!(matches!(&steps[0], PrivilegeStep::Escalate { command, auth: true, .. } if command == "privileged"));
//!
//! // Loaded into a registry, the driver is found by its aliases and
//! // guessed from its rules.
//! let mut registry = Registry::builtin();
//! assert_eq!(registry.load_str(text, "acme.toml")?, "acme");
//! assert_eq!(registry.require("ACME_OS")?.name, "acme");
//! let mut guesser = OsGuesser::from_registry(&registry);
//! guesser.protocol_info("SSH-2.0-AcmeSSH_3.1");
//! assert_eq!(guesser.best_driver(), "acme");
//!
//! // A variant of a built-in driver only says what differs.
//! let lab = Driver::from_toml("name = \"lab_ios\"\ninherit = \"cisco_ios\"\ninit_commands = []\n", "lab.toml")?;
//! assert!(lab.init_commands.is_empty());
//! assert_eq!(lab.privilege_levels, Driver::ios().privilege_levels);
//!
//! // Mistakes name the key.
//! let err = Driver::from_toml("name = \"x\"\npromt = []\n", "acme.toml").unwrap_err();
//! assert_eq!(err.to_string(), "acme.toml: unknown key \"promt\" (line 2)");
//! # Ok::<(), oxscript_drivers::Error>(())
//! ```

use std::borrow::Borrow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::{
    Answer, Authorize, Driver, Error, GuessRule, GuessStage, InitCommand, Pattern, PrivilegeLevel,
    Registry, common_pager,
};

/// The top-level keys a driver file may hold.
const TOP_KEYS: &[&str] = &[
    "name",
    "inherit",
    "description",
    "aliases",
    "prompt",
    "username_prompt",
    "password_prompt",
    "login_error",
    "error",
    "error_lines",
    "newline",
    "logout",
    "init_commands",
    "authorize",
    "login_answers",
    "pager",
    "common_pager",
    "os_guess",
    "privilege_levels",
    "default_privilege",
    "config_privilege",
    "config_commit",
    "save_config",
    "save_answers",
    "commit_confirmed",
];

type Value<'i> = Spanned<DeValue<'i>>;

/// The tables of an array of tables, each with its key path and span.
type Tables<'t, 'i> = Vec<(String, &'t DeTable<'i>, Range<usize>)>;

/// Where the text came from, to build errors.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.get(..end).map_or(1, |before| {
            before.bytes().filter(|&b| b == b'\n').count() + 1
        })
    }

    fn error(&self, key: &str, reason: impl Into<String>, span: Option<&Range<usize>>) -> Error {
        Error::DriverFile {
            file: self.file.to_owned(),
            key: key.to_owned(),
            reason: reason.into(),
            line: span.map(|s| self.line(s)),
        }
    }
}

/// The entries of a table, checked against the allowed keys.
struct Table<'t, 'i> {
    entries: HashMap<&'t str, &'t Value<'i>>,
    path: String,
}

impl<'t, 'i> Table<'t, 'i> {
    fn new(
        src: &Source<'_>,
        table: &'t DeTable<'i>,
        path: &str,
        allowed: &[&str],
    ) -> Result<Self, Error> {
        let mut entries = HashMap::new();
        for (key, value) in table.iter() {
            let name: &str = key.borrow();
            if !allowed.contains(&name) {
                let span = key.span();
                return Err(src.error(path, format!("unknown key \"{name}\""), Some(&span)));
            }
            entries.insert(name, value);
        }
        Ok(Table {
            entries,
            path: path.to_owned(),
        })
    }

    fn key(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn get(&self, name: &str) -> Option<&'t Value<'i>> {
        self.entries.get(name).copied()
    }

    fn string(&self, src: &Source<'_>, name: &str) -> Result<Option<String>, Error> {
        self.get(name)
            .map(|value| as_string(src, &self.key(name), value))
            .transpose()
    }

    fn required_string(
        &self,
        src: &Source<'_>,
        name: &str,
        span: &Range<usize>,
    ) -> Result<String, Error> {
        self.string(src, name)?
            .ok_or_else(|| src.error(&self.key(name), "is required", Some(span)))
    }

    fn bool(&self, src: &Source<'_>, name: &str) -> Result<Option<bool>, Error> {
        self.get(name)
            .map(|value| {
                value.get_ref().as_bool().ok_or_else(|| {
                    src.error(&self.key(name), "expected a boolean", Some(&value.span()))
                })
            })
            .transpose()
    }

    /// A non-negative integer (a count).
    fn count(&self, src: &Source<'_>, name: &str) -> Result<Option<usize>, Error> {
        self.get(name)
            .map(|value| match value.get_ref() {
                DeValue::Integer(number) => {
                    i64::from_str_radix(&number.as_str().replace('_', ""), number.radix())
                        .ok()
                        .and_then(|n| usize::try_from(n).ok())
                        .ok_or_else(|| {
                            src.error(&self.key(name), "must be 0 or more", Some(&value.span()))
                        })
                }
                _ => Err(src.error(
                    &self.key(name),
                    "expected an integer (0 or more)",
                    Some(&value.span()),
                )),
            })
            .transpose()
    }

    fn pattern(&self, src: &Source<'_>, name: &str) -> Result<Option<Pattern>, Error> {
        self.get(name)
            .map(|value| as_pattern(src, &self.key(name), value))
            .transpose()
    }

    fn strings(&self, src: &Source<'_>, name: &str) -> Result<Option<Vec<String>>, Error> {
        self.list(src, name, |key, item| as_string(src, &key, item))
    }

    fn patterns(&self, src: &Source<'_>, name: &str) -> Result<Option<Vec<Pattern>>, Error> {
        self.list(src, name, |key, item| as_pattern(src, &key, item))
    }

    /// The tables of an array of tables, each with its key path and span.
    fn tables(&self, src: &Source<'_>, name: &str) -> Result<Option<Tables<'t, 'i>>, Error> {
        self.list(src, name, |key, item| match item.get_ref() {
            DeValue::Table(table) => Ok((key, table, item.span())),
            _ => Err(src.error(&key, "expected a table", Some(&item.span()))),
        })
    }

    /// The array `name`, each item converted by `convert` (which gets the
    /// item's key path, `name[i]`, and the item).
    fn list<T>(
        &self,
        src: &Source<'_>,
        name: &str,
        convert: impl Fn(String, &'t Value<'i>) -> Result<T, Error>,
    ) -> Result<Option<Vec<T>>, Error> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let key = self.key(name);
        array(src, &key, value)?
            .iter()
            .enumerate()
            .map(|(i, item)| convert(format!("{key}[{i}]"), item))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

fn array<'t, 'i>(
    src: &Source<'_>,
    key: &str,
    value: &'t Value<'i>,
) -> Result<&'t [Value<'i>], Error> {
    match value.get_ref() {
        DeValue::Array(items) => Ok(items),
        _ => Err(src.error(key, "expected an array", Some(&value.span()))),
    }
}

fn as_string(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<String, Error> {
    value
        .get_ref()
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| src.error(key, "expected a string", Some(&value.span())))
}

fn as_pattern(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<Pattern, Error> {
    let text = as_string(src, key, value)?;
    Pattern::new(&text).map_err(|err| {
        let reason = match err {
            Error::InvalidPattern { reason, .. } => reason,
            other => other.to_string(),
        };
        src.error(key, format!("invalid regex: {reason}"), Some(&value.span()))
    })
}

/// An `Option<String>` key where the empty string clears the value.
fn optional_name(
    table: &Table<'_, '_>,
    src: &Source<'_>,
    name: &str,
    into: &mut Option<String>,
) -> Result<(), Error> {
    if let Some(value) = table.string(src, name)? {
        *into = if value.is_empty() { None } else { Some(value) };
    }
    Ok(())
}

/// Why [`parse_driver`] rejected a text.
pub(crate) enum ParseError {
    /// `inherit` names a driver `lookup` does not know. In a directory it
    /// may be one loaded later; the error is what to report if not.
    UnknownParent(Error),
    /// The text is no valid driver.
    Invalid(Error),
}

impl From<Error> for ParseError {
    fn from(error: Error) -> Self {
        ParseError::Invalid(error)
    }
}

impl From<ParseError> for Error {
    fn from(error: ParseError) -> Self {
        match error {
            ParseError::UnknownParent(error) | ParseError::Invalid(error) => error,
        }
    }
}

/// Parses a driver file. `lookup` resolves `inherit`.
pub(crate) fn parse_driver(
    text: &str,
    file: &str,
    lookup: &dyn Fn(&str) -> Option<Driver>,
) -> Result<Driver, ParseError> {
    let src = Source { file, text };
    let document = DeTable::parse(text).map_err(|err| {
        let span = err.span();
        src.error(
            "",
            format!("invalid TOML: {}", err.message()),
            span.as_ref(),
        )
    })?;
    let root = Table::new(&src, document.get_ref(), "", TOP_KEYS)?;
    let whole = 0..0;

    let name = root.required_string(&src, "name", &whole)?;
    if name.trim().is_empty() {
        let span = root.get("name").map(Spanned::span);
        return Err(src.error("name", "must not be empty", span.as_ref()).into());
    }
    let mut driver = match root.string(&src, "inherit")? {
        Some(parent) => {
            let span = root.get("inherit").map(Spanned::span);
            lookup(&parent).ok_or_else(|| {
                ParseError::UnknownParent(src.error(
                    "inherit",
                    format!("unknown driver \"{parent}\""),
                    span.as_ref(),
                ))
            })?
        }
        None => Driver {
            description: String::new(),
            ..Driver::generic()
        },
    };
    driver.name = name;
    driver.aliases = Vec::new();
    driver.os_guess = Vec::new();

    if let Some(description) = root.string(&src, "description")? {
        driver.description = description;
    }
    if let Some(aliases) = root.strings(&src, "aliases")? {
        driver.aliases = aliases;
    }
    for (key, field) in [
        ("prompt", &mut driver.prompt),
        ("username_prompt", &mut driver.username_prompt),
        ("password_prompt", &mut driver.password_prompt),
        ("login_error", &mut driver.login_error),
        ("error", &mut driver.error),
    ] {
        if let Some(patterns) = root.patterns(&src, key)? {
            *field = patterns;
        }
    }
    if let Some(lines) = root.count(&src, "error_lines")? {
        driver.error_lines = lines;
    }
    if let Some(newline) = root.string(&src, "newline")? {
        driver.newline = newline;
    }
    if let Some(logout) = root.strings(&src, "logout")? {
        driver.logout = logout;
    }
    if let Some(value) = root.get("init_commands") {
        driver.init_commands = init_commands(&src, value)?;
    }
    if let Some(value) = root.get("authorize") {
        driver.authorize = authorize(&src, value)?;
    }
    if let Some(answers) = answers(&src, &root, "login_answers")? {
        driver.login_answers = answers;
    }
    if let Some(answers) = answers(&src, &root, "save_answers")? {
        driver.save_answers = answers;
    }
    let keep_common = root.bool(&src, "common_pager")?.unwrap_or(true);
    let common = common_pager();
    match answers(&src, &root, "pager")? {
        Some(own) => {
            let mut pager = own;
            if keep_common {
                for answer in common {
                    if !pager.contains(&answer) {
                        pager.push(answer);
                    }
                }
            }
            driver.pager = pager;
        }
        None if !keep_common => driver.pager.retain(|answer| !common.contains(answer)),
        None => {}
    }
    if let Some(tables) = root.tables(&src, "os_guess")? {
        driver.os_guess = tables
            .into_iter()
            .map(|(key, table, span)| guess_rule(&src, &key, table, &span))
            .collect::<Result<_, _>>()?;
    }
    let mut level_spans: HashMap<String, Range<usize>> = HashMap::new();
    if let Some(tables) = root.tables(&src, "privilege_levels")? {
        driver.privilege_levels = tables
            .into_iter()
            .map(|(key, table, span)| {
                let level = privilege_level(&src, &key, table, &span, &mut level_spans);
                level_spans.insert(key, span);
                level
            })
            .collect::<Result<_, _>>()?;
    }
    optional_name(
        &root,
        &src,
        "default_privilege",
        &mut driver.default_privilege,
    )?;
    optional_name(
        &root,
        &src,
        "config_privilege",
        &mut driver.config_privilege,
    )?;
    optional_name(&root, &src, "config_commit", &mut driver.config_commit)?;
    optional_name(&root, &src, "save_config", &mut driver.save_config)?;
    optional_name(
        &root,
        &src,
        "commit_confirmed",
        &mut driver.commit_confirmed,
    )?;

    if let Some((key, reason)) = driver.privilege_problems().into_iter().next() {
        let span = level_spans
            .get(&key)
            .or_else(|| {
                key.split_once('.')
                    .and_then(|(level, _)| level_spans.get(level))
            })
            .cloned()
            .or_else(|| root.get(&key).map(Spanned::span))
            .or_else(|| root.get("privilege_levels").map(Spanned::span));
        return Err(src.error(&key, reason, span.as_ref()).into());
    }
    Ok(driver)
}

fn init_commands(src: &Source<'_>, value: &Value<'_>) -> Result<Vec<InitCommand>, Error> {
    let key = "init_commands";
    array(src, key, value)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item_key = format!("{key}[{i}]");
            match item.get_ref() {
                DeValue::String(command) => Ok(InitCommand::new(command.to_string())),
                DeValue::Array(alternatives) => {
                    if alternatives.is_empty() {
                        return Err(src.error(
                            &item_key,
                            "must list at least one command",
                            Some(&item.span()),
                        ));
                    }
                    alternatives
                        .iter()
                        .enumerate()
                        .map(|(j, alt)| as_string(src, &format!("{item_key}[{j}]"), alt))
                        .collect::<Result<Vec<_>, _>>()
                        .map(InitCommand::with_alternatives)
                }
                _ => Err(src.error(
                    &item_key,
                    "expected a string or an array of strings",
                    Some(&item.span()),
                )),
            }
        })
        .collect()
}

fn authorize(src: &Source<'_>, value: &Value<'_>) -> Result<Option<Authorize>, Error> {
    match value.get_ref() {
        DeValue::Boolean(false) => Ok(None),
        DeValue::Table(table) => {
            let table = Table::new(src, table, "authorize", &["command", "when_prompt"])?;
            Ok(Some(Authorize {
                command: table.required_string(src, "command", &value.span())?,
                when_prompt: table.pattern(src, "when_prompt")?,
            }))
        }
        _ => Err(src.error(
            "authorize",
            "expected a table (or false to remove it)",
            Some(&value.span()),
        )),
    }
}

fn answers(
    src: &Source<'_>,
    root: &Table<'_, '_>,
    name: &str,
) -> Result<Option<Vec<Answer>>, Error> {
    let Some(tables) = root.tables(src, name)? else {
        return Ok(None);
    };
    tables
        .into_iter()
        .map(|(key, table, span)| {
            let table = Table::new(src, table, &key, &["pattern", "reply"])?;
            Ok(Answer {
                pattern: table
                    .pattern(src, "pattern")?
                    .ok_or_else(|| src.error(&table.key("pattern"), "is required", Some(&span)))?,
                reply: table.required_string(src, "reply", &span)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn guess_rule(
    src: &Source<'_>,
    key: &str,
    table: &DeTable<'_>,
    span: &Range<usize>,
) -> Result<GuessRule, Error> {
    let table = Table::new(src, table, key, &["stage", "pattern", "confidence"])?;
    let stage_key = table.key("stage");
    let stage = match table.required_string(src, "stage", span)?.as_str() {
        "protocol" => GuessStage::Protocol,
        "head" => GuessStage::Head,
        "response" => GuessStage::Response,
        _ => {
            let at = table.get("stage").map(Spanned::span);
            return Err(src.error(
                &stage_key,
                "must be \"protocol\", \"head\" or \"response\"",
                at.as_ref(),
            ));
        }
    };
    let pattern = table
        .pattern(src, "pattern")?
        .ok_or_else(|| src.error(&table.key("pattern"), "is required", Some(span)))?;
    let confidence_key = table.key("confidence");
    let value = table
        .get("confidence")
        .ok_or_else(|| src.error(&confidence_key, "is required", Some(span)))?;
    let confidence = match value.get_ref() {
        DeValue::Integer(number) => {
            i64::from_str_radix(&number.as_str().replace('_', ""), number.radix())
                .ok()
                .and_then(|n| u8::try_from(n).ok())
                .filter(|n| *n <= 100)
                .ok_or_else(|| src.error(&confidence_key, "must be 0-100", Some(&value.span())))?
        }
        _ => {
            return Err(src.error(
                &confidence_key,
                "expected an integer (0-100)",
                Some(&value.span()),
            ));
        }
    };
    Ok(GuessRule {
        stage,
        pattern,
        confidence,
    })
}

fn privilege_level(
    src: &Source<'_>,
    key: &str,
    table: &DeTable<'_>,
    span: &Range<usize>,
    spans: &mut HashMap<String, Range<usize>>,
) -> Result<PrivilegeLevel, Error> {
    let table = Table::new(
        src,
        table,
        key,
        &[
            "name",
            "prompt",
            "previous",
            "escalate",
            "escalate_auth",
            "escalate_prompt",
            "deescalate",
        ],
    )?;
    for field in ["name", "previous", "escalate", "deescalate"] {
        if let Some(value) = table.get(field) {
            spans.insert(table.key(field), value.span());
        }
    }
    Ok(PrivilegeLevel {
        name: table.required_string(src, "name", span)?,
        prompt: table
            .pattern(src, "prompt")?
            .ok_or_else(|| src.error(&table.key("prompt"), "is required", Some(span)))?,
        previous: table.string(src, "previous")?,
        escalate: table.string(src, "escalate")?,
        escalate_auth: table.bool(src, "escalate_auth")?.unwrap_or(false),
        escalate_prompt: table.pattern(src, "escalate_prompt")?,
        deescalate: table.string(src, "deescalate")?,
    })
}

impl Driver {
    /// Reads a driver from the text of a TOML driver file (see
    /// [`toml_format`](crate::toml_format) for the format). `source` names
    /// the text in errors (usually the file name). `inherit` may name any
    /// built-in driver; to inherit from drivers loaded before, load into a
    /// [`Registry`] with [`Registry::load_str`] instead.
    ///
    /// # Errors
    ///
    /// [`Error::DriverFile`] naming `source`, the key path, the reason and
    /// the line.
    ///
    /// ```
    /// use oxscript_drivers::Driver;
    ///
    /// let d = Driver::from_toml("name = 'quiet_ios'\ninherit = 'ios'\nlogout = ['logout']\n", "quiet.toml")?;
    /// assert_eq!(d.logout, ["logout"]);
    /// let err = Driver::from_toml("name = 'x'\ninherit = 'nope'\n", "x.toml").unwrap_err();
    /// assert_eq!(err.to_string(), "x.toml: inherit: unknown driver \"nope\" (line 2)");
    /// # Ok::<(), oxscript_drivers::Error>(())
    /// ```
    pub fn from_toml(text: &str, source: &str) -> Result<Driver, Error> {
        parse_driver(text, source, &|name| {
            crate::builtin().get(name).map(|driver| (*driver).clone())
        })
        .map_err(Error::from)
    }
}

impl Registry {
    /// Reads a driver from TOML text (see [`toml_format`](crate::toml_format))
    /// and registers it, replacing a driver of the same name. `inherit`
    /// may name any driver of this registry. Returns the driver's name.
    ///
    /// # Errors
    ///
    /// [`Error::DriverFile`] naming `source`, the key path, the reason and
    /// the line; nothing is registered then.
    pub fn load_str(&mut self, text: &str, source: &str) -> Result<String, Error> {
        Ok(self.load_text(text, source)?)
    }

    /// [`load_str`](Registry::load_str), telling an unknown parent from
    /// other errors.
    fn load_text(&mut self, text: &str, source: &str) -> Result<String, ParseError> {
        let driver = parse_driver(text, source, &|name| {
            self.get(name).map(|driver| (*driver).clone())
        })?;
        let name = driver.name.clone();
        self.register(driver);
        Ok(name)
    }

    /// Reads a driver file and registers the driver (see
    /// [`load_str`](Registry::load_str)); errors name the file as given.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::DriverFile`]
    /// when it is no valid driver.
    pub fn load_file(&mut self, path: impl AsRef<Path>) -> Result<String, Error> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| Error::Io {
            path: shown.clone(),
            error: std::sync::Arc::new(error),
        })?;
        self.load_str(&text, &shown)
    }

    /// Loads every `*.toml` file of a directory, in file-name order, and
    /// returns the names of the drivers loaded, in that order. A file may
    /// inherit from a driver of another file of the directory whatever
    /// their order: files whose parent is not loaded yet are retried
    /// after the others. Every file is read once, before any is loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory or a file cannot be read (nothing
    /// is loaded then), the first [`Error::DriverFile`] otherwise. Drivers
    /// loaded before that error stay registered.
    pub fn load_dir(&mut self, dir: impl AsRef<Path>) -> Result<Vec<String>, Error> {
        let dir = dir.as_ref();
        let io = |error| Error::Io {
            path: dir.display().to_string(),
            error: std::sync::Arc::new(error),
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.is_file() && path.extension().is_some_and(|ext| ext == "toml") {
                paths.push(path);
            }
        }
        paths.sort();
        // (shown name, text) of each file.
        let mut pending = Vec::with_capacity(paths.len());
        for path in paths {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|error| Error::Io {
                path: shown.clone(),
                error: std::sync::Arc::new(error),
            })?;
            pending.push((shown, text));
        }
        let mut loaded = Vec::new();
        // Each pass loads at least one file or stops, so there are at most
        // as many passes as files.
        loop {
            let mut deferred = Vec::new();
            let mut first_unknown = None;
            let before = pending.len();
            for (shown, text) in pending {
                match self.load_text(&text, &shown) {
                    Ok(name) => loaded.push(name),
                    Err(ParseError::UnknownParent(err)) => {
                        first_unknown.get_or_insert(err);
                        deferred.push((shown, text));
                    }
                    Err(ParseError::Invalid(err)) => return Err(err),
                }
            }
            match first_unknown {
                None => return Ok(loaded),
                Some(err) if deferred.len() == before => return Err(err),
                Some(_) => pending = deferred,
            }
        }
    }
}

#[cfg(test)]
mod tests;
