//! Riverbed RiOS (SteelHead).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, rules, strings};

/// A RiOS host name; the prompt character follows a blank.
macro_rules! rios_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.\-:/]{0,62}"
    };
}

const RIOS_LEVELS: EnableLevels =
    enable_levels!(rios_host!(), r" >", r" #", r" \(config[\w\-]*\) #");

/// Riverbed RiOS (SteelHead WAN optimizers): `amnesiac >`, `amnesiac #`,
/// `amnesiac (config) #`, `% Unrecognized command` lines, `terminal
/// length 0`; levels `exec` -> `privilege_exec` (`enable`, no password)
/// -> `configuration` (`configure terminal` / `exit`).
pub(super) fn rios() -> Driver {
    Driver {
        name: "rios".to_owned(),
        aliases: strings(&["riverbed_rios", "riverbed"]),
        description: "Riverbed RiOS (SteelHead)".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            rios_host!(),
            r" (?:\(config[\w\-]*\) )?[>#]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user ?name|login(?: as)?):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"[Pp]assword:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?m)^%[ \t]*(?:Unrecognized|Inactive|Error|Invalid|Incomplete|Ambiguous)[^\r\n]*",
        ]),
        init_commands: init(&[&["terminal length 0"]]),
        os_guess: rules(&[
            (GuessStage::Head, r"Riverbed", 85),
            (
                GuessStage::Response,
                r"Product name:\s+rbt_|Riverbed Technology",
                90,
            ),
        ]),
        ..enable_base(EnableLevels {
            enable_auth: false,
            leave_config: "exit",
            ..RIOS_LEVELS
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn rios_expectations() {
        check(
            &rios(),
            &Expect {
                prompts: &[
                    "amnesiac > ",
                    "amnesiac # ",
                    "amnesiac (config) # ",
                    "sh-01.lab #",
                ],
                not_prompts: &[
                    "amnesiac # show",
                    "amnesiac#x",
                    "Lo0 up up Description of my router>",
                ],
                usernames: &["login as: ", "\r\nlogin: "],
                passwords: &["\r\nPassword: "],
                errors: &[(
                    "% Unrecognized command \"foo\".\r\nType \"?\" for help.\r\n",
                    "% Unrecognized command \"foo\".",
                )],
                not_errors: &["Product name:      rbt_sh\r\n"],
                levels: &[
                    ("amnesiac >", "exec"),
                    ("amnesiac #", "privilege_exec"),
                    ("amnesiac (config) #", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
