//! Ciena SAOS (carrier Ethernet).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{init, rules, strings};

/// Ciena SAOS carrier Ethernet switches: `ciena5142>` (with `*` when the
/// configuration is unsaved), `login:`, `SHELL PARSER FAILURE` lines,
/// paging turned off with `system shell session set more off` (SAOS 6)
/// or `set session more off` (SAOS 8). SAOS has no privilege levels to
/// move between (an account's user class is fixed at login).
pub(super) fn cienasaos() -> Driver {
    Driver {
        name: "cienasaos".to_owned(),
        aliases: strings(&["ciena_saos", "saos"]),
        description: "Ciena SAOS carrier Ethernet switches".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"[A-Za-z0-9_][A-Za-z0-9_.\-:/]{0,62}\*?[>#$]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"login:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?m)^[ \t]*SHELL (?:PARSER|COMMAND) FAILURE[^\r\n]*",
            r"(?m)^[ \t]*ERROR:[ \t]*[^\d\s][^\r\n]*",
            r"(?im)^[ \t]*(?:invalid input|incomplete command|ambiguous command)[^\r\n]*",
        ]),
        init_commands: init(&[&["system shell session set more off", "set session more off"]]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                r"SAOS is True Carrier Ethernet TM software",
                90,
            ),
            (GuessStage::Response, r"(?i)\bsaos-\d{2}-\d{2}", 90),
        ]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn cienasaos_expectations() {
        check(
            &cienasaos(),
            &Expect {
                prompts: &["ciena5142>", "ciena5142*>", "CES-5150> ", "lab-3930#"],
                not_prompts: &["ciena5142> port show", "SHELL PARSER FAILURE"],
                usernames: &["ciena5142 login: "],
                passwords: &["Password: "],
                errors: &[
                    (
                        "SHELL PARSER FAILURE: 'foo' - invalid input\r\n",
                        "SHELL PARSER FAILURE: 'foo' - invalid input",
                    ),
                    (
                        "ERROR: port 99 does not exist\r\n",
                        "ERROR: port 99 does not exist",
                    ),
                ],
                not_errors: &[
                    "| Running Package | saos-06-18-01-0248 |\r\n",
                    "| PSU#2        | 0 C      | ERROR: n/a |\r\n",
                    "ERROR: 0\r\n",
                ],
                login_errors: &[("\r\nLogin incorrect\r\n", "Login incorrect")],
                pagers: &[("--More--", " ")],
                ..Expect::default()
            },
        );
    }
}
