//! Icotera CPE.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

/// Icotera CPE (fibre home gateways): a `>` prompt, `ERROR` lines.
/// Guessed from the `ICOTERA` banner.
pub(super) fn icotera() -> Driver {
    Driver {
        name: "icotera".to_owned(),
        description: "Icotera CPE".to_owned(),
        prompt: builtin_patterns(&[concat!(line_start!(), r"[\w.\-@]+ ?>", prompt_end!())]),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"user ?name:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"[Pp]assword:[ \t]*$")]),
        // `ERROR: unknown command "sttus"` starts its line; a status
        // column reading `ERROR` further right is output.
        error: builtin_patterns(&[r"(?m)^[ \t]*ERROR\b[^\r\n]*"]),
        os_guess: super::rules(&[(GuessStage::Head, r"ICOTERA", 80)]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn icotera_expectations() {
        check(
            &icotera(),
            &Expect {
                prompts: &["i4850 >", "admin@icotera>", "cpe> "],
                not_prompts: &["cpe> show", "Username: "],
                usernames: &["\r\nUsername: "],
                passwords: &["\r\nPassword: "],
                errors: &[("ERROR: unknown command\r\n", "ERROR: unknown command")],
                not_errors: &["Firmware: 4.2.1\r\n", "voip1   registered   ERROR   0\r\n"],
                ..Expect::default()
            },
        );
    }
}
