//! Palo Alto Networks PAN-OS.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{ConfigLevels, answers, config_base, init, pager_with, rules, strings};

/// `admin@PA-VM`, with an HA state: `admin@fw1(active)`.
macro_rules! pan_user_host {
    () => {
        r"[\w.\-]+@[\w.\-]+(?:\([\w\-]+\))?"
    };
}

const PAN_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    r"(?:\[edit[^\]\r\n]*\][ \t]*\r?\n)?",
    pan_user_host!(),
    r"[>#]",
    prompt_end!()
)];
const PAN_EXEC: &str = concat!(line_start!(), pan_user_host!(), ">", prompt_end!());
const PAN_CONFIG: &str = concat!(line_start!(), pan_user_host!(), "#", prompt_end!());

/// Palo Alto Networks PAN-OS: `admin@PA-VM>` (operational) and
/// `admin@PA-VM#` (configuration, after an `[edit]` line that is part of
/// the prompt match), `Unknown command:`, `Invalid syntax.`, `Validation
/// Error:` and `Server error` lines, the `lines 1-40` pager,
/// `set cli scripting-mode on`, `set cli pager off`; levels `exec` ->
/// `configuration` (`configure` / `exit`), committed with `commit`.
pub(super) fn paloalto_panos() -> Driver {
    Driver {
        name: "paloalto_panos".to_owned(),
        aliases: strings(&["panos", "paloalto"]),
        description: "Palo Alto Networks PAN-OS firewalls and Panorama".to_owned(),
        prompt: builtin_patterns(PAN_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:login(?: as)?|user ?name):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?m)^[ \t]*(?:Unknown command:|Invalid syntax\.|Server error|Validation Error:)[^\r\n]*",
            r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
        ]),
        login_answers: answers(&[(
            r"(?i)accept and acknowledge[^\r\n]*\(yes/no\)[ \t]*:?[ \t]*$",
            "yes\r",
        )]),
        pager: pager_with(&[
            (
                concat!(line_start!(), r"lines \d+-\d+(?:/\d+)?[ \t]*$"),
                " ",
            ),
            (
                concat!(line_start!(), r"(?:lines \d+-\d+/\d+ )?\(END\)[ \t]*$"),
                "q",
            ),
        ]),
        init_commands: init(&[
            &["set cli scripting-mode on"],
            &["set cli pager off"],
            &["set cli terminal width 500"],
        ]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                r"Number of failed attempts since last successful login",
                85,
            ),
            (
                GuessStage::Head,
                r"@[\w.\-]+\((?:active|passive|active-primary|active-secondary|suspended|non-functional)\)[>#]",
                85,
            ),
            (GuessStage::Response, r"(?m)^model: (?:PA-|Panorama)", 95),
            (GuessStage::Response, r"(?m)^sw-version: \d+\.\d+", 90),
        ]),
        config_commit: Some("commit".to_owned()),
        ..config_base(ConfigLevels::new(PAN_EXEC, PAN_CONFIG, "configure", "exit"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn paloalto_panos_expectations() {
        check(
            &paloalto_panos(),
            &Expect {
                prompts: &[
                    "admin@PA-VM> ",
                    "admin@PA-VM# ",
                    "[edit]\r\nadmin@PA-VM# ",
                    "[edit network interface]\r\nadmin@PA-3220# ",
                    "admin@fw1(active)> ",
                    "admin@fw1(active-primary)# ",
                ],
                not_prompts: &["admin@PA-VM> show", "lines 1-40 ", "(END)"],
                usernames: &["login as: ", "login: "],
                passwords: &["Password: "],
                errors: &[
                    ("\r\nUnknown command: foo\r\n", "Unknown command: foo"),
                    ("Invalid syntax.\r\n", "Invalid syntax."),
                    (
                        "Validation Error:\r\n rulebase -> security is invalid\r\n",
                        "Validation Error:",
                    ),
                    (
                        "Server error : set failed, may need to override template object first\r\n",
                        "Server error : set failed, may need to override template object first",
                    ),
                ],
                not_errors: &[
                    "hostname: PA-VM\r\nmodel: PA-VM\r\nsw-version: 10.1.6\r\n",
                    "Error: 0\r\n",
                    "flow_no_interface   12   0 drop   flow   parse   Packets dropped: invalid interface\r\n",
                ],
                login_errors: &[("\r\nAccess denied\r\n", "Access denied")],
                pagers: &[
                    ("lines 1-40 ", " "),
                    ("line\r\nlines 41-80", " "),
                    ("lines 81-96/96 (END)", "q"),
                    ("\r\n(END)", "q"),
                    ("--more--", " "),
                ],
                login_answers: &[(
                    "Do you accept and acknowledge the statement above? (yes/no) : ",
                    "yes\r",
                )],
                levels: &[
                    ("admin@PA-VM>", "exec"),
                    ("[edit]\r\nadmin@PA-VM#", "configuration"),
                    ("admin@fw1(active)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
