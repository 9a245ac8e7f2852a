//! Tests of the TOML driver format.

use super::*;

fn load(text: &str) -> Result<Driver, Error> {
    Driver::from_toml(text, "acme.toml")
}

fn error_of(text: &str) -> (String, String, Option<usize>) {
    match load(text).unwrap_err() {
        Error::DriverFile {
            file,
            key,
            reason,
            line,
        } => {
            assert_eq!(file, "acme.toml");
            (key, reason, line)
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn minimal_file_starts_from_generic() {
    let d = load("name = \"acme\"\n").unwrap();
    let generic = Driver::generic();
    assert_eq!(d.name, "acme");
    assert!(d.aliases.is_empty());
    assert_eq!(d.description, "");
    assert_eq!(d.prompt, generic.prompt);
    assert_eq!(d.error, generic.error);
    assert_eq!(d.pager, generic.pager);
    assert_eq!(d.newline, "\r");
    assert_eq!(d.logout, ["exit"]);
    assert!(d.privilege_levels.is_empty());
}

#[test]
fn every_key_is_read() {
    let text = r#"
name = "acme"
description = "ACME"
aliases = ["a1", "a2"]
prompt = ['p1[ \t]*$', 'p2[ \t]*$']
username_prompt = ['u:[ \t]*$']
password_prompt = ['w:[ \t]*$']
login_error = ['(?m)^denied']
error = ['(?m)^ERR']
newline = "\r\n"
logout = ["quit", "y"]
init_commands = ["a", ["b", "c"]]
common_pager = true
default_privilege = "two"
config_privilege = "three"
config_commit = "save"
save_config = "write"
commit_confirmed = "save confirm {minutes}"

[[save_answers]]
pattern = 'sure\?[ \t]*$'
reply = "y\r"

[authorize]
command = "su"
when_prompt = '\$[ \t]*$'

[[login_answers]]
pattern = 'ok\?[ \t]*$'
reply = "y\r"

[[pager]]
pattern = 'MORE[ \t]*$'
reply = "m"

[[os_guess]]
stage = "head"
pattern = "ACME"
confidence = 0x32

[[privilege_levels]]
name = "one"
prompt = '>[ \t]*$'

[[privilege_levels]]
name = "two"
prompt = '#[ \t]*$'
previous = "one"
escalate = "up"
escalate_auth = true
escalate_prompt = 'pw:[ \t]*$'
deescalate = "down"

[[privilege_levels]]
name = "three"
prompt = '\)#[ \t]*$'
previous = "two"
escalate = "conf"
deescalate = "end"
"#;
    let d = load(text).unwrap();
    assert_eq!(d.description, "ACME");
    assert_eq!(d.aliases, ["a1", "a2"]);
    assert_eq!(d.prompt.len(), 2);
    assert_eq!(d.username_prompt[0].as_str(), r"u:[ \t]*$");
    assert_eq!(d.password_prompt[0].as_str(), r"w:[ \t]*$");
    assert_eq!(d.login_error[0].as_str(), "(?m)^denied");
    assert_eq!(d.error[0].as_str(), "(?m)^ERR");
    assert_eq!(d.newline, "\r\n");
    assert_eq!(d.logout, ["quit", "y"]);
    assert_eq!(
        d.init_commands,
        [
            InitCommand::new("a"),
            InitCommand::with_alternatives(["b", "c"])
        ]
    );
    let auth = d.authorize.as_ref().unwrap();
    assert_eq!(auth.command, "su");
    assert!(d.wants_authorize("x$"));
    assert_eq!(d.login_answers[0].reply, "y\r");
    assert_eq!(d.pager[0].reply, "m");
    assert_eq!(d.pager.len(), 1 + common_pager().len());
    assert_eq!(
        d.os_guess,
        [GuessRule {
            stage: GuessStage::Head,
            pattern: Pattern::new("ACME").unwrap(),
            confidence: 50
        }]
    );
    assert_eq!(d.privilege_levels.len(), 3);
    let two = d.privilege_level("two").unwrap();
    assert!(two.escalate_auth);
    assert_eq!(
        two.escalate_prompt.as_ref().unwrap().as_str(),
        r"pw:[ \t]*$"
    );
    assert_eq!(two.deescalate.as_deref(), Some("down"));
    assert_eq!(d.default_privilege.as_deref(), Some("two"));
    assert_eq!(d.config_privilege.as_deref(), Some("three"));
    assert_eq!(d.config_commit.as_deref(), Some("save"));
    assert_eq!(d.save_config.as_deref(), Some("write"));
    assert_eq!(
        d.commit_confirmed.as_deref(),
        Some("save confirm {minutes}")
    );
    assert_eq!(d.save_answers.len(), 1);
    assert_eq!(d.save_answers[0].reply, "y\r");
    assert_eq!(d.privilege_path("one", "three").unwrap().len(), 2);
}

#[test]
fn inherit_starts_from_the_parent_without_its_names_and_guesses() {
    let d = load("name = \"lab\"\ninherit = \"Cisco_IOS\"\n").unwrap();
    let ios = Driver::ios();
    assert_eq!(d.name, "lab");
    assert!(d.aliases.is_empty());
    assert!(d.os_guess.is_empty());
    assert_eq!(d.description, ios.description);
    assert_eq!(d.prompt, ios.prompt);
    assert_eq!(d.init_commands, ios.init_commands);
    assert_eq!(d.authorize, ios.authorize);
    assert_eq!(d.privilege_levels, ios.privilege_levels);
    assert_eq!(d.default_privilege, ios.default_privilege);

    // Keys given replace the inherited values; "" and false remove them.
    let d = load(
        "name = 'lab'\ninherit = 'junos'\nconfig_commit = ''\ncommit_confirmed = ''\nauthorize = false\nlogin_answers = []\n",
    )
    .unwrap();
    assert_eq!(d.config_commit, None);
    assert_eq!(d.commit_confirmed, None);
    assert_eq!(d.authorize, None);
    let d = load("name = 'lab'\ninherit = 'ios'\nauthorize = false\n").unwrap();
    assert!(!d.supports_authorize());
}

#[test]
fn the_vrp8_variant_of_the_guide_loads() {
    let text = "name = \"vrp8\"\ninherit = \"vrp\"\ndescription = \"Huawei VRP 8 (two-stage commit)\"\nconfig_commit = \"commit\"\n";
    let d = load(text).unwrap();
    let vrp = Driver::builtin("huawei").unwrap();
    assert_eq!(d.config_commit.as_deref(), Some("commit"));
    assert_eq!(d.privilege_levels, vrp.privilege_levels);
    assert_eq!(d.config_privilege.as_deref(), Some("system_view"));
}

#[test]
fn pager_keeps_the_common_answers_unless_told() {
    let own = "name = 'a'\n[[pager]]\npattern = 'X[ \\t]*$'\nreply = 'x'\n";
    let d = load(own).unwrap();
    assert_eq!(d.pager.len(), common_pager().len() + 1);
    assert_eq!(d.pager[0].reply, "x");
    let d = load(&format!("common_pager = false\n{own}")).unwrap();
    assert_eq!(d.pager.len(), 1);
    let d = load("name = 'a'\ninherit = 'vxworks'\ncommon_pager = false\n").unwrap();
    let vx = Driver::builtin("vxworks").unwrap();
    assert_eq!(d.pager.len(), vx.pager.len() - common_pager().len());
    assert!(d.find_pager(b"\r\n --More-- ", 0).is_none());
}

#[test]
fn registry_inherits_from_drivers_loaded_before() {
    let mut r = Registry::builtin();
    assert_eq!(
        r.load_str("name = 'base'\nnewline = '\\n'\n", "base.toml")
            .unwrap(),
        "base"
    );
    r.load_str("name = 'child'\ninherit = 'base'\n", "child.toml")
        .unwrap();
    assert_eq!(r.require("child").unwrap().newline, "\\n");
    // from_toml only knows built-ins.
    let err = Driver::from_toml("name = 'c'\ninherit = 'base'\n", "c.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.toml: inherit: unknown driver \"base\" (line 2)"
    );
}

#[test]
fn errors_name_the_key_path_and_the_line() {
    let cases: &[(&str, &str, &str, usize)] = &[
        ("name = 'a'\npromt = []\n", "", "unknown key \"promt\"", 2),
        (
            "name = 'a'\nprompt = ['(']\n",
            "prompt[0]",
            "invalid regex:",
            2,
        ),
        (
            "name = 'a'\nprompt = 'x'\n",
            "prompt",
            "expected an array",
            2,
        ),
        (
            "name = 'a'\nprompt = ['a', 3]\n",
            "prompt[1]",
            "expected a string",
            2,
        ),
        (
            "name = 'a'\nnewline = 1\n",
            "newline",
            "expected a string",
            2,
        ),
        (
            "name = 'a'\ninherit = 'x'\n",
            "inherit",
            "unknown driver \"x\"",
            2,
        ),
        ("description = 'no name'\n", "name", "is required", 1),
        ("name = ''\n", "name", "must not be empty", 1),
        (
            "name = 'a'\ncommon_pager = 'yes'\n",
            "common_pager",
            "expected a boolean",
            2,
        ),
        (
            "name = 'a'\ninit_commands = [[]]\n",
            "init_commands[0]",
            "must list at least one command",
            2,
        ),
        (
            "name = 'a'\ninit_commands = [1]\n",
            "init_commands[0]",
            "expected a string or an array of strings",
            2,
        ),
        (
            "name = 'a'\ninit_commands = [['x', 2]]\n",
            "init_commands[0][1]",
            "expected a string",
            2,
        ),
        (
            "name = 'a'\nauthorize = 'enable'\n",
            "authorize",
            "expected a table (or false to remove it)",
            2,
        ),
        (
            "name = 'a'\n[authorize]\nwhen_prompt = '>'\n",
            "authorize.command",
            "is required",
            2,
        ),
        (
            "name = 'a'\n[authorize]\ncommand = 'x'\nwhen = 1\n",
            "authorize",
            "unknown key \"when\"",
            4,
        ),
        (
            "name = 'a'\n[authorize]\ncommand = 'x'\nwhen_prompt = '['\n",
            "authorize.when_prompt",
            "invalid regex:",
            4,
        ),
        (
            "name = 'a'\n[[pager]]\nreply = ' '\n",
            "pager[0].pattern",
            "is required",
            2,
        ),
        (
            "name = 'a'\n[[pager]]\npattern = 'x'\n",
            "pager[0].reply",
            "is required",
            2,
        ),
        (
            "name = 'a'\npager = [1]\n",
            "pager[0]",
            "expected a table",
            2,
        ),
        (
            "name = 'a'\n[[login_answers]]\npattern = 'x'\nreply = 'y'\nextra = 1\n",
            "login_answers[0]",
            "unknown key \"extra\"",
            5,
        ),
        (
            "name = 'a'\n[[os_guess]]\nstage = 'head'\npattern = 'x'\nconfidence = 5\n[[os_guess]]\nstage = 'head'\npattern = 'y'\nconfidence = 101\n",
            "os_guess[1].confidence",
            "must be 0-100",
            9,
        ),
        (
            "name = 'a'\n[[os_guess]]\nstage = 'head'\npattern = 'x'\nconfidence = -1\n",
            "os_guess[0].confidence",
            "must be 0-100",
            5,
        ),
        (
            "name = 'a'\n[[os_guess]]\nstage = 'head'\npattern = 'x'\nconfidence = 'high'\n",
            "os_guess[0].confidence",
            "expected an integer (0-100)",
            5,
        ),
        (
            "name = 'a'\n[[os_guess]]\nstage = 'head'\npattern = 'x'\n",
            "os_guess[0].confidence",
            "is required",
            2,
        ),
        (
            "name = 'a'\n[[os_guess]]\nstage = 'banner'\npattern = 'x'\nconfidence = 1\n",
            "os_guess[0].stage",
            "must be \"protocol\", \"head\" or \"response\"",
            3,
        ),
        (
            "name = 'a'\n[[os_guess]]\nstage = 'head'\npattern = ')'\nconfidence = 1\n",
            "os_guess[0].pattern",
            "invalid regex:",
            4,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nprompt = 'x'\n",
            "privilege_levels[0].name",
            "is required",
            2,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nname = 'x'\n",
            "privilege_levels[0].prompt",
            "is required",
            2,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nname = 'x'\nprompt = 'x'\nescalate_auth = 'yes'\n",
            "privilege_levels[0].escalate_auth",
            "expected a boolean",
            5,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nname = 'x'\nprompt = 'x'\npromt = 'y'\n",
            "privilege_levels[0]",
            "unknown key \"promt\"",
            5,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nname = 'x'\nprompt = 'x'\n[[privilege_levels]]\nname = 'y'\nprompt = 'y'\nprevious = 'x'\nescalate = 'go'\n[[privilege_levels]]\nname = 'z'\nprompt = 'z'\nprevious = 'foo'\nescalate = 'go'\n",
            "privilege_levels[2].previous",
            "unknown level \"foo\"",
            13,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nname = 'x'\nprompt = 'x'\n[[privilege_levels]]\nname = 'y'\nprompt = 'y'\nprevious = 'x'\n",
            "privilege_levels[1].escalate",
            "required when `previous` is set",
            5,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nname = 'x'\nprompt = 'x'\n[[privilege_levels]]\nname = 'x'\nprompt = 'y'\n",
            "privilege_levels[1].name",
            "duplicate level \"x\"",
            6,
        ),
        (
            "name = 'a'\n[[privilege_levels]]\nname = 'x'\nprompt = 'x'\nprevious = 'y'\nescalate = 'e'\n[[privilege_levels]]\nname = 'y'\nprompt = 'y'\nprevious = 'x'\nescalate = 'e'\n",
            "privilege_levels[0].previous",
            "the levels form a cycle",
            5,
        ),
        (
            "name = 'a'\ndefault_privilege = 'exec'\n",
            "default_privilege",
            "unknown level \"exec\"",
            2,
        ),
        (
            "name = 'a'\ninherit = 'ios'\nconfig_privilege = 'cfg'\n",
            "config_privilege",
            "unknown level \"cfg\"",
            3,
        ),
    ];
    for (text, key, reason, line) in cases {
        let (k, r, l) = error_of(text);
        assert_eq!(&k, key, "{text}");
        assert!(r.starts_with(reason), "{text}: {r}");
        assert_eq!(l, Some(*line), "{text}: {r}");
    }
}

#[test]
fn syntax_errors_are_reported_with_their_line() {
    let (key, reason, line) = error_of("name = 'a'\nprompt = [\n");
    assert_eq!(key, "");
    assert!(reason.starts_with("invalid TOML:"), "{reason}");
    assert!(line.is_some());
    let err = load("name = 'a'\n= 1\n").unwrap_err().to_string();
    assert!(err.starts_with("acme.toml: invalid TOML: "), "{err}");
}

#[test]
fn messages_read_like_the_documentation() {
    let err = load("name = 'a'\nprompt = ['(']\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("acme.toml: prompt[0]: invalid regex: "),
        "{err}"
    );
    assert!(err.ends_with("(line 2)"), "{err}");
}

#[test]
fn load_file_and_dir() {
    let dir = std::env::temp_dir().join(format!("oxscript-drivers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // `a_child` sorts before its parent `b_base`: it is retried.
    std::fs::write(
        dir.join("a_child.toml"),
        "name = 'child'\ninherit = 'base'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b_base.toml"),
        "name = 'base'\ninherit = 'ios'\nlogout = ['logout']\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a driver").unwrap();
    let mut r = Registry::builtin();
    let names = r.load_dir(&dir).unwrap();
    assert_eq!(names, ["base", "child"]);
    assert_eq!(r.require("child").unwrap().logout, ["logout"]);

    std::fs::write(
        dir.join("c_orphan.toml"),
        "name = 'orphan'\ninherit = 'nobody'\n",
    )
    .unwrap();
    let err = Registry::builtin().load_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("c_orphan.toml: inherit: unknown driver \"nobody\""),
        "{err}"
    );

    std::fs::write(dir.join("c_orphan.toml"), "name = 'orphan'\nprompt = 1\n").unwrap();
    let err = Registry::builtin().load_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("c_orphan.toml: prompt: expected an array"),
        "{err}"
    );

    let missing = dir.join("missing.toml");
    match Registry::new().load_file(&missing).unwrap_err() {
        Error::Io { path, .. } => assert!(path.ends_with("missing.toml")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        Registry::new().load_dir(dir.join("nope")),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn load_dir_retries_unknown_parents_only() {
    let dir = std::env::temp_dir().join(format!("oxscript-drivers-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A chain in reverse file order: each pass loads one more.
    std::fs::write(
        dir.join("a.toml"),
        "name = 'grandchild'\ninherit = 'child'\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.toml"), "name = 'child'\ninherit = 'base'\n").unwrap();
    std::fs::write(
        dir.join("c.toml"),
        "name = 'base'\ninherit = 'ios'\nlogout = ['quit']\n",
    )
    .unwrap();
    let mut r = Registry::builtin();
    assert_eq!(r.load_dir(&dir).unwrap(), ["base", "child", "grandchild"]);
    assert_eq!(r.require("grandchild").unwrap().logout, ["quit"]);

    // A wrongly typed `inherit` is an invalid file, not a missing parent:
    // it is reported at once, before the files after it are loaded.
    std::fs::write(dir.join("a.toml"), "name = 'grandchild'\ninherit = 3\n").unwrap();
    let mut r = Registry::builtin();
    match r.load_dir(&dir).unwrap_err() {
        Error::DriverFile {
            file,
            key,
            reason,
            line,
        } => {
            assert!(file.ends_with("a.toml"), "{file}");
            assert_eq!(
                (key.as_str(), reason.as_str(), line),
                ("inherit", "expected a string", Some(2))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(r.get("base").is_none(), "stopped at the invalid file");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_example_file_loads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/acme.toml");
    let mut r = Registry::builtin();
    assert_eq!(r.load_file(path).unwrap(), "acme");
    let acme = r.require("acme_os").unwrap();
    assert!(acme.find_prompt(b"\r\nacme-edge1> ", 0).is_some());
    assert_eq!(
        acme.current_privilege("acme-edge1(cfg-if)#")
            .map(|l| l.name.as_str()),
        Some("config")
    );
    assert_eq!(acme.default_privilege.as_deref(), Some("admin"));
    let mut guesser = crate::OsGuesser::from_registry(&r);
    guesser.data_received(b"\r\nWelcome to ACME EdgeOS 4.2\r\nlogin: ", false);
    assert_eq!(guesser.best_driver(), "acme");
}
