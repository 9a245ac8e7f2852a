//! Juniper: JunOS and JUNOSe (the E-series, Exscript's `junos_erx`).

use crate::fragments::{line_start, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{
    EnableLevels, child_level, enable_base, enable_levels, init, root_level, rules, strings,
};

/// The optional line before a JunOS prompt: the routing engine
/// (`{master:0}`, `{primary:node0}`) and/or the configuration context
/// (`[edit]`, `[edit interfaces ge-0/0/0]`).
macro_rules! junos_context {
    () => {
        concat!(
            r"(?:(?:\{[\w:]+\}[ \t]*(?:\[edit[^\]\r\n]*\])?|\[edit[^\]\r\n]*\])",
            r"[ \t]*\r?\n)?"
        )
    };
}

/// `user@host`, where the host may carry a routing engine (`mx1:RE:0`).
macro_rules! junos_user_host {
    () => {
        r"[\w.\-]+@[\w.\-:]+"
    };
}

const JUNOS_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    junos_context!(),
    junos_user_host!(),
    r"[>#%]",
    prompt_end!()
)];
const JUNOS_EXEC: &str = concat!(line_start!(), junos_user_host!(), ">", prompt_end!());
const JUNOS_CONFIG: &str = concat!(line_start!(), junos_user_host!(), "#", prompt_end!());
const JUNOS_SHELL: &str = concat!(line_start!(), junos_user_host!(), "%", prompt_end!());
/// JunOS rejections, each at the start of its line (after the caret
/// line): `unknown command.`, `syntax error, expecting <command>.`,
/// `error: device ge-0/0/99 not found` (`error:` followed by a message,
/// not a number), `invalid ip address or hostname: …`, `missing
/// argument.`, `'i' is ambiguous.` (the quoted word starts the line).
const JUNOS_ERRORS: &[&str] = &[
    concat!(
        r"(?im)^[ \t]*(?:unknown command|syntax error|invalid (?:value|interface|numeric value|ip address)",
        r"|missing (?:mandatory )?argument|no valid completions)[^\r\n]*"
    ),
    r"(?im)^[ \t]*error:[ \t]*[^\d\s][^\r\n]*",
    r"(?m)^[ \t]*'[^'\r\n]+' is ambiguous\.[^\r\n]*",
];

/// JunOS: `user@host>` (operational), `user@host#` (configuration, after
/// an `[edit …]` line, which is part of the prompt match, as is a
/// `{master:0}` line), `user@host%` (the shell); `---(more)---`;
/// `unknown command.`, `syntax error`, `error: …`; paging, width and
/// completion on space turned off. Levels `exec` -> `configuration`
/// (`configure` / `exit configuration-mode`, committed with `commit`) and
/// `exec` -> `shell` (`start shell` / `exit`).
pub(super) fn junos() -> Driver {
    Driver {
        name: "junos".to_owned(),
        aliases: strings(&["juniper_junos", "juniper"]),
        description: "Juniper JunOS (MX, EX, QFX, SRX, PTX, ACX)".to_owned(),
        prompt: builtin_patterns(JUNOS_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"(?:[\w.\-]+ )?login:[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"(?:Local )?[Pp]assword:[ \t]*$"
        )]),
        error: builtin_patterns(JUNOS_ERRORS),
        init_commands: init(&[
            &["set cli screen-length 0"],
            &["set cli screen-width 0", "set cli screen-width 1024"],
            &["set cli complete-on-space off"],
        ]),
        os_guess: rules(&[
            (GuessStage::Head, r"(?m)^--- JUNOS \d", 90),
            (GuessStage::Head, r"Amnesiac \(tty\w+\)", 85),
            (
                GuessStage::Head,
                concat!(line_start!(), r"[\w.\-]+ \(tty[a-z]\w*\)[ \t]*\r?\n"),
                60,
            ),
            (
                GuessStage::Head,
                concat!(
                    line_start!(),
                    r"(?:\{[\w:]+\}[ \t]*\r?\n)?[\w.\-]+@[\w.\-:]+> $"
                ),
                40,
            ),
            (
                GuessStage::Response,
                r"(?m)^(?:JUNOS (?:Software Release|Base OS|EX|Packet Forwarding)|Junos: \d)",
                95,
            ),
        ]),
        privilege_levels: vec![
            root_level("exec", JUNOS_EXEC),
            child_level(
                "configuration",
                JUNOS_CONFIG,
                "exec",
                "configure",
                "exit configuration-mode",
            ),
            child_level("shell", JUNOS_SHELL, "exec", "start shell", "exit"),
        ],
        default_privilege: Some("exec".to_owned()),
        config_privilege: Some("configuration".to_owned()),
        config_commit: Some("commit".to_owned()),
        commit_confirmed: Some("commit confirmed {minutes}".to_owned()),
        ..Driver::generic()
    }
}

/// A JUNOSe host name.
macro_rules! erx_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.:/+\-]{0,62}"
    };
}

const ERX_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    erx_host!(),
    r"(?:\([\w.:/+\-]+\))?[>#]",
    prompt_end!()
)];
const ERX_LEVELS: EnableLevels = enable_levels!(erx_host!(), r"\([\w.:/+\-]+\)#");

/// Juniper JUNOSe (E-series, formerly ERX): IOS-like prompts, `User:`
/// and `Telnet password:`, authorization with `enable 15`, `terminal
/// length 0` and `terminal width 512`.
pub(super) fn junos_erx() -> Driver {
    Driver {
        name: "junos_erx".to_owned(),
        aliases: strings(&["junose"]),
        description: "Juniper JUNOSe (E-series edge routers)".to_owned(),
        prompt: builtin_patterns(ERX_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(line_start!(), r"User:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"(?:Telnet password|Password):[ \t]*$"
        )]),
        error: builtin_patterns(&[
            concat!(
                r"(?m)^%[ \t]*(?:Invalid input|Incomplete command|Ambiguous command",
                r"|Unknown command|Error\b)[^\r\n]*"
            ),
            r"(?im)^%?[ \t]*connection timed out[^\r\n]*",
        ]),
        init_commands: init(&[&["terminal length 0"], &["terminal width 512"]]),
        os_guess: rules(&[
            (GuessStage::Head, r"\bJuniper Networks\b", 75),
            (
                GuessStage::Response,
                r"Juniper Edge Routing Switch|JUNOSe",
                90,
            ),
        ]),
        ..enable_base(EnableLevels {
            enable: "enable 15",
            ..ERX_LEVELS
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn junos_expectations() {
        let d = junos();
        check(
            &d,
            &Expect {
                prompts: &[
                    "admin@mx1> ",
                    "admin@mx1# ",
                    "{master:0}\r\nadmin@mx1> ",
                    "[edit]\r\nadmin@mx1# ",
                    "[edit interfaces ge-0/0/0]\r\nadmin@mx1# ",
                    "{primary:node0}[edit]\r\nroot@srx1# ",
                    "root@mx1:RE:0% ",
                    "admin@ex-4300.lab> ",
                ],
                not_prompts: &[
                    "admin@mx1> show",
                    "[edit]",
                    "{master:0}",
                    "router>",
                    "---(more)---",
                    "ge-0/0/0  up  up  to admin@mx1>x",
                ],
                usernames: &[
                    "mx1 (ttyu0)\r\n\r\nlogin: ",
                    "Amnesiac (ttyu0)\r\n\r\nlogin: ",
                ],
                passwords: &["\r\nPassword:", "\r\nLocal password: "],
                errors: &[
                    (
                        "                         ^\r\nunknown command.\r\n",
                        "unknown command.",
                    ),
                    (
                        "                ^\r\nsyntax error, expecting <command>.\r\n",
                        "syntax error, expecting <command>.",
                    ),
                    (
                        "error: configuration check-out failed\r\n",
                        "error: configuration check-out failed",
                    ),
                    (
                        "'interfaces' is ambiguous.\r\n",
                        "'interfaces' is ambiguous.",
                    ),
                    ("missing argument.\r\n", "missing argument."),
                    (
                        "               ^\r\n'i' is ambiguous.\r\nPossible completions:\r\n",
                        "'i' is ambiguous.",
                    ),
                    (
                        "error: device ge-0/0/99 not found\r\n",
                        "error: device ge-0/0/99 not found",
                    ),
                    (
                        "                         ^\r\ninvalid ip address or hostname: 10.0.0.300 at '10.0.0.300'\r\n",
                        "invalid ip address or hostname: 10.0.0.300 at '10.0.0.300'",
                    ),
                ],
                not_errors: &[
                    "Hostname: mx1\r\nModel: mx960\r\nJunos: 21.4R3.15\r\n",
                    "commit complete\r\n",
                    "    Input errors: 0, Output errors: 0\r\n",
                    "  Input errors:\r\n    Errors: 0, Drops: 0, Framing errors: 0, Runts: 0,\r\n",
                    "  Link-level type: Ethernet, MTU: 1514, BPDU Error: None,\r\n",
                    "  Description: uplink 'core' is ambiguous. (see ticket)\r\n",
                    "error: 0\r\n",
                ],
                login_errors: &[("\r\nLogin incorrect\r\nlogin: ", "Login incorrect")],
                pagers: &[("---(more)---", " "), ("---(more 45%)---", " ")],
                levels: &[
                    ("admin@mx1>", "exec"),
                    ("{master:0}\r\nadmin@mx1>", "exec"),
                    ("[edit]\r\nadmin@mx1#", "configuration"),
                    ("admin@mx1#", "configuration"),
                    ("root@mx1:RE:0%", "shell"),
                ],
                ..Expect::default()
            },
        );
        let steps = d.privilege_path("configuration", "exec").unwrap();
        assert!(matches!(
            &steps[..],
            [crate::PrivilegeStep::Deescalate { command, level }]
                if command == "exit configuration-mode" && level == "exec"
        ));
        let steps = d.privilege_path("configuration", "shell").unwrap();
        assert_eq!(steps.len(), 2);
        // The context line is part of the prompt match.
        let buffer = b"show | compare\r\n\r\n[edit]\r\nadmin@mx1# ";
        let range = d.find_prompt(buffer, 0).unwrap();
        assert_eq!(&buffer[range], b"\n[edit]\r\nadmin@mx1# ");
    }

    #[test]
    fn junos_erx_expectations() {
        check(
            &junos_erx(),
            &Expect {
                prompts: &["erx1>", "erx1#", "erx1(config)#", "erx1(config-if)#"],
                not_prompts: &["erx1# show", "User: "],
                usernames: &["\r\nUser: "],
                passwords: &["\r\nTelnet password:", "\r\nPassword: "],
                errors: &[(
                    "        ^\r\n% Invalid input detected at '^' marker.\r\n",
                    "% Invalid input detected at '^' marker.",
                )],
                not_errors: &["Juniper Edge Routing Switch ERX-1440\r\n"],
                levels: &[
                    ("erx1>", "exec"),
                    ("erx1#", "privilege_exec"),
                    ("erx1(config)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
        let d = junos_erx();
        assert_eq!(
            d.privilege_level("privilege_exec")
                .and_then(|l| l.escalate.as_deref()),
            Some("enable 15")
        );
    }
}
