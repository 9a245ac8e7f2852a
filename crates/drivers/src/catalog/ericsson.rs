//! Ericsson: the BAN access nodes and SmartEdge OS (Redback, whose CLI
//! lives on in IPOS).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, rules, strings};

/// Ericsson Broadband Access Nodes (BLM multiplexers): `blm1500#` or
/// `blm1500%`, `user:`/`pass:`, `(error)` lines.
pub(super) fn ericsson_ban() -> Driver {
    Driver {
        name: "ericsson_ban".to_owned(),
        description: "Ericsson Broadband Access Nodes (BAN)".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,62}(?:\([\w.:/+\-]+\))?[%#]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"user:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"pass(?:word)?:[ \t]*$"
        )]),
        login_error: builtin_patterns(&[
            r"(?m)^[^\r\n]*Login failed[^\r\n]*",
            r"(?im)^[^\r\n]*(?:denied|invalid|incorrect)[^\r\n]*",
        ]),
        error: builtin_patterns(&[r"(?m)^[^\r\n]*\(error\)[^\r\n]*"]),
        os_guess: rules(&[(
            GuessStage::Head,
            r"(?i)BLM\d+ - Broadband Loop Multiplexer",
            90,
        )]),
        ..Driver::generic()
    }
}

/// `[local]Redback`: the context, then the host name.
macro_rules! seos_host {
    () => {
        r"\[[\w.\-]+\][A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}"
    };
}

const SEOS_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    seos_host!(),
    r"(?:\([\w.:/+\-]+\))?[>#]",
    prompt_end!()
)];
const SEOS_LEVELS: EnableLevels = enable_levels!(seos_host!(), r"\([\w.:/+\-]+\)#");

/// Redback (Ericsson) SmartEdge OS and its successor IPOS:
/// `[local]Redback>`, `[local]Redback(config-if)#`, `%`-prefixed errors,
/// `terminal length 0`, `enable`; levels `exec` -> `privilege_exec` ->
/// `configuration` (`configure` / `end`).
pub(super) fn smart_edge_os() -> Driver {
    Driver {
        name: "smart_edge_os".to_owned(),
        aliases: strings(&["ericsson_ipos", "redback"]),
        description: "Redback / Ericsson SmartEdge OS (and IPOS)".to_owned(),
        prompt: builtin_patterns(SEOS_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(line_start!(), r"login:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"Password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?m)^%[ \t]*(?:Invalid|Unknown|Incomplete|Ambiguous)[^\r\n]*",
            r"(?m)^%[ \t]*Error[^\r\n]*",
        ]),
        init_commands: init(&[
            &["terminal length 0"],
            &["terminal width 512", "terminal width 65536"],
        ]),
        os_guess: rules(&[
            (GuessStage::Head, r"[\r\n][^\r\n]+-se800[\r\n]", 60),
            (
                GuessStage::Head,
                concat!(line_start!(), r"\[local\][\w.\-]+(?:\([\w.:/+\-]+\))?[>#]"),
                85,
            ),
            (
                GuessStage::Response,
                r"Redback Networks SmartEdge OS|SmartEdge OS Version|Ericsson IPOS",
                95,
            ),
        ]),
        ..enable_base(EnableLevels {
            configure: "configure",
            ..SEOS_LEVELS
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn ericsson_ban_expectations() {
        check(
            &ericsson_ban(),
            &Expect {
                prompts: &["blm1500#", "blm1500% ", "BLM-2(config)#"],
                not_prompts: &["blm1500# show", "user:"],
                usernames: &["\r\nuser:"],
                passwords: &["\r\npass:"],
                errors: &[(
                    "show foo (error) unknown command\r\n",
                    "show foo (error) unknown command",
                )],
                not_errors: &["port 1 up\r\n"],
                login_errors: &[("\r\nLogin failed\r\n", "Login failed")],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn smart_edge_os_expectations() {
        check(
            &smart_edge_os(),
            &Expect {
                prompts: &[
                    "[local]Redback>",
                    "[local]Redback#",
                    "[local]se800(config)#",
                    "[isp1]pe1(config-if)#",
                ],
                not_prompts: &["[local]Redback# show", "[OK]", "Redback#"],
                usernames: &["\r\nlogin: "],
                passwords: &["\r\nPassword: "],
                errors: &[(
                    "% Invalid input at '^' marker.\r\n",
                    "% Invalid input at '^' marker.",
                )],
                not_errors: &["Redback Networks SmartEdge OS Version SEOS-6.5.1.4\r\n"],
                levels: &[
                    ("[local]Redback>", "exec"),
                    ("[local]Redback#", "privilege_exec"),
                    ("[local]Redback(config-ctx)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
