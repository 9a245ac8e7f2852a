//! Checks the transcript fixtures in `fixtures/`: one recorded-style
//! conversation per built-in driver, replayed elsewhere through a
//! scripted device and a real Session.
//!
//! Beyond the format (keys, actions, script entries), this walks every
//! script the way a correct Session using the driver would: it feeds the
//! device's bytes into a buffer (terminal sequences removed, backspaces
//! applied), and at each point where the client sends something it
//! computes what the Session would send there (a username, a password, a
//! pager reply, the next command, an escalation) and compares. So every
//! prompt, pager prompt, login prompt and error line of a fixture is
//! checked against the driver's patterns exactly where it appears.

// A test harness: its helpers report a broken fixture by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use oxscript_drivers::{Driver, Pattern, PrivilegeStep, builtin};
use toml::{Table, Value};

const ACTIONS: &[&str] = &[
    "login",
    "authenticate",
    "autoinit",
    "execute",
    "acquire_priv",
    "send_config",
    "logout",
];

const STEP_KEYS: &[&str] = &[
    "action",
    "script",
    "prompt",
    "command",
    "output_contains",
    "output",
    "error",
    "level",
    "lines",
];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// One entry of a step's script.
#[derive(Clone, Debug)]
enum Entry {
    Device(String),
    Client(String),
}

struct Account {
    name: String,
    password: String,
    authorization_password: Option<String>,
}

impl Account {
    fn authorization(&self) -> &str {
        self.authorization_password
            .as_deref()
            .unwrap_or(&self.password)
    }
}

/// Removes terminal control sequences and NUL/BEL/SI/SO, like the
/// Session's cleaner.
fn strip_terminal(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x1b => {
                i += 1;
                match bytes.get(i) {
                    Some(b'[') => {
                        i += 1;
                        while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                            i += 1;
                        }
                        i += 1;
                    }
                    Some(b']') => {
                        while i < bytes.len() && bytes[i] != 0x07 {
                            if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'\\') {
                                i += 1;
                                break;
                            }
                            i += 1;
                        }
                        i += 1;
                    }
                    Some(b'(' | b')' | b'#') => i += 2,
                    Some(_) => i += 1,
                    None => {}
                }
            }
            0x00 | 0x07 | 0x0e | 0x0f => i += 1,
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// What a wait found: which kind, and the matched range.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Prompt,
    Username,
    Password,
    Answer(String),
    Pager(String),
}

struct Sim<'a> {
    file: String,
    driver: &'a Driver,
    account: &'a Account,
    entries: Vec<Entry>,
    at: usize,
    buf: Vec<u8>,
    /// Pager prompts answered during the current command.
    pagers: Vec<String>,
    /// The Session's prompt.
    prompt: Option<String>,
    step: usize,
}

/// A finished command: its cleaned text and the prompt after it.
struct Reply {
    text: String,
    prompt: String,
}

impl Sim<'_> {
    fn fail(&self, msg: &str) -> ! {
        panic!(
            "{} step {}: {msg}\n  buffer: {:?}",
            self.file,
            self.step,
            String::from_utf8_lossy(&self.buf)
        )
    }

    fn feed(&mut self, text: &str) {
        for b in strip_terminal(text) {
            if b == 0x08 {
                if self.buf.last().is_some_and(|&c| c != b'\n') {
                    self.buf.pop();
                }
            } else {
                self.buf.push(b);
            }
        }
    }

    /// Feeds device entries up to the next client entry; returns it.
    fn next_client(&mut self) -> Option<String> {
        while let Some(entry) = self.entries.get(self.at).cloned() {
            self.at += 1;
            match entry {
                Entry::Device(text) => self.feed(&text),
                Entry::Client(text) => return Some(text),
            }
        }
        None
    }

    /// The earliest match of the candidates in the buffer (ties go to
    /// the earlier candidate), as the Session's scanner finds it.
    fn earliest(&self, candidates: &[(Kind, Pattern)]) -> Option<(Kind, std::ops::Range<usize>)> {
        let mut best: Option<(Kind, std::ops::Range<usize>)> = None;
        for (kind, pattern) in candidates {
            if let Some(range) = pattern.find_at(&self.buf, 0)
                && best.as_ref().is_none_or(|(_, b)| range.start < b.start)
            {
                best = Some((kind.clone(), range));
            }
        }
        best
    }

    fn prompt_set(&self) -> Vec<(Kind, Pattern)> {
        self.driver
            .prompt
            .iter()
            .map(|p| (Kind::Prompt, p.clone()))
            .collect()
    }

    fn pager_set(&self) -> Vec<(Kind, Pattern)> {
        self.driver
            .pager
            .iter()
            .map(|a| (Kind::Pager(a.reply.clone()), a.pattern.clone()))
            .collect()
    }

    fn line(&self, text: &str) -> String {
        format!("{text}{}", self.driver.newline)
    }

    fn expect_client(&mut self, want: &str, what: &str) {
        match self.next_client() {
            Some(got) if got == want => {}
            Some(got) => self.fail(&format!(
                "expected the client to send {what} {want:?}, script has {got:?}"
            )),
            None => self.fail(&format!(
                "script ends where the client sends {what} {want:?}"
            )),
        }
    }

    /// The matched text as the Session keeps it (trimmed).
    fn take(&mut self, range: std::ops::Range<usize>) -> (String, String) {
        let before = String::from_utf8_lossy(&self.buf[..range.start]).into_owned();
        let text = String::from_utf8_lossy(&self.buf[range.clone()])
            .trim()
            .to_owned();
        self.buf.drain(..range.end);
        (before, text)
    }

    /// Waits for the prompt, answering pagers; the next client entry (if
    /// any) is pushed back for the caller.
    fn wait_prompt(&mut self) -> (String, String) {
        let mut set = self.prompt_set();
        set.extend(self.pager_set());
        loop {
            let client = self.next_client();
            match (self.earliest(&set), client) {
                (Some((Kind::Pager(reply), range)), Some(got)) => {
                    if got != reply {
                        self.fail(&format!(
                            "the pager expects {reply:?}, script sends {got:?}"
                        ));
                    }
                    let text = String::from_utf8_lossy(&self.buf[range]).to_string();
                    self.pagers.push(text);
                    // The Session does not consume a pager prompt: the
                    // device erases it or moves on.
                }
                (Some((Kind::Prompt, range)), client) => {
                    if client.is_some() {
                        self.at -= 1;
                    }
                    return self.take(range);
                }
                (Some((Kind::Pager(_), _)), None) => self.fail("the script ends at a pager prompt"),
                (_, Some(got)) => self.fail(&format!(
                    "the client sends {got:?} before any prompt or pager prompt"
                )),
                (_, None) => self.fail("the script ends without a prompt"),
            }
        }
    }

    /// Sends `command` and waits for its prompt, as `execute` does.
    fn run_command(&mut self, command: &str) -> Reply {
        self.buf.clear();
        self.pagers.clear();
        let line = self.line(command);
        self.expect_client(&line, "the command");
        let (raw, prompt) = self.wait_prompt();
        self.prompt = Some(prompt.clone());
        Reply {
            text: clean_text(&raw, command, &self.pagers),
            prompt,
        }
    }

    /// Like `run_command` for an escalation that may ask for the
    /// authorization password.
    fn run_escalate(&mut self, command: &str, auth: bool, prompt: Option<&Pattern>) -> Reply {
        if !auth {
            return self.run_command(command);
        }
        self.buf.clear();
        self.pagers.clear();
        let line = self.line(command);
        self.expect_client(&line, "the escalation");
        let mut set = self.prompt_set();
        match prompt {
            Some(p) => set.push((Kind::Password, p.clone())),
            None => set.extend(
                self.driver
                    .password_prompt
                    .iter()
                    .map(|p| (Kind::Password, p.clone())),
            ),
        }
        let mut sent = false;
        loop {
            let client = self.next_client();
            match (self.earliest(&set), client) {
                (Some((Kind::Password, range)), Some(got)) if !sent => {
                    let want = self.line(self.account.authorization());
                    if got != want {
                        self.fail(&format!(
                            "expected the authorization password, script sends {got:?}"
                        ));
                    }
                    self.take(range);
                    sent = true;
                }
                (Some((Kind::Prompt, range)), client) => {
                    if client.is_some() {
                        self.at -= 1;
                    }
                    let (raw, prompt) = self.take(range);
                    self.prompt = Some(prompt.clone());
                    return Reply {
                        text: clean_text(&raw, command, &[]),
                        prompt,
                    };
                }
                (found, client) => self.fail(&format!(
                    "during escalation: found {found:?}, client {client:?}"
                )),
            }
        }
    }

    /// The login dialog (authentication, then authorization for `login`).
    fn login(&mut self, authorize: bool) {
        let d = self.driver;
        let mut set = self.prompt_set();
        set.extend(
            d.username_prompt
                .iter()
                .map(|p| (Kind::Username, p.clone())),
        );
        set.extend(
            d.password_prompt
                .iter()
                .map(|p| (Kind::Password, p.clone())),
        );
        set.extend(
            d.login_answers
                .iter()
                .map(|a| (Kind::Answer(a.reply.clone()), a.pattern.clone())),
        );
        let mut authorizing = false;
        let mut sent_user = false;
        let mut sent_password = false;
        loop {
            let client = self.next_client();
            let found = self.earliest(&set);
            let Some((kind, range)) = found else {
                match client {
                    Some(got) => self.fail(&format!(
                        "the client sends {got:?} but no login prompt, question or prompt is there"
                    )),
                    None => self.fail("the login ends without a prompt"),
                }
            };
            match kind {
                Kind::Prompt => {
                    let (_, prompt) = self.take(range);
                    self.prompt = Some(prompt.clone());
                    if authorize && !authorizing && d.wants_authorize(&prompt) {
                        let Some(auth) = d.authorize.clone() else {
                            unreachable!()
                        };
                        let want = self.line(&auth.command);
                        match client {
                            Some(got) if got == want => {}
                            other => self.fail(&format!("expected authorization {want:?} at {prompt:?}, script has {other:?}")),
                        }
                        self.buf.clear();
                        authorizing = true;
                        sent_user = false;
                        sent_password = false;
                        continue;
                    }
                    if let Some(got) = client {
                        self.fail(&format!(
                            "the login is over at {prompt:?}, yet the client sends {got:?}"
                        ));
                    }
                    if authorizing && d.wants_authorize(&prompt) {
                        self.fail(&format!(
                            "still unprivileged after authorization: {prompt:?}"
                        ));
                    }
                    return;
                }
                Kind::Username => {
                    if sent_user || sent_password {
                        self.fail(
                            "the username is asked again: the fixture would be a login failure",
                        );
                    }
                    sent_user = true;
                    let want = self.line(&self.account.name);
                    self.take(range);
                    match client {
                        Some(got) if got == want => {}
                        other => self.fail(&format!(
                            "expected the username {want:?}, script has {other:?}"
                        )),
                    }
                }
                Kind::Password => {
                    if sent_password {
                        self.fail(
                            "the password is asked again: the fixture would be a login failure",
                        );
                    }
                    sent_password = true;
                    let secret = if authorizing {
                        self.account.authorization()
                    } else {
                        &self.account.password
                    };
                    let want = self.line(secret);
                    self.take(range);
                    match client {
                        Some(got) if got == want => {}
                        other => self.fail(&format!(
                            "expected the password {want:?}, script has {other:?}"
                        )),
                    }
                }
                Kind::Answer(reply) => {
                    self.take(range);
                    match client {
                        Some(got) if got == reply => {}
                        other => self.fail(&format!(
                            "expected the login answer {reply:?}, script has {other:?}"
                        )),
                    }
                }
                Kind::Pager(_) => unreachable!(),
            }
        }
    }

    fn level_of(&self) -> String {
        let prompt = self
            .prompt
            .clone()
            .unwrap_or_else(|| self.fail("no prompt known yet"));
        match self.driver.current_privilege(&prompt) {
            Some(level) => level.name.clone(),
            None => self.fail(&format!("prompt {prompt:?} belongs to no privilege level")),
        }
    }

    fn walk(&mut self, from: &str, to: &str) {
        let path = self
            .driver
            .privilege_path(from, to)
            .unwrap_or_else(|e| self.fail(&e.to_string()));
        for step in path {
            let (reply, level) = match step {
                PrivilegeStep::Escalate {
                    level,
                    command,
                    auth,
                    prompt,
                } => (self.run_escalate(&command, auth, prompt.as_ref()), level),
                PrivilegeStep::Deescalate { level, command } => (self.run_command(&command), level),
            };
            self.no_error(&reply);
            let now = self
                .driver
                .current_privilege(&reply.prompt)
                .map(|l| l.name.clone());
            if now.as_deref() != Some(level.as_str()) {
                self.fail(&format!(
                    "after the step to {level}, prompt {:?} is at {now:?}",
                    reply.prompt
                ));
            }
        }
    }

    fn no_error(&self, reply: &Reply) {
        if let Some(line) = transport_error(self.driver, &reply.text) {
            self.fail(&format!(
                "the response would be an error: {line:?} in {:?}",
                reply.text
            ));
        }
    }
}

/// The error line a Session reports: the first error pattern in list
/// order that matches, the trimmed line around its match.
fn transport_error(driver: &Driver, text: &str) -> Option<String> {
    for pattern in &driver.error {
        if let Some(range) = pattern.find_at(text.as_bytes(), 0) {
            let start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
            let end = text[range.end..]
                .find('\n')
                .map_or(text.len(), |i| range.end + i);
            return Some(text[start..end].trim().to_owned());
        }
    }
    None
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Response text as the Session makes it: lines with carriage returns
/// applied, pager prompts removed, the echo and blank edges dropped.
fn clean_text(raw: &str, command: &str, pagers: &[String]) -> String {
    let pagers: Vec<&str> = pagers
        .iter()
        .map(|p| p.trim_matches(|c| c == '\r' || c == '\n'))
        .filter(|p| !p.trim().is_empty())
        .collect();
    let mut lines: Vec<String> = Vec::new();
    for line in raw.split('\n') {
        let line = line.trim_end_matches('\r');
        let mut line = if line.contains('\r') {
            // Later segments overwrite earlier ones from the line start.
            let mut cells: Vec<char> = Vec::new();
            for segment in line.split('\r') {
                for (i, c) in segment.chars().enumerate() {
                    if i < cells.len() {
                        cells[i] = c;
                    } else {
                        cells.push(c);
                    }
                }
            }
            cells.into_iter().collect::<String>().trim_end().to_owned()
        } else {
            line.to_owned()
        };
        let before = line.len();
        for pager in &pagers {
            line = line.replace(pager, "");
        }
        if line.len() != before && line.trim().is_empty() {
            continue;
        }
        lines.push(line);
    }
    let want = squash(command);
    let skip = match lines.first() {
        Some(first) if !want.is_empty() && squash(first).ends_with(&want) => 1,
        Some(first)
            if command.split_whitespace().count() == first.split_whitespace().count()
                && command
                    .split_whitespace()
                    .zip(first.split_whitespace())
                    .all(|(t, e)| e.starts_with(t)) =>
        {
            1
        }
        _ => 0,
    };
    let mut body = &lines[skip.min(lines.len())..];
    while body.first().is_some_and(|l| l.trim().is_empty()) {
        body = &body[1..];
    }
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body = &body[..body.len() - 1];
    }
    body.join("\n")
}

fn string<'a>(table: &'a Table, key: &str, file: &str) -> Option<&'a str> {
    table.get(key).map(|v| {
        v.as_str()
            .unwrap_or_else(|| panic!("{file}: `{key}` must be a string"))
    })
}

fn strings(table: &Table, key: &str, file: &str) -> Option<Vec<String>> {
    table.get(key).map(|v| {
        v.as_array()
            .unwrap_or_else(|| panic!("{file}: `{key}` must be an array"))
            .iter()
            .map(|s| {
                s.as_str()
                    .unwrap_or_else(|| panic!("{file}: `{key}` must hold strings"))
                    .to_owned()
            })
            .collect()
    })
}

fn check_fixture(path: &Path) -> String {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let doc: Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{file}: invalid TOML: {e}"));
    for key in doc.keys() {
        assert!(
            ["driver", "description", "account", "step"].contains(&key.as_str()),
            "{file}: unknown key {key}"
        );
    }
    let name = string(&doc, "driver", &file).unwrap_or_else(|| panic!("{file}: no driver"));
    let driver = builtin()
        .get(name)
        .unwrap_or_else(|| panic!("{file}: unknown driver {name}"));
    assert_eq!(
        driver.name, name,
        "{file}: use the driver's name, not an alias"
    );
    assert_eq!(
        file,
        format!("{name}.toml"),
        "{file}: named after its driver"
    );
    let description = string(&doc, "description", &file).unwrap_or_default();
    assert!(description.len() > 20, "{file}: describe the conversation");

    let account = doc
        .get("account")
        .and_then(Value::as_table)
        .unwrap_or_else(|| panic!("{file}: no [account]"));
    for key in account.keys() {
        assert!(
            ["name", "password", "authorization_password"].contains(&key.as_str()),
            "{file}: unknown account key {key}"
        );
    }
    let account = Account {
        name: string(account, "name", &file)
            .expect("account.name")
            .to_owned(),
        password: string(account, "password", &file)
            .expect("account.password")
            .to_owned(),
        authorization_password: string(account, "authorization_password", &file).map(str::to_owned),
    };

    let steps = doc
        .get("step")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{file}: no [[step]]"));
    let mut sim = Sim {
        file: file.clone(),
        driver: &driver,
        account: &account,
        entries: Vec::new(),
        at: 0,
        buf: Vec::new(),
        pagers: Vec::new(),
        prompt: None,
        step: 0,
    };
    let mut actions = BTreeSet::new();
    let mut pagers_seen = 0;
    let mut errors_seen = 0;
    let mut level_changes = 0;
    for (i, step) in steps.iter().enumerate() {
        sim.step = i;
        let step = step
            .as_table()
            .unwrap_or_else(|| panic!("{file} step {i}: not a table"));
        for key in step.keys() {
            assert!(
                STEP_KEYS.contains(&key.as_str()),
                "{file} step {i}: unknown key {key}"
            );
        }
        let action =
            string(step, "action", &file).unwrap_or_else(|| panic!("{file} step {i}: no action"));
        assert!(
            ACTIONS.contains(&action),
            "{file} step {i}: unknown action {action}"
        );
        actions.insert(action.to_owned());
        let script = step
            .get("script")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{file} step {i}: no script"));
        sim.entries = script
            .iter()
            .map(|entry| {
                let entry = entry
                    .as_table()
                    .unwrap_or_else(|| panic!("{file} step {i}: script entries are tables"));
                assert_eq!(entry.len(), 1, "{file} step {i}: one of device/client per entry");
                match (entry.get("device"), entry.get("client")) {
                    (Some(Value::String(s)), None) => Entry::Device(s.clone()),
                    (None, Some(Value::String(s))) => Entry::Client(s.clone()),
                    _ => panic!("{file} step {i}: entry {entry:?} is not {{ device = \"…\" }} or {{ client = \"…\" }}"),
                }
            })
            .collect();
        sim.at = 0;
        sim.buf.clear();

        match action {
            "login" | "authenticate" => sim.login(action == "login"),
            "execute" => {
                let command = string(step, "command", &file)
                    .unwrap_or_else(|| panic!("{file} step {i}: no command"));
                let reply = sim.run_command(command);
                pagers_seen += sim.pagers.len();
                let found = transport_error(&driver, &reply.text);
                match string(step, "error", &file) {
                    Some(error) => {
                        errors_seen += 1;
                        assert_eq!(
                            found.as_deref(),
                            Some(error),
                            "{file} step {i}: error line in {:?}",
                            reply.text
                        );
                        assert_eq!(
                            driver.find_error(&reply.text),
                            Some(error),
                            "{file} step {i}: find_error"
                        );
                    }
                    None => assert_eq!(
                        found, None,
                        "{file} step {i}: unexpected error in {:?}",
                        reply.text
                    ),
                }
                for want in strings(step, "output_contains", &file).unwrap_or_default() {
                    assert!(
                        reply.text.contains(&want),
                        "{file} step {i}: {want:?} not in {:?}",
                        reply.text
                    );
                }
                if let Some(output) = string(step, "output", &file) {
                    assert_eq!(reply.text, output, "{file} step {i}: output");
                }
            }
            "autoinit" => {
                for init in &driver.init_commands {
                    for alternative in &init.alternatives {
                        let reply = sim.run_command(alternative);
                        if transport_error(&driver, &reply.text).is_none() {
                            break;
                        }
                    }
                }
            }
            "acquire_priv" => {
                let level = string(step, "level", &file)
                    .unwrap_or_else(|| panic!("{file} step {i}: no level"));
                let from = sim.level_of();
                sim.walk(&from, level);
                assert_eq!(sim.level_of(), level, "{file} step {i}");
                level_changes += 1;
            }
            "send_config" => {
                let lines = strings(step, "lines", &file)
                    .unwrap_or_else(|| panic!("{file} step {i}: no lines"));
                let config = driver.config_privilege.clone().unwrap_or_else(|| {
                    panic!("{file} step {i}: the driver has no configuration level")
                });
                let start = sim.level_of();
                sim.walk(&start, &config);
                for line in &lines {
                    let reply = sim.run_command(line);
                    sim.no_error(&reply);
                }
                if let Some(commit) = driver.config_commit.clone() {
                    let reply = sim.run_command(&commit);
                    sim.no_error(&reply);
                }
                sim.walk(&config, &start);
                level_changes += 1;
            }
            "logout" => {
                for command in &driver.logout {
                    let line = sim.line(command);
                    sim.expect_client(&line, "the logout command");
                }
                sim.next_client();
            }
            _ => unreachable!(),
        }
        if let Some(extra) = sim.entries.get(sim.at) {
            sim.fail(&format!("script entries left over: {extra:?}"));
        }
        if let Some(prompt) = string(step, "prompt", &file) {
            assert_eq!(
                sim.prompt.as_deref(),
                Some(prompt),
                "{file} step {i}: the Session's prompt"
            );
            // The Session keeps the prompt trimmed; a bare `$` is a
            // prompt when the blank after it is there.
            assert!(
                driver.find_prompt(prompt.as_bytes(), 0).is_some()
                    || driver
                        .find_prompt(format!("{prompt} ").as_bytes(), 0)
                        .is_some(),
                "{file} step {i}: {prompt:?} is no prompt of the driver"
            );
            if !driver.privilege_levels.is_empty() {
                assert!(
                    driver.current_privilege(prompt).is_some(),
                    "{file} step {i}: {prompt:?} belongs to no level"
                );
            }
            if action == "acquire_priv" {
                let level = string(step, "level", &file).unwrap_or_default();
                assert_eq!(
                    driver.current_privilege(prompt).map(|l| l.name.as_str()),
                    Some(level)
                );
            }
        }
    }
    assert!(
        actions.contains("login") || actions.contains("authenticate"),
        "{file}: no login"
    );
    assert!(actions.contains("execute"), "{file}: no command");
    assert!(errors_seen > 0, "{file}: no command with an error");
    assert!(pagers_seen > 0, "{file}: no paging");
    if !driver.privilege_levels.is_empty() {
        assert!(level_changes > 0, "{file}: no privilege change");
    }
    name.to_owned()
}

#[test]
fn every_fixture_replays_with_its_driver() {
    let mut covered = BTreeSet::new();
    for path in fixture_files() {
        covered.insert(check_fixture(&path));
    }
    let missing: Vec<String> = builtin()
        .names()
        .into_iter()
        .filter(|n| !covered.contains(n))
        .collect();
    assert!(missing.is_empty(), "drivers without a fixture: {missing:?}");
}

#[test]
fn terminal_sequences_are_removed_like_the_session_does() {
    assert_eq!(strip_terminal("a\u{1b}[0mb\u{1b}[1;32mc"), b"abc");
    assert_eq!(strip_terminal("\u{1b}]0;title\u{7}x"), b"x");
    assert_eq!(strip_terminal("\u{1b}7x\u{1b}(By\u{0}"), b"xy");
}

#[test]
fn clean_text_drops_echo_pagers_and_edges() {
    let raw = "show x\r\nline 1\r\n --More-- \r\nline 2\r\n";
    assert_eq!(
        clean_text(raw, "show x", &[" --More-- ".into()]),
        "line 1\nline 2"
    );
    assert_eq!(clean_text("sh ver\r\nout\r\n", "sh ver", &[]), "out");
    assert_eq!(clean_text("abc\rxy\r\n", "", &[]), "xyc");
}
