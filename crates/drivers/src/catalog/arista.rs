//! Arista EOS.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, rules, strings};

/// An EOS host name.
macro_rules! eos_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}"
    };
}

const EOS_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    eos_host!(),
    r"(?:\([\w.:/+\-]+\)){0,3}[>#]",
    prompt_end!()
)];
const EOS_LEVELS: EnableLevels =
    enable_levels!(eos_host!(), r"(?:\([\w.:/+\-]+\))?\(config[\w.:/+\-]*\)#");
const EOS_ERRORS: &[&str] = &[
    concat!(
        r"(?m)^%[ \t]*(?:Invalid input|Incomplete command|Ambiguous command|Unavailable command",
        r"|Cannot commit|Duplicate sequence number|Error\b)[^\r\n]*"
    ),
    r"(?im)^%?[ \t]*connection timed out[^\r\n]*",
];

/// Arista EOS: IOS-like prompts with up to three modes
/// (`leaf1(s1)(config-s-s1-if-Et1)#`), `%`-prefixed errors,
/// `terminal dont-ask`, `terminal length 0` and `terminal width 32767`;
/// levels `exec` -> `privilege_exec` (`enable`) -> `configuration`
/// (`configure terminal` / `end`). Guessed from `show version` (`Arista
/// …`, `cEOSLab`).
pub(super) fn eos() -> Driver {
    Driver {
        name: "eos".to_owned(),
        aliases: strings(&["arista_eos", "arista"]),
        description: "Arista EOS".to_owned(),
        prompt: builtin_patterns(EOS_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user ?name|login):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"[Pp]assword:[ \t]*$")]),
        error: builtin_patterns(EOS_ERRORS),
        init_commands: init(&[
            &["terminal dont-ask"],
            &["terminal length 0"],
            &["terminal width 32767"],
        ]),
        os_guess: rules(&[
            (GuessStage::Head, r"Arista Networks", 90),
            (
                GuessStage::Response,
                r"Arista Networks EOS|(?m)^Arista (?:DCS|CCS|vEOS|cEOS)|cEOSLab",
                95,
            ),
        ]),
        save_config: Some("copy running-config startup-config".to_owned()),
        ..enable_base(EOS_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn eos_expectations() {
        check(
            &eos(),
            &Expect {
                prompts: &[
                    "leaf1>",
                    "leaf1#",
                    "leaf1(config)#",
                    "leaf1(config-if-Et1)#",
                    "leaf1(s1)(config-s-s1)#",
                    "leaf1(config-router-bgp)# ",
                ],
                not_prompts: &[
                    "leaf1#show",
                    "Et1  connected  1  full  10G  to spine>",
                    "% Invalid input",
                ],
                usernames: &["leaf1 login: ", "Username: "],
                passwords: &["\r\nPassword: "],
                errors: &[
                    (
                        "% Invalid input (privileged mode required)\r\n",
                        "% Invalid input (privileged mode required)",
                    ),
                    ("% Invalid input at line 1\r\n", "% Invalid input at line 1"),
                    ("% Incomplete command\r\n", "% Incomplete command"),
                    ("% Ambiguous command\r\n", "% Ambiguous command"),
                    (
                        "% Unavailable command (not supported on this hardware platform)",
                        "% Unavailable command (not supported on this hardware platform)",
                    ),
                ],
                not_errors: &[
                    "Arista vEOS-lab\r\nSoftware image version: 4.28.3M\r\n",
                    // `show environment power` on a box without supplies.
                    "% There seem to be no power supplies connected.\r\n",
                    // The legend of `show ip bgp`.
                    "Route status codes: s - suppressed contributor, * - valid, > - active\r\n                    % - Pending best path selection\r\n",
                ],
                login_errors: &[("\r\nLogin incorrect\r\nleaf1 login: ", "Login incorrect")],
                pagers: &[(" --More-- ", " ")],
                levels: &[
                    ("leaf1>", "exec"),
                    ("leaf1#", "privilege_exec"),
                    ("leaf1(config)#", "configuration"),
                    ("leaf1(config-if-Et1)#", "configuration"),
                    ("leaf1(s1)(config-s-s1)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
