//! Nokia (formerly Alcatel-Lucent): SR OS (classic CLI, with the MD-CLI
//! prompts recognised), SR Linux and the ISAM access nodes.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{ConfigLevels, config_base, init, rules, strings};

/// A classic SR OS prompt: `A:sr1#`, `*A:sr1>config>router#`,
/// `A:sr1>config>service>vprn$`.
const SROS_CLASSIC: &str = concat!(
    line_start!(),
    r"\*?[ABCD]:[\w.\-]+(?:>[\w.\-]+)*[#$]",
    prompt_end!()
);
/// An MD-CLI prompt with its context line: `[/]` or
/// `*(ex)[/configure router "Base"]`, then `A:admin@sr1#`.
const SROS_MD: &str = concat!(
    line_start!(),
    r#"(?:[*!]?[ \t]*(?:\((?:ex|gl|pr|ro)\))?\[[^\]\r\n]*\][ \t]*\r?\n)?"#,
    r"\*?[ABCD]:[\w.\-]+@[\w.\-]+#",
    prompt_end!()
);
const SROS_EXEC: &str = concat!(
    line_start!(),
    r"\*?[ABCD]:[\w.\-]+(?:>[\w.\-]+)*#",
    prompt_end!()
);
const SROS_CONFIG: &str = concat!(
    line_start!(),
    r"\*?[ABCD]:[\w.\-]+>config(?:>[\w.\-]+)*[#$]",
    prompt_end!()
);

/// Nokia SR OS (7750 SR, 7450 ESS, 7950 XRS; formerly Alcatel-Lucent
/// TiMOS). The privilege levels model the classic CLI: `exec`
/// (`A:sr1#`) -> `configuration` (`A:sr1>config…#`, entered with
/// `configure`, left with `exit all`). MD-CLI prompts (`[/]` then
/// `A:admin@sr1#`) are recognised as prompts but belong to no level.
/// `MINOR:`/`MAJOR:`/`Error:` lines, `Press any key to continue (Q to
/// quit)`, `environment no more` (or MD-CLI's `environment more false`),
/// logout with `logout`.
pub(super) fn sros() -> Driver {
    Driver {
        name: "sros".to_owned(),
        aliases: strings(&["nokia_sros", "alcatel_sros", "nokia_sros_classic"]),
        description: "Nokia SR OS (classic CLI; MD-CLI prompts recognised)".to_owned(),
        prompt: builtin_patterns(&[SROS_CLASSIC, SROS_MD]),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"login:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        // `MINOR: MGMT_CORE #2201: Unknown element - 'x'` (MD-CLI),
        // `Error: Bad command.` (classic), each at a line start: a log
        // entry (`1206 2026/12/07 … MINOR: SYSTEM #2006 …`) is output, and
        // so is a counter (`Error: 0`).
        error: builtin_patterns(&[
            r"(?m)^[ \t]*(?:MINOR|MAJOR|CRITICAL):[^\r\n]*",
            r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
            r"(?m)^[ \t]*Bad Command:[^\r\n]*",
        ]),
        init_commands: init(&[&["environment no more", "environment more false"]]),
        logout: strings(&["logout"]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                concat!(
                    line_start!(),
                    r"\*?[AB]:(?-u:[\w\x80-\xff.\-])+(?:>(?-u:[\w\x80-\xff.\-])+)*[#$][ \t]*$"
                ),
                95,
            ),
            (
                GuessStage::Head,
                concat!(
                    line_start!(),
                    r"\*?(?:\((?:ex|gl|pr|ro)\))?\[[^\]\r\n]*\][ \t]*\r?\n\*?[AB]:(?-u:[\w\x80-\xff.\-])+@(?-u:[\w\x80-\xff.\-])+#[ \t]*$"
                ),
                95,
            ),
            (GuessStage::Response, r"TiMOS-[A-Z]+-\d", 95),
        ]),
        // MD-CLI saves on commit; `admin save` is the classic CLI's.
        save_config: Some("admin save".to_owned()),
        ..config_base(ConfigLevels::new(
            SROS_EXEC,
            SROS_CONFIG,
            "configure",
            "exit all",
        ))
    }
}

/// The SR Linux context line: `--{ running }--[  ]--`.
macro_rules! srl_context {
    () => {
        r"--\{[^}\r\n]*\}--\[[^\]\r\n]*\]--[ \t]*\r?\n"
    };
}

/// The SR Linux prompt line: `A:srl1#` or `A:admin@srl1#`.
macro_rules! srl_host {
    () => {
        r"[ABCD]:[\w.\-@]+#"
    };
}

const SRL_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    r"(?:",
    srl_context!(),
    r")?",
    srl_host!(),
    prompt_end!()
)];
const SRL_RUNNING: &str = concat!(
    line_start!(),
    r"(?:--\{[^}\r\n]*running[^}\r\n]*\}--[^\r\n]*\r?\n)?",
    srl_host!(),
    prompt_end!()
);
const SRL_CANDIDATE: &str = concat!(
    line_start!(),
    r"--\{[^}\r\n]*candidate[^}\r\n]*\}--[^\r\n]*\r?\n",
    srl_host!(),
    prompt_end!()
);

/// Nokia SR Linux: the two-line prompt (`--{ running }--[  ]--` then
/// `A:srl1#`; the context line is part of the prompt match when it
/// arrives with it), `Error:` and `Parsing error:` lines, the basic CLI
/// engine without completion on space; levels `exec` (running) ->
/// `configuration` (candidate: `enter candidate private`, committed with
/// `commit stay`, left with `discard now`).
pub(super) fn nokia_srl() -> Driver {
    Driver {
        name: "nokia_srl".to_owned(),
        aliases: strings(&["srlinux", "nokia_srlinux"]),
        description: "Nokia SR Linux".to_owned(),
        prompt: builtin_patterns(SRL_PROMPTS),
        error: builtin_patterns(&[
            r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
            r"(?m)^[ \t]*Parsing error:[^\r\n]*",
        ]),
        init_commands: init(&[
            &["environment cli-engine type basic"],
            &["environment complete-on-space false"],
        ]),
        logout: strings(&["quit"]),
        os_guess: rules(&[
            (GuessStage::Head, r"--\{[^}\r\n]*\}--\[[^\]\r\n]*\]--", 98),
            (
                GuessStage::Response,
                r"Chassis Type\s*:\s*7[0-9]{3} IXR|SR Linux|SRLinux",
                95,
            ),
        ]),
        config_commit: Some("commit stay".to_owned()),
        ..config_base(ConfigLevels::new(
            SRL_RUNNING,
            SRL_CANDIDATE,
            "enter candidate private",
            "discard now",
        ))
    }
}

const ISAM_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    r"\*?(?:\w+:)?[\w.\-]+(?:>[\w.\-]+)*>?#",
    prompt_end!()
)];
const ISAM_EXEC: &str = concat!(line_start!(), r"\*?(?:\w+:)?[\w.\-]+>#", prompt_end!());
const ISAM_CONFIG: &str = concat!(
    line_start!(),
    r"\*?(?:\w+:)?[\w.\-]+>configure(?:>[\w.\-]+)*>?#",
    prompt_end!()
);

/// Nokia (Alcatel-Lucent) ISAM access nodes (7302, 7330, 7360):
/// `leg:isadmin>#` and `leg:isadmin>configure>system#`, `invalid token`
/// and `command is not complete` errors, `environment inhibit-alarms
/// mode batch`; levels `exec` -> `configuration` (`configure` / `exit
/// all`).
pub(super) fn isam() -> Driver {
    Driver {
        name: "isam".to_owned(),
        aliases: strings(&["nokia_isam", "alcatel_isam"]),
        description: "Nokia (Alcatel-Lucent) ISAM access nodes".to_owned(),
        prompt: builtin_patterns(ISAM_PROMPTS),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"login:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?im)^[ \t]*(?:invalid token|command is not complete)[^\r\n]*",
            r"(?im)^[ \t]*error ?:[ \t]*[^\d\s][^\r\n]*",
            r"(?m)^[ \t]*%Error[^\r\n]*",
        ]),
        init_commands: init(&[&["environment inhibit-alarms mode batch"]]),
        logout: strings(&["logout"]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                r"last login : \d{1,2}/\d{1,2}/\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}",
                90,
            ),
            (
                GuessStage::Head,
                concat!(line_start!(), r"(?:typ|leg):isadmin>"),
                85,
            ),
        ]),
        ..config_base(ConfigLevels::new(
            ISAM_EXEC,
            ISAM_CONFIG,
            "configure",
            "exit all",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn sros_expectations() {
        check(
            &sros(),
            &Expect {
                prompts: &[
                    "A:sr1# ",
                    "*A:sr1# ",
                    "B:sr1# ",
                    "A:sr1>config# ",
                    "*A:sr1>config>router>bgp# ",
                    "A:sr1>config>service>vprn$ ",
                    "[/]\r\nA:admin@sr1# ",
                    "*(ex)[/configure router \"Base\"]\r\nA:admin@sr1# ",
                    "A:admin@sr1# ",
                ],
                not_prompts: &[
                    "A:sr1# show",
                    "sr1#",
                    "Press any key to continue (Q to quit)",
                ],
                usernames: &["\r\n\r\nLogin: "],
                passwords: &["Password: "],
                errors: &[
                    (
                        "          ^\r\nError: Bad command.\r\n",
                        "Error: Bad command.",
                    ),
                    (
                        "MINOR: CLI Command not allowed for this user.\r\n",
                        "MINOR: CLI Command not allowed for this user.",
                    ),
                    (
                        "MAJOR: MGMT_CORE #2201: Unknown element\r\n",
                        "MAJOR: MGMT_CORE #2201: Unknown element",
                    ),
                    (
                        "                   ^^^^^^^^\r\nMINOR: MGMT_CORE #2201: Unknown element - 'interfce'\r\n",
                        "MINOR: MGMT_CORE #2201: Unknown element - 'interfce'",
                    ),
                    ("Error: Missing parameter\r\n", "Error: Missing parameter"),
                ],
                not_errors: &[
                    "TiMOS-B-20.10.R1 both/x86_64 Nokia 7750 SR Copyright (c) 2000-2020 Nokia.\r\n",
                    "1206 2026/12/07 09:14:00.10 UTC MINOR: SYSTEM #2006 Base CLI\r\n",
                    "Errors                                               0                      0\r\n",
                    "Error: 0\r\n",
                ],
                login_errors: &[("\r\nLogin incorrect\r\nLogin: ", "Login incorrect")],
                pagers: &[("Press any key to continue (Q to quit)", " ")],
                levels: &[
                    ("A:sr1#", "exec"),
                    ("*A:sr1#", "exec"),
                    ("A:sr1>config#", "configuration"),
                    ("A:sr1>config>router>bgp#", "configuration"),
                    ("*A:sr1>config>service>vprn$", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn nokia_srl_expectations() {
        check(
            &nokia_srl(),
            &Expect {
                prompts: &[
                    "--{ running }--[  ]--\r\nA:srl1# ",
                    "--{ + candidate private private-admin }--[ interface ethernet-1/1 ]--\r\nA:srl1# ",
                    "--{ running }--[  ]--\r\nA:admin@srl1# ",
                    "A:srl1# ",
                ],
                not_prompts: &["--{ running }--[  ]--", "A:srl1# show version"],
                errors: &[
                    (
                        "Error: Path '/interface[name=ethernet-1/99]' is not valid\r\n",
                        "Error: Path '/interface[name=ethernet-1/99]' is not valid",
                    ),
                    (
                        "Parsing error: Unknown token 'foo'. Options are ['acl', 'bfd']\r\n",
                        "Parsing error: Unknown token 'foo'. Options are ['acl', 'bfd']",
                    ),
                ],
                not_errors: &[
                    "Hostname : srl1\r\nSoftware Version : v23.10.1\r\n",
                    "| ethernet-1/3 | disable | down | 100G | | Error: n/a |\r\n",
                    "Error: 0\r\n",
                ],
                levels: &[
                    ("--{ running }--[  ]--\r\nA:srl1#", "exec"),
                    ("A:srl1#", "exec"),
                    (
                        "--{ * candidate private private-admin }--[  ]--\r\nA:srl1#",
                        "configuration",
                    ),
                ],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn isam_expectations() {
        check(
            &isam(),
            &Expect {
                prompts: &[
                    "leg:isadmin>#",
                    "typ:isadmin># ",
                    "leg:isadmin>configure#",
                    "leg:isadmin>configure>system#",
                    "isadmin>#",
                ],
                not_prompts: &["leg:isadmin># show", "login: "],
                usernames: &["\r\nlogin: "],
                passwords: &["\r\npassword: "],
                errors: &[
                    ("Error : invalid token\r\n", "Error : invalid token"),
                    ("invalid token\r\n", "invalid token"),
                    ("command is not complete\r\n", "command is not complete"),
                ],
                not_errors: &[
                    "isam-release : R6.2.04\r\n",
                    "error : 0\r\n",
                    "asam-core      : 61.345 (invalid token count: 0)\r\n",
                ],
                levels: &[
                    ("leg:isadmin>#", "exec"),
                    ("leg:isadmin>configure#", "configuration"),
                    ("leg:isadmin>configure>system#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
