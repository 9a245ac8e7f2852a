//! ADTRAN AOS.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{EnableLevels, enable_base, enable_levels, init, rules, strings};

/// An AOS host name.
macro_rules! aos_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.:/+\-]{0,62}"
    };
}

const AOS_LEVELS: EnableLevels = enable_levels!(aos_host!(), r"\([\w.:/+\- ]+\)#");

/// ADTRAN AOS (NetVanta routers and switches, and the DSLAMs Exscript
/// wrote this driver for): IOS-like prompts, `% Invalid or incomplete
/// command`, `terminal length 0` and `terminal width 132`; levels `exec`
/// -> `privilege_exec` (`enable`) -> `configuration` (`configure
/// terminal` / `end`). The devices announce plain OpenSSH, so only
/// `show version` output identifies them.
pub(super) fn adtran() -> Driver {
    Driver {
        name: "adtran".to_owned(),
        aliases: strings(&["adtran_os"]),
        description: "ADTRAN AOS".to_owned(),
        prompt: builtin_patterns(&[concat!(
            line_start!(),
            aos_host!(),
            r"(?:\([\w.:/+\- ]+\))?[>#]",
            prompt_end!()
        )]),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"(?:user ?name|login):[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!(line_start!(), r"[Pp]assword:[ \t]*$")]),
        error: builtin_patterns(&[concat!(
            r"(?m)^%[ \t]*(?:Invalid or incomplete command|Unrecognized command|Invalid input",
            r"|Incomplete command|Ambiguous command|Error\b)[^\r\n]*"
        )]),
        init_commands: init(&[&["terminal length 0"], &["terminal width 132"]]),
        os_guess: rules(&[(GuessStage::Response, r"ADTRAN, Inc\. OS version", 90)]),
        ..enable_base(AOS_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn adtran_expectations() {
        check(
            &adtran(),
            &Expect {
                prompts: &[
                    "NV3448>",
                    "NV3448#",
                    "NV3448(config)#",
                    "NV3448(config-giga-eth 0/1)#",
                ],
                not_prompts: &["NV3448# show", "Password: "],
                usernames: &["\r\nUsername: "],
                passwords: &["\r\nPassword: "],
                errors: &[(
                    "% Invalid or incomplete command\r\n",
                    "% Invalid or incomplete command",
                )],
                not_errors: &["ADTRAN, Inc. OS version R11.4.1\r\n"],
                levels: &[
                    ("NV3448>", "exec"),
                    ("NV3448#", "privilege_exec"),
                    ("NV3448(config)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
