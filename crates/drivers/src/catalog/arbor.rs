//! Arbor Networks Peakflow SP.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{rules, strings};

/// Arbor Peakflow SP (ArbOS): `admin@arbos:/# ` and
/// `admin@peakflow:/services/sp# `, the `DIAG>` shell of releases up to
/// 8.0 and the `host:path#` shell of 8.3. Guessed from the Arbor /
/// ArbOS / Peakflow names.
pub(super) fn arbor_peakflow() -> Driver {
    Driver {
        name: "arbor_peakflow".to_owned(),
        aliases: strings(&["arbor", "peakflow"]),
        description: "Arbor Networks Peakflow SP (ArbOS)".to_owned(),
        prompt: builtin_patterns(&[
            concat!(
                line_start!(),
                r"[\w.+\-]+@[\w.+\-~]+:(?:/[\w.\-]*)+[#%]",
                prompt_end!()
            ),
            concat!(line_start!(), r"DIAG>", prompt_end!()),
            concat!(line_start!(), r"[\w.+\-~()]+:[^\r\n#\s]*#", prompt_end!()),
        ]),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user|login):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            // `Error: unknown command 'foo'`; not `Error: 0` nor an
            // `Error counters` heading.
            r"(?m)^[ \t]*(?:Error|ERROR):[ \t]*[^\d\s][^\r\n]*",
            r"(?im)^[ \t]*(?:unknown|invalid) (?:command|argument)[^\r\n]*",
        ]),
        os_guess: rules(&[(GuessStage::Head, r"(?i)\b(?:arbo[rs]|peakflow)\b", 97)]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn arbor_expectations() {
        check(
            &arbor_peakflow(),
            &Expect {
                prompts: &[
                    "admin@arbos:/# ",
                    "admin@peakflow:/services/sp# ",
                    "DIAG> ",
                    "pfsp1:/services/sp#",
                ],
                not_prompts: &["admin@arbos:/# services", "login: "],
                usernames: &["\r\nlogin: "],
                passwords: &["Password: "],
                errors: &[(
                    "Error: unknown command 'foo'\r\n",
                    "Error: unknown command 'foo'",
                )],
                not_errors: &[
                    "Peakflow SP 9.1 (build HGPF)\r\n",
                    "Error counters:\r\n  Error: 0\r\n",
                ],
                ..Expect::default()
            },
        );
    }
}
