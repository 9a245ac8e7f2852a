//! Checks the format and coverage of the transcript fixtures in
//! `fixtures/`: one recorded-style conversation per built-in driver.
//!
//! Behaviour is not tested here: `tests/replay.rs` at the repository root
//! runs every fixture through a real Session against a scripted device
//! (and checks that the drivers' prompt search finds the prompts where the
//! Session does). This file only checks what can be told from a fixture's
//! text and its driver's data: the keys and actions are known and typed,
//! every built-in driver has a fixture, each fixture covers a login, an
//! error, a pager prompt and a privilege change, commands are sent with
//! the driver's newline, error lines are lines the device sends, step
//! prompts end the device's text, and levels are the driver's.

// A test harness: its helpers report a broken fixture by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use oxscript_drivers::{Driver, builtin};
use regex::Regex;
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

/// Device text with the terminal sequences a device wraps around its
/// prompts (colours, cursor moves, titles) removed, so that the driver's
/// end-anchored patterns can be tried on it.
fn without_terminal_sequences(text: &str) -> String {
    let sequences =
        Regex::new(r"\x1b(?:\[[0-9;?]*[@-~]|\][^\x07]*\x07|[()#].|[^\[\]()#])|[\x00\x07\x0e\x0f]")
            .unwrap();
    sequences.replace_all(text, "").into_owned()
}

#[test]
fn terminal_sequences_are_removed() {
    assert_eq!(
        without_terminal_sequences("a\u{1b}[0mb\u{1b}[1;32mc\u{1b}[?25h"),
        "abc"
    );
    assert_eq!(without_terminal_sequences("\u{1b}]0;title\u{7}x"), "x");
    assert_eq!(without_terminal_sequences("\u{1b}7x\u{1b}(By\u{0}"), "xy");
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

fn script(step: &Table, at: &str) -> Vec<Entry> {
    let script = step
        .get("script")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{at}: no script"));
    assert!(!script.is_empty(), "{at}: empty script");
    script
        .iter()
        .map(|entry| {
            let entry = entry
                .as_table()
                .unwrap_or_else(|| panic!("{at}: script entries are tables"));
            assert_eq!(entry.len(), 1, "{at}: one of device/client per entry");
            match (entry.get("device"), entry.get("client")) {
                (Some(Value::String(s)), None) => Entry::Device(s.clone()),
                (None, Some(Value::String(s))) => Entry::Client(s.clone()),
                _ => panic!(
                    "{at}: entry {entry:?} is not {{ device = \"…\" }} or {{ client = \"…\" }}"
                ),
            }
        })
        .collect()
}

/// Checks the shape of an `execute` step: the client sends the command
/// line (with the driver's newline) first, and everything it sends after
/// that answers a pager prompt, so it follows device text. Returns how
/// many pager answers there are.
fn check_command(driver: &Driver, entries: &[Entry], command: &str, at: &str) -> usize {
    let line = format!("{command}{}", driver.newline);
    match entries.first() {
        Some(Entry::Client(first)) => {
            assert_eq!(first, &line, "{at}: the client sends the command first")
        }
        other => panic!("{at}: the script starts with {other:?}, not the command"),
    }
    let mut answers = 0;
    for pair in entries.windows(2).skip(1) {
        if let [before, Entry::Client(reply)] = pair {
            assert!(
                matches!(before, Entry::Device(_)),
                "{at}: the client sends {reply:?} without the device asking"
            );
            assert!(
                driver.pager.iter().any(|answer| &answer.reply == reply),
                "{at}: {reply:?} is no pager answer of the driver"
            );
            answers += 1;
        }
    }
    answers
}

/// The device text of a step, terminal sequences removed.
fn device_text(entries: &[Entry]) -> String {
    let text: String = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Device(text) => Some(text.as_str()),
            Entry::Client(_) => None,
        })
        .collect();
    without_terminal_sequences(&text)
}

/// Checks a step's `prompt`: it is trimmed, and it ends the device text
/// of the step (when the device speaks last). Whether the Session
/// takes it for the prompt, at the right privilege level, is for the
/// replay to tell.
fn check_prompt(step: &Table, entries: &[Entry], at: &str) {
    let Some(prompt) = string(step, "prompt", at) else {
        return;
    };
    assert!(!prompt.is_empty(), "{at}: empty prompt");
    assert_eq!(prompt, prompt.trim(), "{at}: the prompt is kept trimmed");
    if let Some(Entry::Device(_)) = entries.last() {
        let text = device_text(entries);
        assert!(
            text.trim_end().ends_with(prompt),
            "{at}: the device text does not end with {prompt:?}: {text:?}"
        );
    }
}

/// Checks the fixture `file` holding `text`; returns its driver's name.
fn check_fixture(file: &str, text: &str) -> String {
    let file = file.to_owned();
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
    for key in ["name", "password"] {
        assert!(
            string(account, key, &file).is_some(),
            "{file}: no account.{key}"
        );
    }
    // Optional, but a string when given.
    string(account, "authorization_password", &file);

    let steps = doc
        .get("step")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{file}: no [[step]]"));
    let mut actions = BTreeSet::new();
    let mut pagers = 0;
    let mut errors = 0;
    let mut level_changes = 0;
    for (i, step) in steps.iter().enumerate() {
        let at = format!("{file} step {}", i + 1);
        let step = step
            .as_table()
            .unwrap_or_else(|| panic!("{at}: not a table"));
        for key in step.keys() {
            assert!(STEP_KEYS.contains(&key.as_str()), "{at}: unknown key {key}");
        }
        let action = string(step, "action", &file).unwrap_or_else(|| panic!("{at}: no action"));
        assert!(ACTIONS.contains(&action), "{at}: unknown action {action}");
        if action == "logout" {
            assert_eq!(i + 1, steps.len(), "{at}: logout is the last step");
        }
        actions.insert(action.to_owned());
        let entries = script(step, &at);

        match action {
            "execute" => {
                let command =
                    string(step, "command", &file).unwrap_or_else(|| panic!("{at}: no command"));
                pagers += check_command(&driver, &entries, command, &at);
                // Checked by the replay; here only their types.
                strings(step, "output_contains", &file);
                string(step, "output", &file);
                if let Some(error) = string(step, "error", &file) {
                    errors += 1;
                    assert!(
                        device_text(&entries).lines().any(|l| l.trim() == error),
                        "{at}: the device sends no line {error:?}"
                    );
                    assert!(
                        step.get("output").is_none() && step.get("output_contains").is_none(),
                        "{at}: a failed command has no output to check"
                    );
                }
            }
            "acquire_priv" => {
                let level =
                    string(step, "level", &file).unwrap_or_else(|| panic!("{at}: no level"));
                assert!(
                    driver.privilege_level(level).is_some(),
                    "{at}: the driver has no level {level}"
                );
                level_changes += 1;
            }
            "send_config" => {
                let lines =
                    strings(step, "lines", &file).unwrap_or_else(|| panic!("{at}: no lines"));
                assert!(!lines.is_empty(), "{at}: no lines");
                assert!(
                    driver.config_privilege.is_some(),
                    "{at}: the driver has no configuration level"
                );
                level_changes += 1;
            }
            _ => {}
        }
        if action != "execute" {
            for key in ["command", "output", "output_contains", "error"] {
                assert!(step.get(key).is_none(), "{at}: `{key}` is for execute");
            }
        }
        if action != "acquire_priv" {
            assert!(
                step.get("level").is_none(),
                "{at}: `level` is for acquire_priv"
            );
        }
        if action != "send_config" {
            assert!(
                step.get("lines").is_none(),
                "{at}: `lines` is for send_config"
            );
        }
        check_prompt(step, &entries, &at);
    }
    assert!(
        actions.contains("login") || actions.contains("authenticate"),
        "{file}: no login"
    );
    assert!(actions.contains("execute"), "{file}: no command");
    assert!(errors > 0, "{file}: no command with an error");
    assert!(pagers > 0, "{file}: no paging");
    if !driver.privilege_levels.is_empty() {
        assert!(level_changes > 0, "{file}: no privilege change");
    }
    name.to_owned()
}

#[test]
fn every_builtin_driver_has_a_well_formed_fixture() {
    let mut covered = BTreeSet::new();
    for path in fixture_files() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        covered.insert(check_fixture(&file, &text));
    }
    let missing: Vec<String> = builtin()
        .names()
        .into_iter()
        .filter(|n| !covered.contains(n))
        .collect();
    assert!(missing.is_empty(), "drivers without a fixture: {missing:?}");
    assert_eq!(covered.len(), builtin().len());
}

#[test]
fn broken_fixtures_are_caught() {
    let text = std::fs::read_to_string(fixture_dir().join("ios.toml")).unwrap();
    let error = r#"error = "% Invalid input detected at '^' marker.""#;
    for (what, from, to) in [
        ("a misspelt key", "\nprompt = ", "\npromt = "),
        (
            "an unknown action",
            r#"action = "autoinit""#,
            r#"action = "init""#,
        ),
        (
            "an answer that is no pager answer",
            r#"{ client = " " }"#,
            r#"{ client = "x" }"#,
        ),
        (
            "a command that is not sent",
            r#"{ client = "show version\r" }"#,
            r#"{ client = "show ver\r" }"#,
        ),
        (
            "an error line the device does not send",
            error,
            r#"error = "Invalid input""#,
        ),
        (
            "a partial error line",
            error,
            r#"error = "% Invalid input detected""#,
        ),
        ("no error step", error, ""),
        (
            "a prompt of another step",
            r#"prompt = "sw-access-01(config)#""#,
            r#"prompt = "sw-access-01#""#,
        ),
        (
            "a prompt the device text does not end with",
            r#"prompt = "sw-access-01(config)#""#,
            r#"prompt = "sw-access-01(config)""#,
        ),
        (
            "an unknown level",
            r#"level = "configuration""#,
            r#"level = "config""#,
        ),
        (
            "an alias for the driver",
            r#"driver = "ios""#,
            r#"driver = "cisco_ios""#,
        ),
    ] {
        assert!(text.contains(from), "{what}: {from:?} is not in ios.toml");
        let broken = text.replacen(from, to, 1);
        let result = std::panic::catch_unwind(|| check_fixture("ios.toml", &broken));
        assert!(result.is_err(), "{what} went unnoticed");
    }
    assert_eq!(check_fixture("ios.toml", &text), "ios");
}
