//! ZTE ZXROS (ZXR10 routers and switches) and ZXAN access nodes.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, rules, strings};

/// A ZTE host name.
macro_rules! zte_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}"
    };
}

const ZTE_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    zte_host!(),
    r"(?:\([\w.:/+\-]+\))?[>#$]",
    prompt_end!()
)];
const ZTE_LEVELS: EnableLevels = enable_levels!(zte_host!(), r"\(config[\w.:/+\-]*\)#");

/// ZTE ZXROS and ZXAN: `ZXR10>`, `ZXR10(config-if-gei-0/1/0/1)#`,
/// `%Error 20200: …` and `% Unrecognized command` lines, `terminal
/// length 0`; levels `exec` -> `privilege_exec` (`enable`) ->
/// `configuration` (`configure terminal` / `end`).
pub(super) fn zte() -> Driver {
    Driver {
        name: "zte".to_owned(),
        aliases: strings(&["zte_zxros", "zxros"]),
        description: "ZTE ZXROS and ZXAN".to_owned(),
        prompt: builtin_patterns(ZTE_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user ?name|login):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user )?password:[ \t]*$"
        )]),
        error: builtin_patterns(&[
            r"(?m)^[ \t]*%[ \t]*Error\b[^\r\n]*",
            r"(?im)^[ \t]*%?[ \t]*(?:Unrecognized|Incomplete|Ambiguous) command[^\r\n]*",
            r"(?im)^[ \t]*%?[ \t]*Invalid input[^\r\n]*",
        ]),
        init_commands: init(&[&["terminal length 0"]]),
        os_guess: rules(&[
            (GuessStage::Head, r"\bZTE\b|ZXR10|ZXAN", 90),
            (
                GuessStage::Response,
                r"ZTE Corporation|ZXR10 \w+ Software|ZXROS",
                95,
            ),
        ]),
        ..enable_base(ZTE_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn zte_expectations() {
        check(
            &zte(),
            &Expect {
                prompts: &[
                    "ZXR10>",
                    "ZXR10#",
                    "ZXR10(config)#",
                    "ZXR10(config-if-gei-0/1/0/1)#",
                    "C300$",
                ],
                not_prompts: &["ZXR10# show", "Username:"],
                usernames: &["\r\nUsername:", "Login:"],
                passwords: &["\r\nPassword:"],
                errors: &[
                    (
                        "%Error 20200: Invalid input detected at '^' marker.\r\n",
                        "%Error 20200: Invalid input detected at '^' marker.",
                    ),
                    (
                        "% Unrecognized command found at '^' position.\r\n",
                        "% Unrecognized command found at '^' position.",
                    ),
                ],
                not_errors: &["ZXR10 ZSRV2 Software, Version: V5.00.10\r\n"],
                pagers: &[(" --More--", " ")],
                levels: &[
                    ("ZXR10>", "exec"),
                    ("ZXR10#", "privilege_exec"),
                    ("ZXR10(config-if-gei-0/1/0/1)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
