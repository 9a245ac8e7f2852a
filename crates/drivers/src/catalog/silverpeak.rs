//! Silver Peak VXOA.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, rules, strings};

/// A VXOA host name; the prompt character follows a blank.
macro_rules! vxoa_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}"
    };
}

const VXOA_LEVELS: EnableLevels =
    enable_levels!(vxoa_host!(), r" >", r" #", r" \(config[\w\-]*\) #");

/// Silver Peak VXOA appliances: `silverpeak-2f8e >`, `… #`, `… (config)
/// #`, errors starting with `unknown`, `invalid`, `error` or `syntax
/// error`, `terminal length 65536`; levels `exec` -> `privilege_exec`
/// (`enable`) -> `configuration` (`configure terminal` / `exit`).
pub(super) fn sp_vxoa() -> Driver {
    Driver {
        name: "sp_vxoa".to_owned(),
        aliases: strings(&["silverpeak_vxoa", "silverpeak"]),
        description: "Silver Peak VXOA".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            vxoa_host!(),
            r" (?:\(config[\w\-]*\) )?[>#]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:login(?: as)?|user ?name):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"[Pp]assword:[ \t]*$")]),
        // `% Unrecognized command "foo".`, `unknown command`, `syntax
        // error: …`: a word of the message after `%`, or the words of a
        // rejection; not any line starting with `Unknown` or `Error`
        // (`Unknown unicast: 12`, `Error: 0`).
        error: builtin_patterns(&[
            r"(?im)^[ \t]*%[ \t]*(?:unknown|unrecognized|invalid|incomplete|ambiguous|error)\b[^\r\n]*",
            r"(?im)^[ \t]*(?:unknown|unrecognized|invalid) (?:command|input|parameter|argument)\b[^\r\n]*",
            r"(?im)^[ \t]*(?:syntax )?error:[ \t]*[^\d\s][^\r\n]*",
        ]),
        init_commands: init(&[&["terminal length 65536"]]),
        os_guess: rules(&[(
            GuessStage::Head,
            r"Silver[\r\n\s]Peak[\r\n\s]Systems[\r\n\s]Inc\.",
            90,
        )]),
        ..enable_base(EnableLevels {
            leave_config: "exit",
            ..VXOA_LEVELS
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn sp_vxoa_expectations() {
        check(
            &sp_vxoa(),
            &Expect {
                prompts: &[
                    "silverpeak-2f8e > ",
                    "silverpeak-2f8e # ",
                    "silverpeak-2f8e (config) # ",
                ],
                not_prompts: &["silverpeak-2f8e # show", "Password: "],
                usernames: &["login as: "],
                passwords: &["\r\nPassword: "],
                errors: &[
                    (
                        "% Unrecognized command \"foo\".\r\n",
                        "% Unrecognized command \"foo\".",
                    ),
                    ("unknown command\r\n", "unknown command"),
                ],
                not_errors: &[
                    "Model: NX-700\r\n",
                    "Unknown unicast: 12\r\nInvalid packets: 0\r\nError: 0\r\n",
                    "Errors  0  0\r\n",
                ],
                levels: &[
                    ("silverpeak-2f8e >", "exec"),
                    ("silverpeak-2f8e #", "privilege_exec"),
                    ("silverpeak-2f8e (config) #", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
