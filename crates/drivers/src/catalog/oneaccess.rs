//! OneAccess OneOS.

use crate::fragments::{line_start, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, rules, strings};

/// A OneOS host name.
macro_rules! oneos_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,62}"
    };
}

const ONEOS_LEVELS: EnableLevels = enable_levels!(oneos_host!(), r"\([\w.:/+\-]+\)#");

/// OneAccess OneOS (5 and 6): IOS-like prompts, `term len 0`,
/// `screen-width 512` (OneOS 6) or `stty columns 255` (OneOS 5),
/// `enable`; levels `exec` -> `privilege_exec` -> `configuration`
/// (`configure terminal` / `end`).
///
/// Unlike Exscript, a bare prompt after a blank line is no evidence of
/// OneOS: that rule made Cisco IOS be guessed as OneOS (Exscript issue
/// 108). Only the vendor and product names are.
pub(super) fn one_os() -> Driver {
    Driver {
        name: "one_os".to_owned(),
        aliases: strings(&["oneaccess_oneos", "oneos"]),
        description: "OneAccess OneOS".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            oneos_host!(),
            r"(?:\([\w.:/+\-]+\))?[>#]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!(line_start!(), r"Username:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"Password:[ \t]*$")]),
        error: builtin_patterns(&[
            concat!(
                r"(?m)^%[ \t]*(?:Invalid input|Incomplete command|Ambiguous command",
                r"|Unknown command|Error\b)[^\r\n]*"
            ),
            r"(?im)^[ \t]*syntax error[^\r\n]*",
            r"(?im)^[ \t]*error:[ \t]*[^\d\s][^\r\n]*",
        ]),
        init_commands: init(&[&["term len 0"], &["screen-width 512", "stty columns 255"]]),
        os_guess: rules(&[
            (GuessStage::Head, r"(?i)\bOneAccess\b", 85),
            (
                GuessStage::Response,
                r"(?i)\bONEOS\d?[-_]|Software version\s*:\s*ONEOS",
                90,
            ),
        ]),
        ..enable_base(ONEOS_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn one_os_expectations() {
        check(
            &one_os(),
            &Expect {
                prompts: &[
                    "LBB_140>",
                    "LBB_140#",
                    "LBB_140(config)#",
                    "LBB_140(config-if)#",
                ],
                not_prompts: &["LBB_140# show", "Username: "],
                usernames: &["\r\nUsername: "],
                passwords: &["\r\nPassword: "],
                errors: &[
                    (
                        "% Invalid input detected at '^' marker.\r\n",
                        "% Invalid input detected at '^' marker.",
                    ),
                    (
                        "syntax error: unknown argument\r\n",
                        "syntax error: unknown argument",
                    ),
                ],
                not_errors: &[
                    "Software version    : ONEOS90-MULTI_FT-V5.2R2E7_HA8\r\n",
                    "Error: 0\r\n",
                ],
                levels: &[
                    ("LBB_140>", "exec"),
                    ("LBB_140#", "privilege_exec"),
                    ("LBB_140(config)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
