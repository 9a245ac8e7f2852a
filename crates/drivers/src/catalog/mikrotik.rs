//! MikroTik RouterOS.

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::{answers, pager_with, rules, strings};

/// `[admin@MikroTik]`.
macro_rules! ros_identity {
    () => {
        r"\[[\w.@+\-]+@[^\]\r\n]{1,64}\]"
    };
}

const ROS_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    ros_identity!(),
    r" (?:/[\w\-/ ]*)?(?:<SAFE>|>)",
    prompt_end!()
)];

/// MikroTik RouterOS: `[admin@MikroTik] >`, `[admin@MikroTik]
/// /interface>`, `<SAFE>` mode; `bad command name`, `syntax error`,
/// `expected end of command` and `failure:` lines; the license question
/// declined and the no-key notice acknowledged at login; the `-- [Q
/// quit|D dump|…]` pager answered with `D` (dump the rest); lines end
/// with CR LF; logout with `quit`. RouterOS has no privilege levels.
pub(super) fn mikrotik_routeros() -> Driver {
    Driver {
        name: "mikrotik_routeros".to_owned(),
        aliases: strings(&["mikrotik", "routeros"]),
        description: "MikroTik RouterOS".to_owned(),
        prompt: builtin_patterns(ROS_PROMPTS),
        username_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"login:[ \t]*$")]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(&[
            concat!(
                r"(?m)^[ \t]*(?:bad command name|syntax error|expected end of command",
                r"|expected command name|ambiguous value|invalid value|no such item",
                r"|input does not match)[^\r\n]*"
            ),
            r"(?m)^[ \t]*failure:[^\r\n]*",
        ]),
        login_answers: answers(&[
            (
                r"(?i)do you want to see the software license\?[ \t]*\[y/n\]:?[ \t]*$",
                "n",
            ),
            (r#"(?i)please press "enter" to continue![ \t]*$"#, "\r\n"),
        ]),
        pager: pager_with(&[(r"-- \[Q quit\|D dump\|[^\]\r\n]*\][ \t]*$", "D")]),
        logout: strings(&["quit"]),
        newline: "\r\n".to_owned(),
        os_guess: rules(&[
            (GuessStage::Protocol, r"ROSSSH", 90),
            (GuessStage::Head, r"MikroTik RouterOS", 95),
            (
                GuessStage::Head,
                concat!(line_start!(), ros_identity!(), r" >[ \t]*$"),
                70,
            ),
            (GuessStage::Response, r"platform: MikroTik", 95),
        ]),
        ..Driver::generic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn mikrotik_expectations() {
        check(
            &mikrotik_routeros(),
            &Expect {
                prompts: &[
                    "[admin@MikroTik] > ",
                    "[admin@MikroTik] /interface> ",
                    "[admin@MikroTik] /ip address> ",
                    "[admin@MikroTik] /interface/bridge> ",
                    "[admin@MikroTik] <SAFE> ",
                    "[admin@core-rtr.lab] > ",
                ],
                not_prompts: &[
                    "[admin@MikroTik] > /system",
                    "[admin@MikroTik]",
                    "-- [Q quit|D dump|down]",
                ],
                usernames: &["Login: "],
                passwords: &["Password: "],
                errors: &[
                    (
                        "bad command name foo (line 1 column 1)\r\n",
                        "bad command name foo (line 1 column 1)",
                    ),
                    (
                        "syntax error (line 1 column 18)\r\n",
                        "syntax error (line 1 column 18)",
                    ),
                    (
                        "expected end of command (line 1 column 22)\r\n",
                        "expected end of command (line 1 column 22)",
                    ),
                    (
                        "failure: already have such address\r\n",
                        "failure: already have such address",
                    ),
                ],
                not_errors: &["  version: 7.12 (stable)\r\n  platform: MikroTik\r\n"],
                pagers: &[
                    ("-- [Q quit|D dump|down]", "D"),
                    ("-- [Q quit|D dump|C-z pause|right]", "D"),
                ],
                login_answers: &[
                    ("Do you want to see the software license? [Y/n]: ", "n"),
                    ("Please press \"Enter\" to continue!", "\r\n"),
                ],
                ..Expect::default()
            },
        );
    }
}
