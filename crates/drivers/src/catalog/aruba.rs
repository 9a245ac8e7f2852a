//! Aruba (HPE) ArubaOS mobility controllers.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, pager_with, rules, strings};

/// `(Aruba7010)`, optionally followed by ArubaOS 8's node path
/// `[mynode]`.
macro_rules! aruba_host {
    () => {
        r"\([\w.\-:]+\)(?: \[[\w.\-/]+\])?"
    };
}

const ARUBA_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    aruba_host!(),
    r" (?:\([\w.\-/: ]+\) ?)?[>#]",
    prompt_end!()
)];
const ARUBA_LEVELS: EnableLevels =
    enable_levels!(aruba_host!(), r" >", r" #", r" \([\w.\-/: ]+\) ?#");

/// Aruba mobility controllers (ArubaOS 6 and 8): `(Aruba7010) >`,
/// `(Aruba7010) #`, `(Aruba7010) (config) #`, `%`-prefixed errors, the
/// `--More-- (q) quit (u) pageup …` pager, `no paging`; levels `exec` -> `privilege_exec` (`enable`) ->
/// `configuration` (`configure terminal` / `end`).
pub(super) fn aruba() -> Driver {
    Driver {
        name: "aruba".to_owned(),
        aliases: strings(&["aruba_os", "aruba_wlc"]),
        description: "Aruba mobility controllers (ArubaOS)".to_owned(),
        prompt: builtin_patterns(ARUBA_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"user(?: ?name)?:[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[
            concat!(line_start!(), r"(?:enable )?[Pp]assword:[ \t]*$"),
            concat!("(?i)", login_line!(), r"last resort password:[ \t]*$"),
        ]),
        error: builtin_patterns(&[
            concat!(
                r"(?m)^[ \t]*%[ \t]*(?:Invalid input|Unrecognized command|Ambiguous command",
                r"|Wrong parameter|Incomplete command|Too many parameters)[^\r\n]*"
            ),
            r"(?m)^[ \t]*%[ \t]*Error\b[^\r\n]*",
        ]),
        pager: pager_with(&[(
            r"(?i)--more--[ \t]*\(q\) quit \(u\) pageup \(/\) search \(n\) repeat[ \t]*$",
            " ",
        )]),
        init_commands: init(&[&["no paging"]]),
        os_guess: rules(&[
            (GuessStage::Head, r"ArubaOS", 90),
            (
                GuessStage::Head,
                concat!(line_start!(), aruba_host!(), r" >[ \t]*$"),
                80,
            ),
            (GuessStage::Response, r"ArubaOS \(MODEL: ", 95),
        ]),
        ..enable_base(ARUBA_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn aruba_expectations() {
        check(
            &aruba(),
            &Expect {
                prompts: &[
                    "(Aruba7010) >",
                    "(Aruba7010) #",
                    "(Aruba7010) (config) #",
                    "(Aruba7010) (config-if)#",
                    "(mm1) [mynode] #",
                    "(mm1) [mynode] (config) #",
                ],
                not_prompts: &["(Aruba7010) # show", "(Cisco Controller) >", "router#"],
                usernames: &["User: "],
                passwords: &["\r\nPassword:", "\r\nenable Password:"],
                errors: &[
                    (
                        "% Invalid input detected at '^' marker.\r\n",
                        "% Invalid input detected at '^' marker.",
                    ),
                    ("% Unrecognized command\r\n", "% Unrecognized command"),
                    ("% Wrong parameter\r\n", "% Wrong parameter"),
                ],
                not_errors: &["ArubaOS (MODEL: Aruba7010), Version 6.5.4.16\r\n"],
                pagers: &[("--More-- (q) quit (u) pageup (/) search (n) repeat", " ")],
                levels: &[
                    ("(Aruba7010) >", "exec"),
                    ("(Aruba7010) #", "privilege_exec"),
                    ("(Aruba7010) (config) #", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
