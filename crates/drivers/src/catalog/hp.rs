//! HP (HPE Aruba) ProCurve / ArubaOS-Switch.

use crate::fragments::{line_start, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, answers, enable_base, enable_levels, init, rules, strings};

/// A ProCurve host name; the factory default names contain blanks
/// (`ProCurve Switch 2824`, `HP ProCurve Switch 2510-24`), other names
/// cannot.
macro_rules! procurve_host {
    () => {
        r"(?:(?:HP )?ProCurve (?:Switch )?)?[A-Za-z0-9_][A-Za-z0-9_.\-/:]{0,31}"
    };
}

const PROCURVE_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    procurve_host!(),
    r"(?:\([\w.\-/:]+\))?[>#]",
    prompt_end!()
)];
const PROCURVE_LEVELS: EnableLevels = enable_levels!(procurve_host!(), r"\([\w.\-/:]+\)#");

/// HP ProCurve and Aruba (ArubaOS-Switch) switches: `HP-2530-24G#`,
/// `ProCurve Switch 2824(config)#`, `Press any key to continue` at login
/// (answered with a space), `Invalid input:` errors, the `-- MORE --,
/// next page: Space…` pager, `no page` and `terminal width 511`; levels
/// `exec` -> `privilege_exec` (`enable`, which may also ask for a
/// username) -> `configuration` (`configure terminal` / `end`); logout
/// answers the log-out and save questions.
pub(super) fn hp_pro_curve() -> Driver {
    Driver {
        name: "hp_pro_curve".to_owned(),
        aliases: strings(&["hp_procurve", "aruba_procurve", "aruba_osswitch"]),
        description: "HP ProCurve and ArubaOS-Switch".to_owned(),
        prompt: builtin_patterns(PROCURVE_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(line_start!(), r"[Uu]ser ?[Nn]ame:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"[Pp]assword:[ \t]*$")]),
        login_error: builtin_patterns(&[
            r"(?im)^[ \t]*(?:invalid password|unable to verify password|unable to login)[^\r\n]*",
            concat!(
                r"(?im)^[^\r\n]*(?:bad secrets|denied|too short|incorrect",
                r"|connection timed out|failed|failure)[^\r\n]*"
            ),
        ]),
        error: builtin_patterns(&[
            r"(?im)^[ \t]*(?:invalid|incomplete|ambiguous) input:[^\r\n]*",
            r"(?m)^[ \t]*Unknown command\.[^\r\n]*",
        ]),
        login_answers: answers(&[(r"(?i)press any key to continue[ \t]*$", " ")]),
        init_commands: init(&[&["no page"], &["terminal width 511"]]),
        logout: strings(&["logout", "y", "n"]),
        os_guess: rules(&[
            (GuessStage::Head, r"ProCurve", 95),
            (
                GuessStage::Head,
                r"Software revision [A-Z]{1,2}\.\d{2}\.\d{2}",
                92,
            ),
            (GuessStage::Head, r"Hewlett[- ]Packard", 50),
            (
                GuessStage::Response,
                r"Image stamp:[^\r\n]*\r?\n[^\r\n]*[A-Z]{1,2}\.\d{2}\.\d{2}",
                90,
            ),
        ]),
        ..enable_base(PROCURVE_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn hp_pro_curve_expectations() {
        check(
            &hp_pro_curve(),
            &Expect {
                prompts: &[
                    "HP-2530-24G#",
                    "HP-2530-24G> ",
                    "HP-2530-24G(config)# ",
                    "HP-2530-24G(vlan-10)#",
                    "ProCurve Switch 2824#",
                    "HP ProCurve Switch 2510-24(config)#",
                    "Aruba-2930F-24G#",
                ],
                not_prompts: &[
                    "HP-2530-24G# show",
                    "Lo0 up up Description of my router>",
                    "my router>",
                    "Press any key to continue",
                ],
                usernames: &["\r\nUsername: ", "\r\nUser Name: "],
                passwords: &["\r\nPassword: "],
                errors: &[
                    ("Invalid input: foo\r\n", "Invalid input: foo"),
                    ("Incomplete input: vlan\r\n", "Incomplete input: vlan"),
                    ("Ambiguous input: s\r\n", "Ambiguous input: s"),
                ],
                not_errors: &["  Software revision  : WC.16.10.0009\r\n"],
                login_errors: &[
                    ("\r\nInvalid password\r\n", "Invalid password"),
                    ("Unable to verify password\r\n", "Unable to verify password"),
                ],
                pagers: &[(
                    "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
                    " ",
                )],
                login_answers: &[("\r\nPress any key to continue", " ")],
                levels: &[
                    ("HP-2530-24G>", "exec"),
                    ("HP-2530-24G#", "privilege_exec"),
                    ("HP-2530-24G(config)#", "configuration"),
                    ("ProCurve Switch 2824(vlan-1)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
