//! Enterasys (now Extreme Networks): the SecureStack / S-Series switches
//! and the HiPath wireless controllers.

use crate::fragments::{line_start, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{init, rules};

/// Enterasys switches (SecureStack, S-, K- and N-Series): `C5(su)->`,
/// `Username:`/`Password:`, `set length 0` to stop paging. The access
/// level in the prompt (`ro`, `rw`, `su`) is fixed by the account, so
/// there are no privilege levels to move between.
pub(super) fn enterasys() -> Driver {
    Driver {
        name: "enterasys".to_owned(),
        description: "Enterasys switches (SecureStack, S-, K-, N-Series)".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,62}(?:\([\w.:/+\-]+\))?-?[>#]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!(line_start!(), r"Username:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"Password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?im)^[ \t]*%?[ \t]*(?:invalid input|unrecognized command|incomplete command)[^\r\n]*",
            r"(?im)^[ \t]*%?[ \t]*error:[ \t]*[^\d\s][^\r\n]*",
        ]),
        init_commands: init(&[&["set length 0"]]),
        os_guess: rules(&[(GuessStage::Head, r"(?i)\benterasys\b", 80)]),
        ..Driver::generic()
    }
}

/// Enterasys (Extreme) HiPath wireless controllers: `C5110#` and
/// `C5110:topology#`, `Username:`/`Password:`.
pub(super) fn enterasys_wc() -> Driver {
    Driver {
        name: "enterasys_wc".to_owned(),
        description: "Enterasys (Extreme) HiPath wireless controllers".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}(?::[\w.\-]+)*#",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!(line_start!(), r"Username:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"Password:[ \t]*$")]),
        error: builtin_patterns(&[
            r"(?m)^[ \t]*(?:Error|ERROR):[ \t]*[^\d\s][^\r\n]*",
            r"(?im)^[ \t]*(?:invalid|unknown) command[^\r\n]*",
        ]),
        os_guess: rules(&[(
            GuessStage::Head,
            r"(?i)Enterasys Wireless Convergence OS",
            85,
        )]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn enterasys_expectations() {
        check(
            &enterasys(),
            &Expect {
                prompts: &[
                    "C5(su)->",
                    "B5(rw)->",
                    "Matrix-N7(su)->",
                    "S8-Chassis(ro)-> ",
                ],
                not_prompts: &["C5(su)->show port", "Username: "],
                usernames: &["\r\nUsername: "],
                passwords: &["\r\nPassword: "],
                errors: &[(
                    "Invalid input detected at '^' marker.\r\n",
                    "Invalid input detected at '^' marker.",
                )],
                not_errors: &[
                    "ge.1.1  up  up  1000  full\r\n",
                    "ge.1.2   error: none          down   up\r\n",
                    "Error: 0\r\n",
                ],
                pagers: &[("--More--", " ")],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn enterasys_wc_expectations() {
        check(
            &enterasys_wc(),
            &Expect {
                prompts: &["C5110# ", "C5110:topology# ", "C5110:ap:vns# "],
                not_prompts: &["C5110# show", "C5110> "],
                usernames: &["\r\nUsername: "],
                passwords: &["\r\nPassword: "],
                errors: &[("Error: topology not found\r\n", "Error: topology not found")],
                not_errors: &[
                    "Enterasys Wireless Convergence OS\r\n",
                    "Errors since boot: 0\r\nError: 0\r\n",
                ],
                ..Expect::default()
            },
        );
    }
}
