//! Zyxel switches and gateways.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{rules, strings};

/// Zyxel switches and security gateways: `GS1920#`, `Router>`,
/// `Router(config)#`, `Invalid command` and `ERROR` lines. Guessed from
/// the `Copyright … ZyXEL Communications Corp.` line. No privilege
/// levels (the CLI level is chosen by the account).
pub(super) fn zyxel() -> Driver {
    Driver {
        name: "zyxel".to_owned(),
        aliases: strings(&["zyxel_os"]),
        description: "Zyxel switches and gateways".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}(?:\([\w.:/+\-]+\))?[>#$]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user ?name|login|user):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            // At the start of the line (after an optional `%`): a port
            // description reading `invalid command` is output.
            r"(?im)^[ \t]*%?[ \t]*(?:invalid command|unknown command|command authorization fail)[^\r\n]*",
            r"(?m)^[ \t]*ERROR[: ][^\r\n]*",
        ]),
        os_guess: rules(&[(
            GuessStage::Response,
            r"(?i)Copyright [^\r\n]* ZyXEL Communications Corp",
            90,
        )]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn zyxel_expectations() {
        check(
            &zyxel(),
            &Expect {
                prompts: &["GS1920#", "Router> ", "Router(config)# ", "usg60$"],
                not_prompts: &["GS1920# show", "Password: "],
                usernames: &["User name: ", "login: "],
                passwords: &["Password: "],
                errors: &[
                    ("% Invalid command\r\n", "% Invalid command"),
                    ("ERROR: unknown interface\r\n", "ERROR: unknown interface"),
                ],
                not_errors: &[
                    "Copyright (c) 1994 - 2020 ZyXEL Communications Corp.\r\n",
                    "  3     Up   1000M/F  printer (invalid command test)\r\n",
                ],
                ..Expect::default()
            },
        );
    }
}
